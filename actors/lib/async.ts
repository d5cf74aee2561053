/**
 * The async toolbox, one of each: waiting (`delay`), bounding a step in time (`deadline`, and
 * `openWithin` for a step that opens something), waiting for a condition (`poll`), trying again
 * what failed for a passing reason (`retry`), and the one back-off formula (`backoff`). Names
 * follow `@std/async` where the meaning is the same.
 *
 * @module
 */

/** A step took longer than its deadline: it is treated as hung. Thrown by `deadline`. */
export class StepTimeoutError extends Error {
  override name = "StepTimeoutError";
  /** The deadline that passed, in ms. */
  readonly timeoutMs: number;

  /** `step` names what hung, e.g. `partition 3: start`. */
  constructor(step: string, timeoutMs: number) {
    super(`${step} did not finish within ${timeoutMs / 1000} s`);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Waits `ms`. Unlike `@std/async`'s `delay` it never rejects: it resolves true when the time
 * passed and false as soon as `signal` aborts, so a loop can run `while (await delay(...))`.
 *
 * @example Stop a periodic loop with a signal
 * ```ts
 * const stop = new AbortController();
 * setTimeout(() => stop.abort(), 50);
 * let ticks = 0;
 * while (await delay(10, stop.signal)) ticks++;
 * ```
 */
export function delay(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Settles like `promise`, or rejects with `StepTimeoutError` after `ms`: a hung step becomes a
 * failure its caller (or supervisor) can act on. The step itself is not cancelled, and no timer is
 * left behind once either side settles.
 *
 * @example Wait at most 5 s for a close
 * ```ts
 * const closed = await deadline(Promise.resolve("closed"), 5000, "closing the client")
 *   .then(() => true, () => false);
 * ```
 *
 * @throws {StepTimeoutError} naming `step` when `ms` pass first.
 */
export function deadline<T>(promise: Promise<T>, ms: number, step: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeoutError(step, ms)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

/**
 * Waits for `opening` as `deadline` does; should it still open after its deadline passed, what it
 * opened is handed to `close`: it is not the caller's to keep.
 *
 * @example Open a connection, or fail after a minute
 * ```ts
 * const opening = Promise.resolve({ close: () => {} });
 * const connection = await openWithin(opening, 60_000, "connecting", (late) => late.close());
 * connection.close();
 * ```
 *
 * @throws {StepTimeoutError} naming `step` when `ms` pass first.
 */
export async function openWithin<T>(
  opening: Promise<T>,
  ms: number,
  step: string,
  close: (opened: T) => unknown,
): Promise<T> {
  try {
    return await deadline(opening, ms, step);
  } catch (error) {
    opening.then(close, () => {});
    throw error;
  }
}

/**
 * Waits for every one of `promises`, then rejects with the first failure (in the order given) if
 * any failed: unlike `Promise.all`, nothing is still running when it rejects, so a caller can
 * clean up (abort a transaction) knowing no step of it is under way.
 *
 * @example Send to two topics in parallel inside one transaction
 * ```ts
 * await allSettledOrThrow([Promise.resolve("scores sent"), Promise.resolve("state sent")]);
 * ```
 *
 * @throws the first rejection among `promises`, once all have settled.
 */
export async function allSettledOrThrow(promises: Iterable<Promise<unknown>>): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result) => result.status === "rejected");
  if (failed) throw (failed as PromiseRejectedResult).reason;
}

/**
 * Operations under way, for a step that must come after every one of them (a transaction's end
 * after its sends), whether they succeed or fail.
 *
 * @example End a transaction once the sends under way have settled
 * ```ts
 * const sends = new UnderWay();
 * sends.track(Promise.resolve("scores sent"));
 * await sends.settled();
 * ```
 */
export class UnderWay {
  readonly #operations = new Set<Promise<void>>();

  /** Follows `operation` until it settles, and returns it. */
  track<T>(operation: Promise<T>): Promise<T> {
    const settled = operation.then(() => {}, () => {});
    this.#operations.add(settled);
    settled.then(() => this.#operations.delete(settled));
    return operation;
  }

  /** Resolves once every operation followed so far has settled; never rejects. */
  async settled(): Promise<void> {
    await Promise.all(this.#operations);
  }
}

/** Options of `poll`. */
export interface PollOptions {
  /** Gives up after this many ms. */
  timeoutMs: number;
  /** Gives up when this aborts. */
  signal?: AbortSignal;
  /** Time between two looks, in ms (default 10). */
  pollMs?: number;
  /** Gives up once this resolves (e.g. the system that would make `ready` true has ended). */
  failed?: Promise<unknown>;
}

/**
 * Waits until `ready()` holds, looking every `pollMs`. Resolves true once it does; false on
 * timeout, when `signal` aborts, or when `failed` resolves first. A `ready` that throws rejects.
 *
 * @example Wait up to 5 s for a counter
 * ```ts
 * let count = 0;
 * const timer = setInterval(() => count++, 1);
 * const reached = await poll(() => count >= 3, { timeoutMs: 5000 });
 * clearInterval(timer);
 * ```
 */
export async function poll(
  ready: () => boolean | Promise<boolean>,
  options: PollOptions,
): Promise<boolean> {
  let failed = false;
  options.failed?.then(() => (failed = true));
  const until = performance.now() + options.timeoutMs;
  while (!(await ready())) {
    // The last look is at the timeout, not a whole `pollMs` after it.
    const left = until - performance.now();
    if (failed || left <= 0) return false;
    if (!(await delay(Math.min(options.pollMs ?? 10, left), options.signal))) return false;
  }
  return true;
}

/** Exponential back-off: `initialMs`, then `factor` times more per attempt, up to `maxMs`. */
export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  initialMs: number;
  /** Upper bound of the delay, in ms. */
  maxMs: number;
  /** Growth per consecutive attempt (default 2). */
  factor?: number;
  /** Random spread as a fraction of the delay, 0..1 (default 0.2; 0 for none). */
  jitter?: number;
}

/**
 * The delay before the `attempt`-th consecutive retry (1-based): `initialMs * factor^(attempt-1)`,
 * capped at `maxMs`, then spread by `jitter` with `random` (0..1; 0.5 leaves it as is).
 *
 * @example Doubling from 100 ms up to 1 s, without jitter
 * ```ts
 * const delays = [1, 2, 3, 4, 5].map((attempt) =>
 *   backoff({ initialMs: 100, maxMs: 1000, jitter: 0 }, attempt)
 * ); // [100, 200, 400, 800, 1000]
 * ```
 */
export function backoff(
  options: BackoffOptions,
  attempt: number,
  random: number = Math.random(),
): number {
  const factor = options.factor ?? 2;
  const jitter = options.jitter ?? 0.2;
  const base = Math.min(options.maxMs, options.initialMs * factor ** Math.max(0, attempt - 1));
  return Math.max(0, Math.round(base * (1 + jitter * (2 * random - 1))));
}

/** Whether `error` says it may pass if tried again: its `retriable` flag (as kafkajs errors carry). */
export function isRetriable(error: unknown): boolean {
  return typeof error === "object" && error !== null &&
    (error as { retriable?: unknown }).retriable === true;
}

/** Options of `retry`. */
export interface RetryOptions {
  /** Whether a failure is worth another attempt (default: `isRetriable`, the error's own flag). */
  isRetriable?: (error: unknown) => boolean;
  /** Ends the retries: `retry` then rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Called before each wait with the failure, the attempt that failed (1-based) and the wait. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Most attempts in all (default: no limit). */
  maxAttempts?: number;
  /** Waits between attempts (default: 1 s doubling up to 30 s, no jitter). */
  backoff?: BackoffOptions;
  /** Source of the jitter (default `Math.random`). */
  random?: () => number;
}

/** Back-off of `retry` when none is given. */
export const RETRY_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000, jitter: 0 };

/**
 * Runs `fn` until it resolves, waiting `backoff` between attempts, but only while its failures are
 * retriable: any other failure is thrown at once, as is the last one after `maxAttempts`.
 *
 * @example Retry while the broker is down, saying so
 * ```ts
 * let calls = 0;
 * const value = await retry(() => {
 *   if (++calls < 3) throw Object.assign(new Error("broker down"), { retriable: true });
 *   return Promise.resolve("connected");
 * }, {
 *   backoff: { initialMs: 1, maxMs: 10 },
 *   onRetry: (error, attempt, ms) => console.log(`${error}; attempt ${attempt}, again in ${ms} ms`),
 * });
 * ```
 *
 * @throws the failure of `fn` when it is not retriable, or the last one after `maxAttempts`.
 * @throws the signal's reason once `signal` aborts (before an attempt or during a wait).
 */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const retriable = options.isRetriable ?? isRetriable;
  const maxAttempts = options.maxAttempts ?? Infinity;
  const random = options.random ?? Math.random;
  for (let attempt = 1;; attempt++) {
    options.signal?.throwIfAborted();
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= maxAttempts || !retriable(error)) throw error;
      const wait = backoff(options.backoff ?? RETRY_BACKOFF, attempt, random());
      options.onRetry?.(error, attempt, wait);
      if (!(await delay(wait, options.signal))) options.signal!.throwIfAborted();
    }
  }
}
