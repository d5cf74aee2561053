/**
 * Erlang/OTP-style supervisor: starts children in order, stops them in reverse, restarts them per
 * strategy and restart type, and gives up (escalates to its parent) when restarts exceed the
 * intensity within the period.
 *
 * @module
 */

import { ActorCell, type Child } from "./cell.ts";
import { mainThreadRunner } from "./runner.ts";
import { EscalationError } from "./errors.ts";
import type {
  ActorSnapshot,
  ChildSpec,
  ChildState,
  Exit,
  RestartType,
  RuntimeEnv,
  Strategy,
  SupervisorSpec,
} from "./types.ts";
import { backoff, type BackoffOptions, delay } from "../lib/async.ts";
import { workerRunner } from "./worker_runner.ts";

/** Defaults of supervision settings. */
export const SUPERVISOR_DEFAULTS = {
  strategy: "one_for_one" as Strategy,
  intensity: 3,
  periodMs: 5000,
  shutdownMs: 5000,
  mailbox: 1024,
};

/** Builds the child for a spec: a cell for actors and workers, a supervisor otherwise. */
export function createChild(spec: ChildSpec, parentPath: string, env: RuntimeEnv): Child {
  const path = parentPath ? `${parentPath}/${spec.id}` : spec.id;
  if (spec.kind === "supervisor") return new Supervisor(spec, path, env);
  const common = {
    id: spec.id,
    path,
    restartType: spec.restart ?? "permanent",
    shutdownMs: spec.shutdownMs ?? SUPERVISOR_DEFAULTS.shutdownMs,
    mailbox: spec.mailbox ?? SUPERVISOR_DEFAULTS.mailbox,
    env,
  };
  if (spec.kind === "actor") {
    return new ActorCell({
      ...common,
      kind: "actor",
      makeRunner: () => mainThreadRunner(spec.behavior()),
    });
  }
  const cell: ActorCell = new ActorCell({
    ...common,
    kind: "worker",
    makeRunner: () => workerRunner(spec, path, spec.entry ?? env.workerEntry, cell.restarts),
  });
  return cell;
}

/** A supervisor node of the tree; itself a child of its parent. */
export class Supervisor implements Child {
  readonly id: string;
  readonly path: string;
  readonly restartType: RestartType;
  readonly shutdownMs: number;
  readonly strategy: Strategy;
  readonly intensity: number;
  readonly periodMs: number;
  restarts = 0;
  onExit?: (child: Child, exit: Exit, incarnation: number) => void;

  #children: Child[];
  readonly #removed = new Set<Child>();
  readonly #dynamic = new Set<Child>();
  readonly #backoff?: BackoffOptions;
  readonly #env: RuntimeEnv;
  #state: ChildState = "idle";
  #incarnations = 0;
  #restartTimes: number[] = [];
  #queue: Promise<void> = Promise.resolve();
  #stopping = new AbortController();

  /** Creates the supervisor and (idle) children from the spec. */
  constructor(spec: SupervisorSpec, path: string, env: RuntimeEnv) {
    const ids = new Set<string>();
    for (const child of spec.children) {
      if (ids.has(child.id)) throw new Error(`duplicate child id '${child.id}' under '${path}'`);
      ids.add(child.id);
    }
    this.id = spec.id;
    this.path = path;
    this.restartType = spec.restart ?? "permanent";
    this.shutdownMs = spec.shutdownMs ?? Number.POSITIVE_INFINITY;
    this.strategy = spec.strategy ?? SUPERVISOR_DEFAULTS.strategy;
    this.intensity = spec.intensity ?? SUPERVISOR_DEFAULTS.intensity;
    this.periodMs = spec.periodMs ?? SUPERVISOR_DEFAULTS.periodMs;
    this.#backoff = spec.backoff;
    this.#env = env;
    this.#children = spec.children.map((child) => this.#adopt(createChild(child, path, env)));
  }

  /** Current lifecycle state. */
  get state(): ChildState {
    return this.#state;
  }

  /** Number of times this supervisor was started. */
  get incarnation(): number {
    return this.#incarnations;
  }

  /** The children, in start order. */
  get children(): readonly Child[] {
    return this.#children;
  }

  /**
   * Starts every child in order with a fresh restart history. A child whose start fails counts as
   * a crash; rejects with `EscalationError` if that exceeds the intensity.
   */
  start(): Promise<void> {
    this.#incarnations++;
    this.#restartTimes = [];
    this.#stopping = new AbortController();
    this.#state = "starting";
    this.#removed.clear();
    return this.#serial(async () => {
      // Children added at run time belong to the previous incarnation; their owner adds them again.
      for (const child of this.#dynamic) child.close();
      this.#children = this.#children.filter((child) => !this.#dynamic.has(child));
      this.#dynamic.clear();
      for (const child of this.#children) {
        if (this.#removed.has(child) || child.state === "running") continue;
        if (child.incarnation > 0) child.restarts++;
        try {
          await child.start();
        } catch (error) {
          await this.#restart(child, error);
          if (this.#state === "failed") throw this.#failure;
        }
      }
      this.#state = "running";
    });
  }

  /**
   * Adds a child at run time (after the static ones) and starts it; rejects if its start fails.
   * Such children are supervised like the others but do not survive a restart of this supervisor.
   */
  startChild(spec: ChildSpec): Promise<void> {
    return this.#serial(async () => {
      if (this.#state !== "running") {
        throw new Error(`supervisor '${this.path}' is ${this.#state}; cannot add '${spec.id}'`);
      }
      if (this.#children.some((child) => child.id === spec.id)) {
        throw new Error(`duplicate child id '${spec.id}' under '${this.path}'`);
      }
      const child = this.#adopt(createChild(spec, this.path, this.#env));
      this.#children.push(child);
      this.#dynamic.add(child);
      try {
        await child.start();
      } catch (error) {
        this.#discard(child);
        throw error;
      }
    });
  }

  /** Stops a child added with `startChild` and forgets it. */
  terminateChild(id: string): Promise<void> {
    return this.#serial(async () => {
      const child = this.#children.find((c) => c.id === id);
      if (!child || !this.#dynamic.has(child)) return;
      if (child.state !== "idle" && child.state !== "stopped") await child.stop("terminate");
      this.#discard(child);
    });
  }

  /** Stops and forgets every child added with `startChild`, last added first. */
  async terminateChildren(): Promise<void> {
    const ids = [...this.#dynamic].map((child) => child.id).reverse();
    for (const id of ids) await this.terminateChild(id);
  }

  /** Finds a descendant supervisor by path segments relative to this one. */
  findSupervisor(path: string[]): Supervisor | undefined {
    if (path.length === 0) return this;
    const child = this.#children.find((c) => c.id === path[0]);
    return child instanceof Supervisor ? child.findSupervisor(path.slice(1)) : undefined;
  }

  /** Stops every child in reverse start order. */
  stop(reason: string): Promise<"stopped" | "killed"> {
    this.#stopping.abort();
    return this.#serial(async () => {
      if (this.#state === "stopped") return "stopped";
      this.#state = "stopping";
      const killed = await this.#stopChildren(this.#children, reason);
      this.#state = "stopped";
      return killed ? "killed" : "stopped";
    });
  }

  /** Closes every mailbox below this supervisor. */
  close(): void {
    for (const child of this.#children) child.close();
  }

  /** Resolves once every event queued so far has been handled. */
  async settled(): Promise<void> {
    let queue;
    do {
      queue = this.#queue;
      await queue;
      for (const child of this.#children) {
        if (child instanceof Supervisor) await child.settled();
      }
    } while (queue !== this.#queue);
  }

  /** Snapshot of this supervisor and all descendants. */
  snapshot(): ActorSnapshot {
    const now = this.#env.now();
    const children = this.#children.map((child) => child.snapshot());
    const sum = (pick: (s: ActorSnapshot) => number) =>
      children.reduce((total, child) => total + pick(child), 0);
    return {
      id: this.id,
      path: this.path,
      kind: "supervisor",
      state: this.#state,
      restartType: this.restartType,
      restarts: this.restarts,
      in: sum((c) => c.in),
      out: sum((c) => c.out),
      processed: sum((c) => c.processed),
      errors: sum((c) => c.errors),
      deadLetters: sum((c) => c.deadLetters),
      mailboxDepth: sum((c) => c.mailboxDepth),
      mailboxCapacity: sum((c) => c.mailboxCapacity),
      processingMs: {
        count: sum((c) => c.processingMs.count),
        total: sum((c) => c.processingMs.total),
        max: children.reduce((max, c) => Math.max(max, c.processingMs.max), 0),
      },
      strategy: this.strategy,
      children,
      lastError: this.#failure ? String(this.#failure.message) : undefined,
      recentRestarts: this.#restartTimes.filter((t) => now - t <= this.periodMs).length,
      intensity: this.intensity,
      periodMs: this.periodMs,
    };
  }

  /** Finds a descendant cell by path segments relative to this supervisor. */
  find(path: string[]): ActorCell | undefined {
    if (path.length === 0) return undefined;
    const child = this.#children.find((c) => c.id === path[0]);
    return child?.find(path.slice(1));
  }

  #failure?: EscalationError;

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(task);
    this.#queue = result.then(() => {}, () => {});
    return result;
  }

  #childExited(child: Child, exit: Exit, incarnation: number): void {
    this.#serial(async () => {
      if (this.#state !== "running" && this.#state !== "starting") return;
      if (incarnation !== child.incarnation || this.#removed.has(child)) return;
      if (!this.#children.includes(child)) return;
      const restart = child.restartType === "permanent" ||
        (child.restartType === "transient" && exit.kind === "crash");
      if (!restart) {
        this.#remove(child);
        return;
      }
      await this.#restart(child, exit.kind === "crash" ? exit.error : new Error("normal exit"));
    });
  }

  /** Restarts `failed` (and siblings per strategy); on too many restarts, gives up. */
  async #restart(failed: Child, cause: unknown): Promise<void> {
    let child = failed;
    let error = cause;
    for (;;) {
      const now = this.#env.now();
      this.#restartTimes.push(now);
      this.#restartTimes = this.#restartTimes.filter((t) => now - t <= this.periodMs);
      if (this.#restartTimes.length > this.intensity) {
        await this.#giveUp(child, error);
        return;
      }
      const group = this.#group(child);
      await this.#stopChildren(group.filter((c) => c !== child), "restart");
      for (const sibling of group) {
        if (sibling !== child && sibling.restartType === "temporary") this.#remove(sibling);
      }
      if (this.#backoff) {
        const wait = backoff(this.#backoff, this.#restartTimes.length, this.#env.random());
        if (!(await delay(wait, this.#stopping.signal))) return;
      }
      let next: { child: Child; error: unknown } | undefined;
      for (const member of group) {
        if (this.#removed.has(member)) continue;
        member.restarts++;
        try {
          await member.start();
        } catch (startError) {
          next = { child: member, error: startError };
          break;
        }
      }
      if (!next) return;
      child = next.child;
      error = next.error;
    }
  }

  /** The children restarted together with `child` under this strategy, in start order. */
  #group(child: Child): Child[] {
    const live = this.#children.filter((c) => !this.#removed.has(c));
    switch (this.strategy) {
      case "one_for_one":
        return [child];
      case "one_for_all":
        return live;
      case "rest_for_one":
        return live.slice(live.indexOf(child));
    }
  }

  async #giveUp(child: Child, cause: unknown): Promise<void> {
    this.#failure = new EscalationError({
      supervisor: this.path,
      child: child.id,
      intensity: this.intensity,
      periodMs: this.periodMs,
      cause,
    });
    const starting = this.#state === "starting";
    await this.#stopChildren(this.#children, "shutdown");
    this.#state = "failed";
    // While starting, the failure reaches the parent as the rejection of `start`.
    if (!starting) this.onExit?.(this, { kind: "crash", error: this.#failure }, this.#incarnations);
  }

  /** Stops the given children in reverse order; true if any had to be killed. */
  async #stopChildren(children: Child[], reason: string): Promise<boolean> {
    let killed = false;
    for (const child of [...children].reverse()) {
      if (child.state === "idle" || child.state === "stopped") continue;
      if ((await child.stop(reason)) === "killed") killed = true;
    }
    return killed;
  }

  #adopt(child: Child): Child {
    child.onExit = (c, exit, incarnation) => this.#childExited(c, exit, incarnation);
    return child;
  }

  #discard(child: Child): void {
    child.close();
    this.#children = this.#children.filter((c) => c !== child);
    this.#dynamic.delete(child);
    this.#removed.delete(child);
  }

  #remove(child: Child): void {
    this.#removed.add(child);
    child.close();
  }
}
