/**
 * A failure that interrupts every wait on it, without keeping what the waits were for.
 *
 * `Promise.race([work, failed])` against a long-lived `failed` promise that never settles leaks:
 * V8 keeps every reaction attached to a pending promise, and each race's reaction holds the race's
 * result (a message, a reply) for as long as `failed` stays pending. `Tripwire.race` registers its
 * interruption in a set instead, and takes it out as soon as the work settles.
 *
 * @example Interrupt a wait when a worker dies
 * ```ts
 * const wire = new Tripwire();
 * const reply = wire.race(Promise.resolve("reply")); // settles as the work does
 * wire.trip(new Error("the worker died")); // every race still waiting rejects with it
 * await reply; // "reply"
 * ```
 *
 * @module
 */

/** A one-time failure that rejects the races waiting on it. */
export class Tripwire {
  readonly #waiting = new Set<(error: unknown) => void>();
  #tripped = false;
  #error: unknown;

  /** Whether `trip` was called. */
  get tripped(): boolean {
    return this.#tripped;
  }

  /** Fails every race waiting now and every later one with `error`; later calls do nothing. */
  trip(error: unknown): void {
    if (this.#tripped) return;
    this.#tripped = true;
    this.#error = error;
    for (const fail of this.#waiting) fail(error);
    this.#waiting.clear();
  }

  /**
   * Settles as `work` does, unless the wire is tripped first: then rejects with its error (a
   * later settling of `work` is ignored, its rejection included).
   */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.#tripped) {
      work.catch(() => {});
      return Promise.reject(this.#error);
    }
    return new Promise<T>((resolve, reject) => {
      this.#waiting.add(reject);
      work.then(
        (value) => {
          this.#waiting.delete(reject);
          resolve(value);
        },
        (error) => {
          this.#waiting.delete(reject);
          reject(error);
        },
      );
    });
  }
}
