/**
 * A bounded FIFO mailbox. `put` waits while the mailbox is full (back-pressure), so it never drops a
 * message and never grows past its capacity; `take` waits while it is empty.
 *
 * @module
 */

import { MailboxClosedError } from "./errors.ts";

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/** A bounded queue with waiting senders and receivers. */
export class Mailbox<T> {
  readonly capacity: number;
  #items: (T | undefined)[];
  #head = 0;
  #size = 0;
  #front: T[] = [];
  #closed = false;
  #senders: Waiter<void>[] = [];
  #receivers: Waiter<T | undefined>[] = [];

  /** Creates a mailbox that holds at most `capacity` messages. */
  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`mailbox capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.#items = new Array(capacity);
  }

  /** Number of messages waiting, including any put back at the front. */
  get depth(): number {
    return this.#size + this.#front.length;
  }

  /** Number of senders currently blocked on a full mailbox. */
  get blockedSenders(): number {
    return this.#senders.length;
  }

  /** Whether `close` has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Adds a message, waiting while the mailbox is full. Rejects once the mailbox is closed, or
   * with the signal's reason if it aborts before the message was accepted.
   */
  async put(item: T, signal?: AbortSignal): Promise<void> {
    while (this.#size >= this.capacity) {
      if (this.#closed) throw new MailboxClosedError();
      signal?.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter<void> = {
          resolve: () => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
          },
          reject,
        };
        const onAbort = () => {
          const index = this.#senders.indexOf(waiter);
          if (index >= 0) this.#senders.splice(index, 1);
          reject(signal!.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        this.#senders.push(waiter);
      });
    }
    if (this.#closed) throw new MailboxClosedError();
    signal?.throwIfAborted();
    this.#enqueue(item);
  }

  /** Accepts messages again after `close` (a removed child that is started anew). */
  reopen(): void {
    this.#closed = false;
  }

  /** Adds a message if there is room; returns false when full or closed. */
  tryPut(item: T): boolean {
    if (this.#closed || this.#size >= this.capacity) return false;
    this.#enqueue(item);
    return true;
  }

  /**
   * Puts a message back at the front, ahead of everything else (a message to retry after a
   * crash). It does not wait and does not count against the capacity: the message was already
   * accepted once.
   */
  putFront(item: T): void {
    const receiver = this.#receivers.shift();
    if (receiver) receiver.resolve(item);
    else this.#front.push(item);
  }

  /**
   * Takes the oldest message, waiting while empty. Resolves `undefined` when the signal aborts
   * or the mailbox is closed and empty.
   */
  take(signal?: AbortSignal): Promise<T | undefined> {
    const item = this.#dequeue();
    if (item.found) return Promise.resolve(item.value);
    if (this.#closed || signal?.aborted) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve, reject) => {
      const waiter: Waiter<T | undefined> = {
        resolve: (value) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(value);
        },
        reject,
      };
      const onAbort = () => {
        const index = this.#receivers.indexOf(waiter);
        if (index >= 0) this.#receivers.splice(index, 1);
        resolve(undefined);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#receivers.push(waiter);
    });
  }

  /** Removes and returns every waiting message (for accounting at final shutdown). */
  drain(): T[] {
    const out: T[] = [];
    for (;;) {
      const item = this.#dequeue();
      if (!item.found) return out;
      out.push(item.value);
    }
  }

  /** Refuses further `put`s; waiting senders are rejected, waiting receivers get `undefined`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const sender of this.#senders.splice(0)) sender.reject(new MailboxClosedError());
    for (const receiver of this.#receivers.splice(0)) receiver.resolve(undefined);
  }

  #enqueue(item: T): void {
    const receiver = this.#receivers.shift();
    if (receiver) {
      receiver.resolve(item);
      return;
    }
    this.#items[(this.#head + this.#size) % this.capacity] = item;
    this.#size++;
  }

  #dequeue(): { found: true; value: T } | { found: false } {
    if (this.#front.length > 0) return { found: true, value: this.#front.pop() as T };
    if (this.#size === 0) return { found: false };
    const value = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.capacity;
    this.#size--;
    this.#senders.shift()?.resolve();
    return { found: true, value };
  }
}
