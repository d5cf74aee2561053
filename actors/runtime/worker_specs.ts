/**
 * Specs of worker-hosted actors typed by the application's worker map: one worker, or a pool of
 * identical ones under their own supervisor (the shape of the scoring and the encoding workers)
 * with the typed addresses of its members.
 *
 * @module
 */

import { addressOf } from "./address.ts";
import type {
  ActorAddress,
  HeartbeatOptions,
  SupervisorSpec,
  WorkerMap,
  WorkerSpec,
  WorkerTypes,
} from "./types.ts";

/** The spec of one worker running a behaviour of type `T`. */
export type TypedWorkerSpec<T extends WorkerTypes> = WorkerSpec<
  T["request"],
  T["reply"],
  T["args"],
  T["emit"]
>;

/** The `args` of a behaviour: required unless it takes none. */
type ArgsOption<T extends WorkerTypes> = undefined extends T["args"] ? { args?: T["args"] }
  : { args: T["args"] };

/** Options of one worker (its behaviour is named apart). */
export type WorkerOptions<T extends WorkerTypes> =
  & Omit<TypedWorkerSpec<T>, "kind" | "behavior" | "args" | "_types">
  & ArgsOption<T>;

/** What a worker pool is made of. */
export type WorkerPoolOptions<T extends WorkerTypes> = {
  /** Id of the pool's supervisor. */
  id: string;
  /** Workers are `${member}-0`, `${member}-1`, … */
  member: string;
  /** Number of workers (at least 1). */
  size: number;
  mailbox: number;
  heartbeat: Partial<HeartbeatOptions>;
  /** Messages posted to each worker ahead of its reply (`WorkerSpec.ahead`; default 1). */
  ahead?: number;
  /** Module hosting the workers (default: the builder's). */
  entry?: URL | string;
} & ArgsOption<T>;

/** A pool: its supervisor's spec, and its workers' addresses relative to the pool's parent. */
export interface WorkerPool<M, R> {
  spec: SupervisorSpec;
  /** `${id}/${member}-0`, …: a sibling of the pool resolves them with `ctx.sibling`. */
  members: ActorAddress<M, R>[];
}

/** Spec builders for the behaviours of a worker map `W`. */
export interface WorkerSpecs<W extends WorkerMap<W>> {
  /** One worker running behaviour `name`. */
  worker<K extends keyof W & string>(name: K, options: WorkerOptions<W[K]>): TypedWorkerSpec<W[K]>;
  /** A one_for_one supervisor of `size` workers running `name`: a crash restarts one worker. */
  pool<K extends keyof W & string>(
    name: K,
    options: WorkerPoolOptions<W[K]>,
  ): WorkerPool<W[K]["request"], W[K]["reply"]>;
}

/** Options of `workerSpecs`. */
export interface WorkerSpecsOptions {
  /** The module hosting the workers whose options name none, asked when a spec is built. */
  entry?: () => URL | string | undefined;
}

/**
 * Spec builders typed by the worker map `W`: a name must be one of `W`'s, and the args, requests,
 * replies and emitted messages have its types, so the references to the workers need no cast.
 *
 * @example
 * ```ts
 * interface Workers {
 *   "model.score": { args: undefined; request: ScoreRequest; reply: ScoreReply; emit: never };
 * }
 * const workers = workerSpecs<Workers>({ entry: () => new URL("./entry.ts", import.meta.url) });
 * const pool = workers.pool("model.score", {
 *   id: "scorers",
 *   member: "score",
 *   size: 2,
 *   mailbox: 64,
 *   heartbeat: {},
 * });
 * // pool.members: ActorAddress<ScoreRequest, ScoreReply>[]
 * ```
 */
export function workerSpecs<W extends WorkerMap<W>>(
  options: WorkerSpecsOptions = {},
): WorkerSpecs<W> {
  const worker = <K extends keyof W & string>(
    name: K,
    spec: WorkerOptions<W[K]>,
  ): TypedWorkerSpec<W[K]> => ({
    ...spec,
    kind: "worker",
    behavior: name,
    entry: spec.entry ?? options.entry?.(),
  });
  return {
    worker,
    pool(name, { id, member, size, mailbox, heartbeat, ahead, entry, args }) {
      const children = Array.from(
        { length: Math.max(1, size) },
        (_, i) => worker(name, { id: `${member}-${i}`, mailbox, heartbeat, ahead, entry, args }),
      );
      return {
        spec: {
          kind: "supervisor",
          id,
          strategy: "one_for_one",
          intensity: 10,
          periodMs: 60_000,
          children,
        },
        members: children.map((child) => addressOf(child, id)),
      };
    },
  };
}
