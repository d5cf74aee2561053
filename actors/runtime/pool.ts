/**
 * A pool of identical Web Workers under their own supervisor: the shape of the scoring and the
 * encoding workers.
 *
 * @module
 */

import type { HeartbeatOptions, SupervisorSpec } from "./types.ts";

/** What a worker pool is made of. */
export interface WorkerPoolOptions {
  /** Id of the pool's supervisor. */
  id: string;
  /** Workers are `${member}-0`, `${member}-1`, … */
  member: string;
  /** Number of workers (at least 1). */
  size: number;
  /** Name of the behaviour in the worker registry. */
  behavior: string;
  mailbox: number;
  heartbeat: Partial<HeartbeatOptions>;
}

/** A one_for_one supervisor of `size` workers running `behavior`: one crash restarts one worker. */
export function workerPool(options: WorkerPoolOptions): SupervisorSpec {
  return {
    kind: "supervisor",
    id: options.id,
    strategy: "one_for_one",
    intensity: 10,
    periodMs: 60_000,
    children: Array.from({ length: Math.max(1, options.size) }, (_, i) => ({
      kind: "worker" as const,
      id: `${options.member}-${i}`,
      behavior: options.behavior,
      mailbox: options.mailbox,
      heartbeat: options.heartbeat,
    })),
  };
}
