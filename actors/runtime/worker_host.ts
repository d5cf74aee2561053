/**
 * Worker side of a worker-hosted actor: builds the behaviour named by the main thread, handles its
 * messages one at a time, answers heartbeats, and reports every uncaught error or unhandled
 * rejection as a crash instead of letting it escape.
 *
 * @module
 */

import {
  type FromWorker,
  toWireError,
  type ToWorker,
  type Transfer,
  unwrapTransfer,
} from "./protocol.ts";
import type { ActorContext, WorkerMap, WorkerTypes } from "./types.ts";

/** What a worker-hosted behaviour can do besides replying; `E` is what it emits. */
export interface WorkerContext<E = unknown> extends ActorContext {
  /** Sends a message to the spec's `onEmit` on the main thread, moving `transfer` buffers. */
  emit(message: E, transfer?: Transferable[]): void;
}

/** A reply, or a reply marked with `withTransfer` to move its buffers instead of copying them. */
export type WorkerReply<R> = R | Transfer<R>;

/**
 * A message-driven behaviour that runs inside a worker, accepting `M`, replying `R` (`handle`'s
 * return value) and emitting `E`.
 */
export interface WorkerBehavior<M = unknown, R = unknown, E = unknown> {
  /** Called once before the first message; throwing counts as a crash. */
  init?(ctx: WorkerContext<E>): void | Promise<void>;
  /** Handles one message; throwing crashes this incarnation. */
  handle?(message: M, ctx: WorkerContext<E>): WorkerReply<R> | Promise<WorkerReply<R>>;
  /** Called when the incarnation is stopped. */
  terminate?(reason: string, ctx: WorkerContext<E>): void | Promise<void>;
}

/** The behaviour factory of one entry of a worker map; its argument is the spec's `args`. */
export type WorkerFactory<T extends WorkerTypes> = (
  args: T["args"],
) => WorkerBehavior<T["request"], T["reply"], T["emit"]>;

/** Any worker map: names to loose types (tests, generic hosts). */
// deno-lint-ignore no-explicit-any
type AnyWorkers = Record<string, { args: any; request: any; reply: any; emit: any }>;

/** Behaviour factories by name, typed by the worker map `W`. */
export type WorkerRegistry<W extends WorkerMap<W> = AnyWorkers> = {
  [K in keyof W]: WorkerFactory<W[K]>;
};

interface WorkerScope {
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  addEventListener(type: string, listener: (event: Event) => void): void;
}

/** True when this code runs inside a Web Worker. */
export function inWorker(): boolean {
  const scope = globalThis as unknown as { WorkerGlobalScope?: new () => unknown };
  return typeof scope.WorkerGlobalScope === "function" &&
    globalThis instanceof scope.WorkerGlobalScope;
}

/**
 * Serves the actor protocol in this worker with the given behaviours. Call it before the worker's
 * first `await`: a message that arrives while no handler is installed is lost, so the handler is
 * installed at once and, when `behaviors` is still loading (a dynamic import of the registry),
 * messages wait in order until it has loaded.
 */
export function serveWorker<W extends WorkerMap<W>>(
  behaviors: WorkerRegistry<W> | Promise<WorkerRegistry<W>>,
): void {
  const scope = globalThis as unknown as WorkerScope;
  const post = (message: FromWorker, transfer: Transferable[] = []) =>
    scope.postMessage(message, transfer);
  const crash = (error: unknown) => post({ t: "crash", error: toWireError(error) });

  scope.addEventListener("error", (event) => {
    event.preventDefault();
    crash((event as ErrorEvent).error ?? new Error((event as ErrorEvent).message));
  });
  scope.addEventListener("unhandledrejection", (event) => {
    event.preventDefault();
    crash((event as PromiseRejectionEvent).reason);
  });

  let registry: Record<string, (args: unknown) => WorkerBehavior> = {};
  let behavior: WorkerBehavior | undefined;
  let ctx: WorkerContext | undefined;
  const abort = new AbortController();
  let queue: Promise<void> = Promise.resolve(behaviors).then((loaded) => {
    registry = loaded as Record<string, (args: unknown) => WorkerBehavior>;
  });

  scope.onmessage = (event) => {
    const data = event.data;
    if (data.t === "ping") {
      post({ t: "pong", seq: data.seq });
      return;
    }
    if (data.t === "hang") {
      // Fault injection: keep the thread busy, answering nothing, as a stuck computation would.
      const until = Date.now() + data.ms;
      while (Date.now() < until) {
        // spin
      }
      return;
    }
    queue = queue.then(() => dispatch(data)).catch(crash);
  };

  async function dispatch(data: ToWorker): Promise<void> {
    switch (data.t) {
      case "init": {
        const factory = registry[data.behavior];
        if (!factory) throw new Error(`no worker behaviour named '${data.behavior}'`);
        ctx = {
          path: data.path,
          restarts: data.restarts,
          signal: abort.signal,
          countOut: () => {},
          exit: () => {},
          get tree(): never {
            throw new Error("the supervision tree is not reachable from inside a Web Worker");
          },
          sibling: () => {
            throw new Error("other actors are not reachable from inside a Web Worker");
          },
          emit: (message, transfer = []) => post({ t: "emit", message }, transfer),
        };
        behavior = factory(data.args);
        await behavior.init?.(ctx);
        post({ t: "ready" });
        return;
      }
      case "msg": {
        if (!behavior?.handle || !ctx) {
          throw new Error("worker actor received a message before init");
        }
        try {
          const { value, transfer } = unwrapTransfer(await behavior.handle(data.message, ctx));
          post({ t: "reply", id: data.id, value }, transfer);
        } catch (error) {
          post({ t: "fail", id: data.id, error: toWireError(error) });
        }
        return;
      }
      case "stop": {
        abort.abort();
        if (ctx) await behavior?.terminate?.(data.reason, ctx);
        post({ t: "stopped" });
        return;
      }
    }
  }
}
