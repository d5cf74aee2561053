/**
 * The code of one incarnation of an actor, as its cell drives it: on the main thread (here) or in a
 * Web Worker (`worker_runner.ts`).
 *
 * @module
 */

import { Tripwire } from "../lib/tripwire.ts";
import { unwrapTransfer } from "./protocol.ts";
import type { Envelope } from "./ref.ts";
import type { ActorContext, Behavior } from "./types.ts";

/** The code of one incarnation, on the main thread or in a Web Worker. */
export interface Runner {
  /** Prepares the incarnation; a rejection is a crash. */
  init(ctx: ActorContext): Promise<void>;
  /** Handles one message and returns the reply; undefined for active actors. */
  handle?: (envelope: Envelope, ctx: ActorContext) => Promise<unknown>;
  /** Messages `handle` may be given before the first of them is answered (default 1). */
  readonly ahead?: number;
  /** Body of an active actor. */
  run?: (ctx: ActorContext) => Promise<void>;
  /**
   * Tripped when the incarnation crashes on its own (a worker error, a missed heartbeat): every
   * wait on the incarnation races it.
   */
  readonly crash: Tripwire;
  /** Graceful end: gives the behaviour its `terminate` call. */
  terminate(reason: string, ctx: ActorContext): Promise<void>;
  /** Immediate end: frees what the incarnation holds (terminates a worker). */
  kill(): void;
  /** Fault injection: crashes the incarnation now, as if `error` had escaped it. */
  fail(error: unknown): void;
  /** Fault injection (workers): blocks the worker's thread for `ms`, as a hang would. */
  hang?(ms: number): void;
}

/** A runner for actors on the main thread. */
export function mainThreadRunner<M, R>(behavior: Behavior<M, R>): Runner {
  const crash = new Tripwire();
  return {
    fail: (error) => crash.trip(error),
    init: async (ctx) => {
      await behavior.init?.(ctx);
    },
    handle: behavior.handle
      ? async (envelope, ctx) =>
        unwrapTransfer(await behavior.handle!(envelope.message as M, ctx)).value
      : undefined,
    run: behavior.run ? async (ctx) => await behavior.run!(ctx) : undefined,
    crash,
    terminate: async (reason, ctx) => {
      await behavior.terminate?.(reason, ctx);
    },
    kill: () => {},
  };
}
