/**
 * Messages between an actor cell on the main thread and the Web Worker hosting its behaviour.
 *
 * @module
 */

/** An error as it crosses a thread boundary. */
export interface WireError {
  name: string;
  message: string;
  stack?: string;
}

/** Main thread to worker. */
export type ToWorker =
  | { t: "init"; behavior: string; args: unknown; path: string; restarts: number }
  | { t: "msg"; id: number; message: unknown }
  | { t: "ping"; seq: number }
  | { t: "stop"; reason: string }
  | { t: "hang"; ms: number };

/** Worker to main thread. */
export type FromWorker =
  | { t: "ready" }
  | { t: "reply"; id: number; value: unknown }
  | { t: "fail"; id: number; error: WireError }
  | { t: "emit"; message: unknown }
  | { t: "pong"; seq: number }
  | { t: "crash"; error: WireError }
  | { t: "stopped" };

/** Converts any thrown value into a `WireError`. */
export function toWireError(error: unknown): WireError {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, stack: error.stack };
  }
  return { name: "Error", message: String(error) };
}

/** Rebuilds an `Error` from a `WireError`. */
export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  if (wire.stack) error.stack = wire.stack;
  return error;
}

const TRANSFER = Symbol.for("fraudstream.transfer");

/** A value paired with the buffers to move (not copy) when it crosses to another thread. */
export interface Transfer<T> {
  readonly [TRANSFER]: true;
  readonly value: T;
  readonly transfer: Transferable[];
}

/** Marks `value` to be sent with `transfer` moved instead of copied. */
export function withTransfer<T>(value: T, transfer: Transferable[]): Transfer<T> {
  return { [TRANSFER]: true, value, transfer };
}

/** Splits a possibly-marked value into the value and its transfer list. */
export function unwrapTransfer(value: unknown): { value: unknown; transfer: Transferable[] } {
  if (value !== null && typeof value === "object" && TRANSFER in value) {
    const marked = value as Transfer<unknown>;
    return { value: marked.value, transfer: marked.transfer };
  }
  return { value, transfer: [] };
}
