/**
 * Waiting for a promise a bounded time: the bench never waits forever on actors or a cluster that
 * stopped answering.
 *
 * @module
 */

import { deadline } from "../../lib/async.ts";

/** A promise's outcome, or that it had not settled in time. */
export type Within<T> =
  | { settled: true; outcome: PromiseSettledResult<T> }
  | { settled: false };

/** Waits for `promise` up to `ms`; the promise is left running when it takes longer. */
export function within<T>(promise: Promise<T>, ms: number): Promise<Within<T>> {
  const outcome = promise.then(
    (value): PromiseSettledResult<T> => ({ status: "fulfilled", value }),
    (reason): PromiseSettledResult<T> => ({ status: "rejected", reason }),
  );
  return deadline(outcome, ms, "a bench step").then(
    (outcome): Within<T> => ({ settled: true, outcome }),
    (): Within<T> => ({ settled: false }),
  );
}
