/**
 * Timers that respect cancellation, polling, and deadlines for steps that may hang.
 *
 * @module
 */

import { StepTimeoutError } from "../runtime/errors.ts";

/** Waits `ms`; resolves true when the time passed, false as soon as the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Options of `pollUntil`. */
export interface PollOptions {
  /** Gives up after this many ms. */
  timeoutMs: number;
  /** Gives up when this aborts. */
  signal?: AbortSignal;
  /** Time between two looks, in ms (default 10). */
  pollMs?: number;
  /** Gives up once this resolves (e.g. the system that would make `ready` true has ended). */
  failed?: Promise<unknown>;
}

/** Waits until `ready()` holds (true); false on timeout, abort or when `failed` resolves first. */
export async function pollUntil(ready: () => boolean, options: PollOptions): Promise<boolean> {
  let failed = false;
  options.failed?.then(() => (failed = true));
  const deadline = performance.now() + options.timeoutMs;
  while (!ready()) {
    if (failed || performance.now() > deadline) return false;
    if (!(await sleep(options.pollMs ?? 10, options.signal))) return false;
  }
  return true;
}

/**
 * Settles like `promise`, or rejects with `StepTimeoutError` after `ms`: a hung step becomes a
 * crash its supervisor can restart. The step itself is not cancelled.
 */
export function withDeadline<T>(promise: Promise<T>, ms: number, step: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeoutError(step, ms)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
