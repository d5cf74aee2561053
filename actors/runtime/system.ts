/**
 * An actor system: the root supervisor of a role, its dead letters, lookups by path, one snapshot
 * of the whole tree, and orderly shutdown.
 *
 * @module
 */

import type { DeadLetter, RuntimeEnv } from "./types.ts";
import type { ActorRef } from "./ref.ts";
import { EscalationError } from "./errors.ts";
import { Supervisor } from "./supervisor.ts";
import type {
  ActorAddress,
  ActorSnapshot,
  ChildSpec,
  SupervisorSpec,
  TreeHandle,
} from "./types.ts";

/** How a system ended. */
export type SystemOutcome = { kind: "stopped" } | { kind: "failed"; error: EscalationError };

/** Options of `ActorSystem.start`. */
export interface SystemOptions {
  /** Clock for restart intensity, in ms (default `Date.now`). */
  now?: () => number;
  /** Source of randomness for back-off jitter (default `Math.random`). */
  random?: () => number;
  /**
   * Module that hosts the worker actors whose spec names none: the application's worker entry,
   * which serves its behaviours with `serveWorker`. A worker without either fails to start.
   */
  workerEntry?: URL | string;
  /** Called for every dead letter. */
  onDeadLetter?: (letter: DeadLetter) => void;
  /** How many recent dead letters to keep for inspection (default 1000). */
  keepDeadLetters?: number;
}

/** A running supervision tree. */
export class ActorSystem {
  /** The root supervisor. */
  readonly root: Supervisor;
  /** Resolves when the system has stopped, saying whether it failed. */
  readonly done: Promise<SystemOutcome>;
  /** Most recent dead letters (bounded). */
  readonly deadLetters: DeadLetter[] = [];
  /** Dead letters seen in total. */
  deadLetterCount = 0;

  #finish!: (outcome: SystemOutcome) => void;
  #shutdown?: Promise<void>;

  private constructor(spec: SupervisorSpec, options: SystemOptions) {
    const keep = options.keepDeadLetters ?? 1000;
    const tree: TreeHandle = {
      startChild: (path, child) => this.#supervisor(path).startChild(child),
      terminateChild: (path, id) => this.#supervisor(path).terminateChild(id),
      terminateChildren: (path) => this.#supervisor(path).terminateChildren(),
      ref: <M, R>(path: string) => this.ref<M, R>(path),
    };
    const env: RuntimeEnv = {
      tree,
      now: options.now ?? Date.now,
      random: options.random ?? Math.random,
      workerEntry: options.workerEntry,
      deadLetter: (letter) => {
        this.deadLetterCount++;
        this.deadLetters.push(letter);
        if (this.deadLetters.length > keep) this.deadLetters.shift();
        options.onDeadLetter?.(letter);
      },
    };
    this.root = new Supervisor(spec, spec.id, env);
    this.done = new Promise((resolve) => (this.#finish = resolve));
    this.root.onExit = (_child, exit) => {
      const error = exit.kind === "crash" && exit.error instanceof EscalationError
        ? exit.error
        : new EscalationError({
          supervisor: this.root.path,
          child: this.root.id,
          intensity: this.root.intensity,
          periodMs: this.root.periodMs,
          cause: exit.kind === "crash" ? exit.error : "normal exit",
        });
      this.#close();
      this.#finish({ kind: "failed", error });
    };
  }

  /** Builds the tree and starts it; rejects with `EscalationError` if the root gives up. */
  static async start(spec: SupervisorSpec, options: SystemOptions = {}): Promise<ActorSystem> {
    const system = new ActorSystem(spec, options);
    try {
      await system.root.start();
    } catch (error) {
      system.#close();
      throw error;
    }
    return system;
  }

  /**
   * Reference to the actor at `path` below the root, e.g. `consumers/p0`, typed by its address
   * (`addressOf` a child of the root, or a pool's member) or, for a bare path, by the caller.
   */
  ref<M = unknown, R = unknown>(path: string | ActorAddress<M, R>): ActorRef<M, R> {
    return this.#cell(typeof path === "string" ? path : path.path).ref as ActorRef<M, R>;
  }

  /** Adds and starts a child under the supervisor at `supervisorPath` ("" for the root). */
  startChild(supervisorPath: string, spec: ChildSpec): Promise<void> {
    return this.#supervisor(supervisorPath).startChild(spec);
  }

  /** Stops and forgets a child that was added with `startChild`. */
  terminateChild(supervisorPath: string, id: string): Promise<void> {
    return this.#supervisor(supervisorPath).terminateChild(id);
  }

  #supervisor(path: string): Supervisor {
    const supervisor = this.root.findSupervisor(path.split("/").filter(Boolean));
    if (!supervisor) throw new Error(`no supervisor at '${path}' under '${this.root.path}'`);
    return supervisor;
  }

  /** Fault injection: crashes the actor at `path` now, as if `error` had escaped it. */
  kill(path: string, error: unknown = new Error(`killed ${path}`)): void {
    this.#cell(path).kill(error);
  }

  /** Fault injection: blocks the worker of the actor at `path` for `ms`. */
  hang(path: string, ms: number): void {
    this.#cell(path).hang(ms);
  }

  #cell(path: string) {
    const cell = this.root.find(path.split("/").filter(Boolean));
    if (!cell) throw new Error(`no actor at '${path}' under '${this.root.path}'`);
    return cell;
  }

  /** Metrics of the whole tree. */
  snapshot(): ActorSnapshot {
    return this.root.snapshot();
  }

  /** Resolves once every supervision event queued so far has been handled. */
  settled(): Promise<void> {
    return this.root.settled();
  }

  /** Stops every actor in reverse start order, then refuses further messages. */
  shutdown(reason = "shutdown"): Promise<void> {
    this.#shutdown ??= (async () => {
      await this.root.stop(reason);
      this.#close();
      this.#finish({ kind: "stopped" });
    })();
    return this.#shutdown;
  }

  #close(): void {
    this.root.close();
  }
}
