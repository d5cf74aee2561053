/**
 * The public handle to an actor: `ActorRef`, typed by the messages it accepts and the replies it
 * gives. It stays valid across restarts: it addresses the actor's mailbox, not one incarnation.
 *
 * @module
 */

import { CallTimeoutError } from "./errors.ts";

/** A message in a mailbox, with its reply channel and how often it was tried. */
export interface Envelope {
  message: unknown;
  transfer?: Transferable[];
  reply?: { resolve: (value: unknown) => void; reject: (error: unknown) => void };
  attempts: number;
  /** Called when the actor starts on the message (a worker actor: when it is posted to it). */
  started?: () => void;
}

/** What a reference sends to: the mailbox of an actor cell. */
export interface MailboxOwner {
  /** Path of the actor in the tree. */
  readonly path: string;
  /** Accepts a message, waiting for room; gives up when `signal` aborts. */
  enqueue(envelope: Envelope, signal?: AbortSignal): Promise<void>;
  /** Accepts a message if there is room. */
  tryEnqueue(envelope: Envelope): boolean;
}

/** Options of `send`. */
export interface SendOptions {
  /** Buffers moved (not copied) to a worker-hosted actor. */
  transfer?: Transferable[];
  /**
   * Gives up waiting for room when this aborts (pass the sender's `ctx.signal`, so a stopping
   * actor is not left blocked on a full mailbox).
   */
  signal?: AbortSignal;
}

/** Options of `call`. */
export interface CallOptions extends SendOptions {
  /** Reject with `CallTimeoutError` after this many ms. */
  timeoutMs?: number;
  /**
   * Called when the actor starts on the request (a worker actor: when the request is posted to
   * its worker), before the reply.
   */
  onStarted?: () => void;
}

/** A stable handle to a supervised actor that accepts `M` and replies `R`; valid across restarts. */
export class ActorRef<M = unknown, R = unknown> {
  readonly #owner: MailboxOwner;

  /** Wraps an actor's mailbox; obtained from `ActorSystem.ref` or `ActorContext.sibling`. */
  constructor(owner: MailboxOwner) {
    this.#owner = owner;
  }

  /** Path of the actor in the tree. */
  get path(): string {
    return this.#owner.path;
  }

  /** Queues a message, waiting while the mailbox is full. */
  send(message: M, options: SendOptions = {}): Promise<void> {
    return this.#owner.enqueue(
      { message, transfer: options.transfer, attempts: 0 },
      options.signal,
    );
  }

  /** Queues a message if there is room; false otherwise. */
  trySend(message: M, options: SendOptions = {}): boolean {
    return this.#owner.tryEnqueue({ message, transfer: options.transfer, attempts: 0 });
  }

  /** Sends a request and resolves with the actor's reply. */
  call(message: M, options: CallOptions = {}): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = <T>(fn: (value: T) => void) => (value: T) => {
        if (timer !== undefined) clearTimeout(timer);
        fn(value);
      };
      const envelope: Envelope = {
        message,
        transfer: options.transfer,
        attempts: 0,
        reply: { resolve: done(resolve as (value: unknown) => void), reject: done(reject) },
        started: options.onStarted,
      };
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(
          () => reject(new CallTimeoutError(this.#owner.path, options.timeoutMs!)),
          options.timeoutMs,
        );
      }
      this.#owner.enqueue(envelope, options.signal).catch(envelope.reply!.reject);
    });
  }
}
