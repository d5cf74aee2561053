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
  unwrapTransfer,
  withTransfer,
} from "./protocol.ts";
import type { ActorContext } from "./types.ts";

/** What a worker-hosted behaviour can do besides replying. */
export interface WorkerContext extends ActorContext {
  /** Sends a message to the spec's `onEmit` on the main thread, moving `transfer` buffers. */
  emit(message: unknown, transfer?: Transferable[]): void;
}

/** A message-driven behaviour that runs inside a worker; `handle`'s return value is the reply. */
export interface WorkerBehavior<M = unknown, R = unknown> {
  /** Called once before the first message; throwing counts as a crash. */
  init?(ctx: WorkerContext): void | Promise<void>;
  /** Handles one message; throwing crashes this incarnation. */
  handle?(message: M, ctx: WorkerContext): R | Promise<R>;
  /** Called when the incarnation is stopped. */
  terminate?(reason: string, ctx: WorkerContext): void | Promise<void>;
}

/** Behaviour factories by name; the argument comes from the spec's `args`. */
// deno-lint-ignore no-explicit-any
export type WorkerRegistry = Record<string, (args: any) => WorkerBehavior<any, any>>;

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
export function serveWorker(behaviors: WorkerRegistry | Promise<WorkerRegistry>): void {
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

  let registry: WorkerRegistry = {};
  let behavior: WorkerBehavior | undefined;
  let ctx: WorkerContext | undefined;
  const abort = new AbortController();
  let queue: Promise<void> = Promise.resolve(behaviors).then((loaded) => {
    registry = loaded;
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

export { withTransfer };
