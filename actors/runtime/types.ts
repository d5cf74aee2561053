/**
 * Types shared by the actor runtime: behaviours, child specifications, supervision settings (and
 * the list of restart strategies) and metric snapshots.
 *
 * @module
 */

import type { BackoffOptions } from "../lib/async.ts";
import type { ActorRef } from "./ref.ts";

/** How a supervisor reacts when one child terminates abnormally (Erlang/OTP strategies). */
export type Strategy = "one_for_one" | "one_for_all" | "rest_for_one";

/** The restart strategies a supervisor can use. */
export const STRATEGIES: readonly Strategy[] = ["one_for_one", "one_for_all", "rest_for_one"];

/** When a terminated child is restarted (Erlang/OTP restart types). */
export type RestartType = "permanent" | "transient" | "temporary";

/** Lifecycle state of a supervised child, as shown in snapshots. */
export type ChildState =
  | "idle"
  | "starting"
  | "running"
  | "backoff"
  | "stopping"
  | "stopped"
  | "failed";

/** Why an actor incarnation ended. `normal` is a clean exit; anything else is a crash. */
export type Exit = { kind: "normal" } | { kind: "crash"; error: unknown };

/** Operations on the running tree, for actors that manage other actors. */
export interface TreeHandle {
  /** Adds and starts a child under the supervisor at `supervisorPath` (relative to the root). */
  startChild(supervisorPath: string, spec: ChildSpec): Promise<void>;
  /** Stops and forgets a child added with `startChild`. */
  terminateChild(supervisorPath: string, id: string): Promise<void>;
  /** Stops and forgets every child added with `startChild` under the supervisor. */
  terminateChildren(supervisorPath: string): Promise<void>;
  /** Reference to the actor at `path` (relative to the root). */
  ref<M = unknown, R = unknown>(path: string): ActorRef<M, R>;
}

/** What an actor's code can do besides handling messages. */
export interface ActorContext {
  /** Path of this actor in the supervision tree, e.g. `root/consumers/p0`. */
  readonly path: string;
  /** How many times this child has been restarted so far. */
  readonly restarts: number;
  /** Aborted when this incarnation is asked to stop; long work should check it. */
  readonly signal: AbortSignal;
  /** Counts `n` messages emitted by this actor (shown as `out` in snapshots). */
  countOut(n?: number): void;
  /** Ends this incarnation normally once the current message is handled. */
  exit(): void;
  /** The tree this actor belongs to (not available inside Web Workers). */
  readonly tree: TreeHandle;
  /**
   * The actor at `address`, relative to this actor's parent: a sibling (`group`) or a descendant
   * of one (`scorers/score-0`), typed by its address (not available inside Web Workers).
   */
  sibling<M, R>(address: ActorAddress<M, R>): ActorRef<M, R>;
}

/**
 * Where an actor is, relative to a parent supervisor, typed by the messages it accepts and the
 * replies it gives. Made from the actor's spec (`addressOf`, `workerPool`), so that a reference
 * resolved from it needs no cast.
 */
export interface ActorAddress<M = unknown, R = unknown> {
  /** Ids from the parent down, joined by `/`, e.g. `encoders/encode-0`. */
  readonly path: string;
  /** Phantom field tying the address to its message and reply types. */
  readonly _types?: (message: M) => R;
}

/**
 * The code of an actor. Either message-driven (`handle` is called for each message, one at a
 * time, and its return value is the reply to `call`) or active (`run` loops until it returns, a
 * normal exit, or throws, a crash).
 */
export interface Behavior<M = unknown, R = unknown> {
  /** Called once per incarnation before the first message; throwing counts as a crash. */
  init?(ctx: ActorContext): void | Promise<void>;
  /** Handles one message; throwing crashes this incarnation. */
  handle?(message: M, ctx: ActorContext): R | Promise<R>;
  /** Body of an active actor; returning is a normal exit. */
  run?(ctx: ActorContext): void | Promise<void>;
  /** Called when the incarnation stops for any reason other than a crash. */
  terminate?(reason: string, ctx: ActorContext): void | Promise<void>;
}

/** Settings common to every supervised child. */
export interface ChildCommon {
  /** Unique among its siblings. */
  id: string;
  /** Restart type; `permanent` by default. */
  restart?: RestartType;
  /** Time the child gets to stop before it is killed, in ms (default 5000). */
  shutdownMs?: number;
}

/** A message-driven or active actor on the main thread. */
export interface ActorSpec<M = unknown, R = unknown> extends ChildCommon {
  kind: "actor";
  /** Creates the behaviour of a fresh incarnation (state starts over at each restart). */
  behavior: () => Behavior<M, R>;
  /** Mailbox capacity (default 1024). */
  mailbox?: number;
}

/** Heartbeat settings for worker-hosted actors. */
export interface HeartbeatOptions {
  /** How often the worker is pinged, in ms (default 1000). */
  intervalMs: number;
  /** Silence after which the worker counts as hung, in ms (default 10000). */
  timeoutMs: number;
}

/** What a behaviour hosted in a Web Worker is started with, accepts, replies and emits. */
export interface WorkerTypes {
  /** Argument of the behaviour factory (structured-cloned into the worker). */
  args: unknown;
  request: unknown;
  reply: unknown;
  /** Messages it emits while handling a request (`never` for none). */
  emit: unknown;
}

/**
 * A map from worker behaviour names to their types, declared by the application, e.g.
 * `interface Workers { "model.score": { args: undefined; request: ScoreRequest; ... } }`.
 */
export type WorkerMap<W> = { [K in keyof W]: WorkerTypes };

/** An actor whose behaviour runs inside a Web Worker; `A` is its args, `E` what it emits. */
export interface WorkerSpec<M = unknown, R = unknown, A = unknown, E = unknown>
  extends ChildCommon {
  kind: "worker";
  /** Name of the behaviour in the worker's registry. */
  behavior: string;
  /** Argument passed to the behaviour factory inside the worker (structured-cloned). */
  args?: A;
  /** Module that hosts the worker; the system's `workerEntry` by default. */
  entry?: URL | string;
  /** Mailbox capacity (default 1024). */
  mailbox?: number;
  /** Heartbeat settings; a worker that stays silent past the timeout is treated as crashed. */
  heartbeat?: Partial<HeartbeatOptions>;
  /**
   * Messages posted to the worker before the first of them is answered (default 1). The worker
   * still handles them one at a time, in order; with more than one it finds its next message
   * waiting instead of waiting for the main thread to post it, which a main thread busy for
   * many milliseconds at a time does late. At a crash, every posted message is handled as the
   * one in flight is: retried once, or dead-lettered when its buffers moved with it.
   */
  ahead?: number;
  /** Receives messages the worker emits with `emit` while handling a message. */
  onEmit?(message: E): void | Promise<void>;
  /** Phantom field tying the spec to its message and reply types. */
  readonly _types?: (message: M) => R;
}

/** A supervisor with its own children. */
export interface SupervisorSpec extends ChildCommon {
  kind: "supervisor";
  /** Restart strategy (default `one_for_one`). */
  strategy?: Strategy;
  /** Most restarts allowed within `periodMs` before the supervisor gives up (default 3). */
  intensity?: number;
  /** Window for `intensity`, in ms (default 5000). */
  periodMs?: number;
  /** Optional delay between restarts. */
  backoff?: BackoffOptions;
  /** Children, started in this order and stopped in reverse. */
  children: ChildSpec[];
}

/** Any supervised child. */
// deno-lint-ignore no-explicit-any
export type ChildSpec = ActorSpec<any, any> | WorkerSpec<any, any, any, any> | SupervisorSpec;

/** Metrics of one child, and of its children for a supervisor. */
export interface ActorSnapshot {
  id: string;
  path: string;
  kind: "actor" | "worker" | "supervisor";
  state: ChildState;
  restartType: RestartType;
  restarts: number;
  /** Messages accepted into the mailbox. */
  in: number;
  /** Messages emitted (replies and counted sends). */
  out: number;
  /** Messages handled without error. */
  processed: number;
  /** Crashes of this child. */
  errors: number;
  /** Messages that failed twice and went to the dead letters. */
  deadLetters: number;
  mailboxDepth: number;
  mailboxCapacity: number;
  /** Handling time of processed messages, in ms. */
  processingMs: { count: number; total: number; max: number };
  /** Set for supervisors. */
  strategy?: Strategy;
  children?: ActorSnapshot[];
  /** Last crash, if any. */
  lastError?: string;
  /** When the last crash happened, by the runtime's clock (ms since the epoch by default). */
  lastErrorAt?: number;
  /**
   * Supervisors: restarts of their children within the last `periodMs`, the count that gives up
   * past `intensity`.
   */
  recentRestarts?: number;
  /** Supervisors: most restarts within `periodMs` before they give up. */
  intensity?: number;
  /** Supervisors: the window of `intensity`, in ms. */
  periodMs?: number;
}

/** A message that failed twice, kept for inspection and counted as a dead letter. */
export interface DeadLetter {
  path: string;
  message: unknown;
  error: string;
  at: number;
}

/** Facilities the whole tree shares: the clock, the dead-letter sink and the worker entry. */
export interface RuntimeEnv {
  now(): number;
  deadLetter(letter: DeadLetter): void;
  /** Module hosting the worker actors whose spec names none. */
  workerEntry?: URL | string;
  random(): number;
  tree: TreeHandle;
}
