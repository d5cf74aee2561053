/**
 * The actor runtime: bounded mailboxes, Erlang/OTP-style supervisors, actors on the main thread
 * or in Web Workers, typed references and addresses, and metric snapshots of the whole tree. It
 * imports nothing of the application: the worker entry and the worker map are passed in.
 *
 * @module
 */

export { addressOf } from "./address.ts";
export type { DeadLetter } from "./types.ts";
export * from "./errors.ts";
export { Mailbox } from "./mailbox.ts";
export { type Transfer, withTransfer } from "./protocol.ts";
export { ActorRef, type CallOptions, type SendOptions } from "./ref.ts";
export { Supervisor, SUPERVISOR_DEFAULTS } from "./supervisor.ts";
export { ActorSystem, type SystemOptions, type SystemOutcome } from "./system.ts";
export type * from "./types.ts";
export {
  inWorker,
  serveWorker,
  type WorkerBehavior,
  type WorkerContext,
  type WorkerFactory,
  type WorkerRegistry,
  type WorkerReply,
} from "./worker_host.ts";
export { DEFAULT_HEARTBEAT } from "./worker_runner.ts";
export {
  type TypedWorkerSpec,
  type WorkerOptions,
  type WorkerPool,
  type WorkerPoolOptions,
  type WorkerSpecs,
  workerSpecs,
  type WorkerSpecsOptions,
} from "./worker_specs.ts";
