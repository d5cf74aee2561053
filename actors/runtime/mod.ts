/**
 * The actor runtime: bounded mailboxes, Erlang/OTP-style supervisors, actors on the main thread
 * or in Web Workers, and metric snapshots of the whole tree.
 *
 * @module
 */

export { ActorRef, type CallOptions, type DeadLetter, type SendOptions } from "./cell.ts";
export * from "./errors.ts";
export { Mailbox } from "./mailbox.ts";
export { workerPool, type WorkerPoolOptions } from "./pool.ts";
export { seededRandom } from "../lib/random.ts";
export { type Transfer, withTransfer } from "./protocol.ts";
export { backoffDelay, Supervisor, SUPERVISOR_DEFAULTS } from "./supervisor.ts";
export { type PollOptions, pollUntil, sleep, withDeadline } from "../lib/async.ts";
export {
  ActorSystem,
  setDefaultWorkerEntry,
  type SystemOptions,
  type SystemOutcome,
} from "./system.ts";
export type * from "./types.ts";
export {
  inWorker,
  serveWorker,
  type WorkerBehavior,
  type WorkerContext,
  type WorkerRegistry,
} from "./worker_host.ts";
export { DEFAULT_HEARTBEAT } from "./worker_runner.ts";
