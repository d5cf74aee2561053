/**
 * Waiting for a promise a bounded time: the bench never waits forever on actors or a cluster that
 * stopped answering.
 *
 * @module
 */

/** A promise's outcome, or that it had not settled in time. */
export type Within<T> =
  | { settled: true; outcome: PromiseSettledResult<T> }
  | { settled: false };

/** Waits for `promise` up to `ms`; the promise is left running when it takes longer. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<Within<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<Within<T>>((resolve) => {
    timer = setTimeout(() => resolve({ settled: false }), ms);
  });
  const settled = promise.then(
    (value): Within<T> => ({ settled: true, outcome: { status: "fulfilled", value } }),
    (reason): Within<T> => ({ settled: true, outcome: { status: "rejected", reason } }),
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** True once `promise` settles (either way), false if `ms` pass first. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return (await within(promise, ms)).settled;
}
