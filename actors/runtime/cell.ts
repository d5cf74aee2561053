/**
 * The supervised slot of one actor, internal to the runtime: it owns the mailbox, the metrics and
 * the stable reference it hands out (`ActorRef`, in `ref.ts`), and runs one incarnation of the
 * behaviour at a time (`runner.ts`). A restart replaces the incarnation, never the mailbox, so
 * messages queued at a crash reach the next incarnation.
 *
 * @module
 */

import { deadline } from "../lib/async.ts";
import { ActorStoppedError, DeadLetterError, describeError } from "./errors.ts";
import { Mailbox } from "./mailbox.ts";
import { ActorRef, type Envelope, type MailboxOwner } from "./ref.ts";
import type { Runner } from "./runner.ts";
import type {
  ActorAddress,
  ActorContext,
  ActorSnapshot,
  ChildState,
  Exit,
  RestartType,
  RuntimeEnv,
} from "./types.ts";

/** Anything a supervisor can supervise: an actor cell or another supervisor. */
export interface Child {
  readonly id: string;
  readonly path: string;
  readonly restartType: RestartType;
  readonly shutdownMs: number;
  readonly state: ChildState;
  restarts: number;
  /** Set by the parent; called when the child ends on its own. */
  onExit?: (child: Child, exit: Exit, incarnation: number) => void;
  /** Number of the current incarnation; exits of older incarnations are stale. */
  readonly incarnation: number;
  start(): Promise<void>;
  stop(reason: string): Promise<"stopped" | "killed">;
  /** Final shutdown: refuse further messages. */
  close(): void;
  snapshot(): ActorSnapshot;
  /** Finds a descendant actor cell by relative path. */
  find(path: string[]): ActorCell | undefined;
}

/** A message given to an incarnation's runner. */
interface Posted {
  envelope: Envelope;
  reply: Promise<unknown>;
  /** Settles with the reply, never rejects. */
  settled: Promise<void>;
  postedAt: number;
}

/** What `#take` gives when the oldest posted message was answered before a new one came. */
const ANSWERED = Symbol("answered");

interface Incarnation {
  number: number;
  runner: Runner;
  abort: AbortController;
  ctx: ActorContext;
  /** Messages given to the runner and not yet answered, oldest first. */
  posted: Posted[];
  stopping: boolean;
  killed: boolean;
  exitRequested: boolean;
  done?: Promise<Exit>;
}

/** Supervised slot for an actor; see the module documentation. */
export class ActorCell implements Child, MailboxOwner {
  readonly id: string;
  readonly path: string;
  readonly kind: "actor" | "worker";
  readonly restartType: RestartType;
  readonly shutdownMs: number;
  readonly ref: ActorRef;
  readonly mailbox: Mailbox<Envelope>;
  restarts = 0;
  onExit?: (child: Child, exit: Exit, incarnation: number) => void;

  #state: ChildState = "idle";
  #makeRunner: () => Runner;
  #env: RuntimeEnv;
  #current?: Incarnation;
  #incarnations = 0;
  #metrics = {
    in: 0,
    out: 0,
    processed: 0,
    errors: 0,
    deadLetters: 0,
    count: 0,
    total: 0,
    max: 0,
  };
  #lastError?: string;
  #lastErrorAt?: number;

  /** Creates an idle cell; `start` runs the first incarnation. */
  constructor(options: {
    id: string;
    path: string;
    kind: "actor" | "worker";
    restartType: RestartType;
    shutdownMs: number;
    mailbox: number;
    makeRunner: () => Runner;
    env: RuntimeEnv;
  }) {
    this.id = options.id;
    this.path = options.path;
    this.kind = options.kind;
    this.restartType = options.restartType;
    this.shutdownMs = options.shutdownMs;
    this.mailbox = new Mailbox<Envelope>(options.mailbox);
    this.#makeRunner = options.makeRunner;
    this.#env = options.env;
    this.ref = new ActorRef(this);
  }

  /** Current lifecycle state. */
  get state(): ChildState {
    return this.#state;
  }

  /** Number of the current incarnation. */
  get incarnation(): number {
    return this.#incarnations;
  }

  /** Accepts a message into the mailbox, waiting for room. */
  async enqueue(envelope: Envelope, signal?: AbortSignal): Promise<void> {
    await this.mailbox.put(envelope, signal).catch((error) => {
      throw this.mailbox.closed ? new ActorStoppedError(this.path) : error;
    });
    this.#metrics.in++;
  }

  /** Accepts a message if there is room. */
  tryEnqueue(envelope: Envelope): boolean {
    const accepted = this.mailbox.tryPut(envelope);
    if (accepted) this.#metrics.in++;
    return accepted;
  }

  /** Starts a new incarnation; resolves once its `init` has completed, rejects if it failed. */
  async start(): Promise<void> {
    const number = ++this.#incarnations;
    this.#state = "starting";
    this.mailbox.reopen();
    const abort = new AbortController();
    const metrics = this.#metrics;
    const ctx: ActorContext = {
      path: this.path,
      restarts: this.restarts,
      signal: abort.signal,
      countOut: (n = 1) => {
        metrics.out += n;
      },
      exit: () => {
        incarnation.exitRequested = true;
      },
      tree: this.#env.tree,
      sibling: <M, R>(address: ActorAddress<M, R>) => this.#sibling<M, R>(address),
    };
    const runner = this.#makeRunner();
    const incarnation: Incarnation = {
      number,
      runner,
      abort,
      ctx,
      posted: [],
      stopping: false,
      killed: false,
      exitRequested: false,
    };
    this.#current = incarnation;
    try {
      await runner.crash.race(runner.init(ctx));
    } catch (error) {
      runner.kill();
      this.#recordCrash(error);
      this.#state = "failed";
      throw error;
    }
    this.#state = "running";
    incarnation.done = this.#loop(incarnation);
    incarnation.done.then((exit) => this.#ended(incarnation, exit));
  }

  /**
   * Stops the current incarnation: no further message is taken, the one being handled may finish
   * within `shutdownMs`, then `terminate` runs. Past the timeout the incarnation is killed and the
   * message it was handling goes back to the front of the mailbox.
   */
  async stop(reason: string): Promise<"stopped" | "killed"> {
    const incarnation = this.#current;
    if (
      !incarnation || !incarnation.done || incarnation.stopping || this.#state === "failed"
    ) {
      this.#state = "stopped";
      return "stopped";
    }
    incarnation.stopping = true;
    this.#state = "stopping";
    incarnation.abort.abort(new Error(reason));
    const until = Date.now() + this.shutdownMs;
    const settles = (promise: Promise<unknown>, ms: number, step: string) =>
      deadline(promise.catch(() => {}), ms, step).then(() => true, () => false);
    const finished = await settles(incarnation.done, this.shutdownMs, "the last message");
    let outcome: "stopped" | "killed" = "stopped";
    if (!finished) {
      outcome = "killed";
      this.#kill(incarnation);
    } else {
      const left = Math.max(0, until - Date.now());
      const terminating = incarnation.runner.terminate(reason, incarnation.ctx);
      const terminated = await settles(terminating, left, "terminate");
      if (!terminated) outcome = "killed";
      incarnation.runner.kill();
    }
    this.#state = "stopped";
    return outcome;
  }

  /** Refuses further messages; calls still waiting in the mailbox are rejected. */
  close(): void {
    this.mailbox.close();
    for (const envelope of this.mailbox.drain()) {
      envelope.reply?.reject(new ActorStoppedError(this.path));
    }
  }

  /** Fault injection: crashes the current incarnation with `error` (OTP's `exit(Pid, kill)`). */
  kill(error: unknown = new Error("killed")): void {
    this.#current?.runner.fail(error);
  }

  /** Fault injection: blocks a worker incarnation's thread for `ms` (it stops answering). */
  hang(ms: number): void {
    const runner = this.#current?.runner;
    if (!runner?.hang) throw new Error(`actor '${this.path}' does not run in a worker`);
    runner.hang(ms);
  }

  /** Snapshot of this cell's metrics. */
  snapshot(): ActorSnapshot {
    const m = this.#metrics;
    return {
      id: this.id,
      path: this.path,
      kind: this.kind,
      state: this.#state,
      restartType: this.restartType,
      restarts: this.restarts,
      in: m.in,
      out: m.out,
      processed: m.processed,
      errors: m.errors,
      deadLetters: m.deadLetters,
      mailboxDepth: this.mailbox.depth,
      mailboxCapacity: this.mailbox.capacity,
      processingMs: { count: m.count, total: m.total, max: m.max },
      lastError: this.#lastError,
      lastErrorAt: this.#lastErrorAt,
    };
  }

  /** A cell has no descendants; matches itself on an empty path. */
  find(path: string[]): ActorCell | undefined {
    return path.length === 0 ? this : undefined;
  }

  async #loop(incarnation: Incarnation): Promise<Exit> {
    const { runner, ctx, abort, posted } = incarnation;
    try {
      if (runner.run) {
        await runner.crash.race(runner.run(ctx));
        return { kind: "normal" };
      }
      if (!runner.handle) throw new Error(`actor '${this.path}' has neither handle nor run`);
      const ahead = runner.ahead ?? 1;
      for (;;) {
        const open = !abort.signal.aborted && !incarnation.exitRequested;
        if (open && posted.length < ahead) {
          const envelope = await this.#take(incarnation, posted[0]?.settled);
          if (envelope !== ANSWERED && envelope !== undefined) {
            if (incarnation.killed) {
              this.mailbox.putFront(envelope);
              return { kind: "normal" };
            }
            if (movedAway(envelope)) {
              // Delivered before to an incarnation that is gone, which took its buffers with it.
              this.#deadLetter(
                envelope,
                new Error("its transferred buffers moved with an earlier delivery"),
              );
              continue;
            }
            const reply = runner.handle(envelope, ctx);
            const settled = reply.then(() => {}, () => {});
            posted.push({ envelope, reply, settled, postedAt: performance.now() });
            envelope.started?.();
            continue;
          }
        }
        // Nothing more to take (stopping, or the mailbox closed): the posted ones finish first.
        if (posted.length === 0) return { kind: "normal" };
        const { envelope, reply: replying, postedAt } = posted[0];
        let reply: unknown;
        try {
          reply = await runner.crash.race(replying);
        } catch (error) {
          if (incarnation.killed) throw error;
          this.#unanswered(incarnation, error);
          if (incarnation.stopping) return { kind: "normal" };
          throw error;
        }
        if (incarnation.killed) return { kind: "normal" };
        posted.shift();
        const elapsed = performance.now() - postedAt;
        const m = this.#metrics;
        m.processed++;
        m.count++;
        m.total += elapsed;
        if (elapsed > m.max) m.max = elapsed;
        if (envelope.reply) {
          m.out++;
          envelope.reply.resolve(reply);
        }
      }
    } catch (error) {
      return { kind: "crash", error };
    }
  }

  /**
   * The next message (undefined once the incarnation stops or the mailbox closes); with
   * `answered`, `ANSWERED` when that settles before a message comes.
   */
  async #take(
    incarnation: Incarnation,
    answered?: Promise<void>,
  ): Promise<Envelope | undefined | typeof ANSWERED> {
    const { runner, abort } = incarnation;
    // Waiting on an answer too, the take is withdrawn once the answer comes first.
    const withdraw = answered && new AbortController();
    const stop = () => withdraw?.abort();
    if (withdraw) abort.signal.addEventListener("abort", stop, { once: true });
    const taking = this.mailbox.take(withdraw?.signal ?? abort.signal);
    try {
      const first = await runner.crash.race<Envelope | undefined | typeof ANSWERED>(
        answered ? Promise.race([taking, answered.then((): typeof ANSWERED => ANSWERED)]) : taking,
      );
      if (first !== ANSWERED) return first;
      withdraw!.abort();
      // A message that came at the same time is taken all the same.
      return (await taking) ?? ANSWERED;
    } catch (error) {
      // Withdraw the take; a message it got goes back to the front, behind the posted ones.
      abort.abort();
      const taken = await taking;
      if (taken) this.mailbox.putFront(taken);
      if (!incarnation.killed) this.#unanswered(incarnation, error);
      throw error;
    } finally {
      abort.signal.removeEventListener("abort", stop);
    }
  }

  /**
   * Takes back the messages posted to an incarnation that ended with `error` before answering
   * them: to the front of the mailbox when it was stopping (interrupted by the stop, e.g. a send
   * that gave up on abort: not their fault), else each retried once or dead-lettered.
   */
  #unanswered(incarnation: Incarnation, error: unknown): void {
    for (const { envelope } of incarnation.posted.splice(0).reverse()) {
      if (incarnation.stopping) this.mailbox.putFront(envelope);
      else this.#failed(envelope, error);
    }
  }

  /** The actor at `address`, relative to this cell's parent (paths below the root omit its id). */
  #sibling<M, R>(address: ActorAddress<M, R>): ActorRef<M, R> {
    const parent = this.path.split("/").slice(1, -1);
    return this.#env.tree.ref<M, R>([...parent, address.path].join("/"));
  }

  /** Retries a failed message once at the front of the mailbox, then dead-letters it. */
  #failed(envelope: Envelope, error: unknown): void {
    if (envelope.attempts === 0) {
      envelope.attempts = 1;
      this.mailbox.putFront(envelope);
      return;
    }
    this.#deadLetter(envelope, error);
  }

  /** Gives up on a message: a dead letter, and its caller told why. */
  #deadLetter(envelope: Envelope, error: unknown): void {
    this.#metrics.deadLetters++;
    this.#env.deadLetter({
      path: this.path,
      message: envelope.message,
      error: describeError(error),
      at: this.#env.now(),
    });
    envelope.reply?.reject(new DeadLetterError(this.path, error));
  }

  #kill(incarnation: Incarnation): void {
    incarnation.killed = true;
    incarnation.runner.kill();
    for (const { envelope } of incarnation.posted.splice(0).reverse()) {
      this.mailbox.putFront(envelope);
    }
  }

  #recordCrash(error: unknown): void {
    this.#metrics.errors++;
    this.#lastError = describeError(error);
    this.#lastErrorAt = this.#env.now();
  }

  #ended(incarnation: Incarnation, exit: Exit): void {
    if (incarnation.stopping || incarnation !== this.#current) return;
    if (exit.kind === "crash") {
      incarnation.runner.kill();
      this.#recordCrash(exit.error);
      this.#state = "failed";
      this.onExit?.(this, exit, incarnation.number);
      return;
    }
    incarnation.runner.terminate("normal", incarnation.ctx).catch(() => {}).finally(() => {
      incarnation.runner.kill();
      this.#state = "stopped";
      this.onExit?.(this, exit, incarnation.number);
    });
  }
}

/**
 * Whether a message's transferred buffers are gone (detached): it went to a worker before and
 * cannot be sent again.
 */
function movedAway(envelope: Envelope): boolean {
  return envelope.transfer?.some((item) => item instanceof ArrayBuffer && item.detached) ?? false;
}
