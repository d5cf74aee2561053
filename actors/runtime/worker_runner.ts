/**
 * Main-thread side of a worker-hosted actor: spawns the Web Worker, forwards messages (moving
 * transferable buffers), watches heartbeats and turns every kind of worker failure into a crash
 * of the incarnation, never of the process.
 *
 * @module
 */

import { Tripwire } from "../lib/tripwire.ts";
import type { Envelope } from "./ref.ts";
import type { Runner } from "./runner.ts";
import { HeartbeatTimeoutError, WorkerCrashedError } from "./errors.ts";
import { fromWireError, type FromWorker, type ToWorker } from "./protocol.ts";
import type { HeartbeatOptions, WorkerSpec } from "./types.ts";

/** Default heartbeat: ping every second, a worker silent for 10 s is hung. */
export const DEFAULT_HEARTBEAT: HeartbeatOptions = { intervalMs: 1000, timeoutMs: 10_000 };

/** Time a worker gets to load its module and run `init`, in ms. */
export const WORKER_START_TIMEOUT_MS = 60_000;

/** Creates the runner of one worker incarnation. */
export function workerRunner(
  spec: WorkerSpec,
  path: string,
  entry: URL | string | undefined,
  restarts: number,
): Runner {
  const heartbeat = { ...DEFAULT_HEARTBEAT, ...spec.heartbeat };
  let worker: Worker | undefined;
  let heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  let startTimer: ReturnType<typeof setTimeout> | undefined;
  let lastPong = 0;
  let pingSeq = 0;
  let nextId = 0;
  let dead = false;
  let emitted: Promise<void> = Promise.resolve();
  const pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: unknown) => void }
  >();
  let ready: { resolve: () => void; reject: (e: unknown) => void } | undefined;
  let stopped: (() => void) | undefined;
  const wire = new Tripwire();
  const crash = (error: unknown) => {
    if (dead) return;
    dead = true;
    kill();
    wire.trip(error);
  };

  function kill(): void {
    clearInterval(heartbeatTimer);
    clearTimeout(startTimer);
    heartbeatTimer = undefined;
    if (worker) {
      worker.terminate();
      worker = undefined;
    }
    dead = true;
  }

  function post(message: ToWorker, transfer: Transferable[] = []): void {
    if (!worker) throw new WorkerCrashedError(path, "the worker is not running");
    worker.postMessage(message, transfer);
  }

  function onMessage(data: FromWorker): void {
    switch (data.t) {
      case "ready":
        ready?.resolve();
        return;
      case "pong":
        lastPong = Date.now();
        return;
      case "reply": {
        const request = pending.get(data.id);
        pending.delete(data.id);
        lastPong = Date.now();
        emitted.then(() => request?.resolve(data.value), (error) => request?.reject(error));
        return;
      }
      case "fail": {
        const request = pending.get(data.id);
        pending.delete(data.id);
        request?.reject(fromWireError(data.error));
        return;
      }
      case "emit": {
        const onEmit = spec.onEmit;
        if (onEmit) emitted = emitted.then(() => onEmit(data.message));
        return;
      }
      case "crash":
        crash(new WorkerCrashedError(path, `${data.error.name}: ${data.error.message}`));
        return;
      case "stopped":
        stopped?.();
        return;
    }
  }

  return {
    ahead: Math.max(1, spec.ahead ?? 1),
    crash: wire,
    fail: (error) => crash(error),
    hang: (ms) => post({ t: "hang", ms }),
    init(): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        ready = { resolve, reject };
        if (entry === undefined) {
          reject(
            new WorkerCrashedError(
              path,
              "no module hosts it: give its spec an entry, or the system a workerEntry",
            ),
          );
          return;
        }
        try {
          worker = new Worker(entry, { type: "module", name: path });
        } catch (error) {
          reject(new WorkerCrashedError(path, `could not start: ${String(error)}`));
          return;
        }
        worker.onmessage = (event: MessageEvent<FromWorker>) => onMessage(event.data);
        worker.onerror = (event: ErrorEvent) => {
          event.preventDefault();
          crash(new WorkerCrashedError(path, event.message || "uncaught error"));
        };
        worker.onmessageerror = () => {
          crash(new WorkerCrashedError(path, "a message could not be deserialized"));
        };
        startTimer = setTimeout(
          () => crash(new WorkerCrashedError(path, "did not start in time")),
          WORKER_START_TIMEOUT_MS,
        );
        post({ t: "init", behavior: spec.behavior, args: spec.args, path, restarts });
      }).then(() => {
        clearTimeout(startTimer);
        lastPong = Date.now();
        heartbeatTimer = setInterval(() => {
          const silent = Date.now() - lastPong;
          if (silent > heartbeat.timeoutMs) {
            crash(new HeartbeatTimeoutError(path, silent));
            return;
          }
          try {
            post({ t: "ping", seq: ++pingSeq });
          } catch (error) {
            crash(error);
          }
        }, heartbeat.intervalMs);
      });
    },
    handle(envelope: Envelope): Promise<unknown> {
      return new Promise((resolve, reject) => {
        const id = ++nextId;
        pending.set(id, { resolve, reject });
        post({ t: "msg", id, message: envelope.message }, envelope.transfer);
      });
    },
    async terminate(reason: string): Promise<void> {
      if (!worker || dead) return;
      const done = new Promise<void>((resolve) => (stopped = resolve));
      post({ t: "stop", reason });
      await wire.race(done).catch(() => {});
    },
    kill,
  };
}
