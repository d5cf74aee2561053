import assert from "node:assert/strict";
import {
  allSettledOrThrow,
  backoff,
  deadline,
  delay,
  isRetriable,
  openWithin,
  poll,
  retry,
  StepTimeoutError,
  UnderWay,
} from "../../../actors/lib/async.ts";

/** Runs `body` counting the timers it leaves pending. */
async function pendingTimersAfter(body: () => Promise<void>): Promise<number> {
  type Timer = ReturnType<typeof setTimeout>;
  const pending = new Set<Timer>();
  const { setTimeout: set, clearTimeout: clear } = globalThis;
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    const id = set(() => {
      pending.delete(id);
      fn();
    }, ms);
    pending.add(id);
    return id;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((id: Timer) => {
    pending.delete(id);
    clear(id);
  }) as typeof clearTimeout;
  try {
    await body();
  } finally {
    globalThis.setTimeout = set;
    globalThis.clearTimeout = clear;
  }
  for (const id of pending) clear(id);
  return pending.size;
}

Deno.test("deadline settles like the step when it finishes in time, and leaves no timer", async () => {
  const left = await pendingTimersAfter(async () => {
    assert.equal(await deadline(Promise.resolve(7), 60_000, "a step"), 7);
    await assert.rejects(
      deadline(Promise.reject(new Error("failed on its own")), 60_000, "a step"),
      /failed on its own/,
    );
  });
  assert.equal(left, 0, "the deadline timers are cleared");
});

Deno.test("deadline rejects with StepTimeoutError naming the step when it hangs", async () => {
  const started = performance.now();
  const error = await deadline(new Promise(() => {}), 50, "partition 3: start").then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(error instanceof StepTimeoutError);
  assert.equal(error.message, "partition 3: start did not finish within 0.05 s");
  assert.ok(performance.now() - started >= 45, "not before its deadline");
});

Deno.test("openWithin returns what opens in time; what opens after its deadline is closed", async () => {
  const closed: string[] = [];
  const close = (opened: string) => closed.push(opened);
  assert.equal(await openWithin(Promise.resolve("in time"), 60_000, "opening", close), "in time");
  let open!: (value: string) => void;
  const late = new Promise<string>((resolve) => (open = resolve));
  const error = await openWithin(late, 20, "opening the writer", close).then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(error instanceof StepTimeoutError);
  assert.equal(error.message, "opening the writer did not finish within 0.02 s");
  assert.deepEqual(closed, [], "nothing closed while nothing opened late");
  open("late");
  await late;
  await Promise.resolve();
  assert.deepEqual(closed, ["late"], "the late one is closed, the one in time is not");
});

Deno.test("poll: true once ready holds, false on timeout, abort or failure", async () => {
  let looks = 0;
  assert.equal(await poll(() => ++looks >= 3, { timeoutMs: 5000, pollMs: 1 }), true);
  assert.equal(looks, 3);
  assert.equal(await poll(() => false, { timeoutMs: 30, pollMs: 5 }), false);
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 10);
  assert.equal(await poll(() => false, { timeoutMs: 5000, signal: abort.signal }), false);
  const failed = new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(await poll(() => false, { timeoutMs: 5000, failed }), false);
});

Deno.test("poll waits for an asynchronous condition too", async () => {
  let looks = 0;
  assert.equal(
    await poll(() => Promise.resolve(++looks >= 2), { timeoutMs: 5000, pollMs: 1 }),
    true,
  );
  assert.equal(looks, 2);
});

Deno.test("delay: true once the time passed, false at once when the signal aborts", async () => {
  assert.equal(await delay(1), true);
  const abort = new AbortController();
  const started = performance.now();
  setTimeout(() => abort.abort(), 10);
  assert.equal(await delay(60_000, abort.signal), false);
  assert.ok(performance.now() - started < 5000, "ended by the abort, not the time");
  assert.equal(
    await delay(60_000, abort.signal),
    false,
    "an aborted signal ends it before it starts",
  );
});

Deno.test("backoff grows by its factor up to the cap, spread by the jitter", () => {
  const noJitter = { initialMs: 100, maxMs: 1000, jitter: 0 };
  assert.deepEqual([1, 2, 3, 4, 5].map((attempt) => backoff(noJitter, attempt)), [
    100,
    200,
    400,
    800,
    1000,
  ]);
  assert.equal(backoff({ initialMs: 100, maxMs: 10_000, factor: 3, jitter: 0 }, 3), 900);
  assert.equal(backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5 }, 1, 0), 50);
  assert.equal(backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5 }, 1, 1), 150);
  assert.equal(backoff({ initialMs: 100, maxMs: 1000 }, 1, 0), 80, "jitter 0.2 by default");
});

/** An error that says whether it may pass on another attempt, as kafkajs errors do. */
class FlaggedError extends Error {
  constructor(message: string, readonly retriable: boolean) {
    super(message);
  }
}

const FAST = { initialMs: 1, maxMs: 4, jitter: 0 };

Deno.test("retry tries again only what is retriable, waiting the back-off between attempts", async () => {
  const waits: [number, number][] = [];
  let calls = 0;
  const value = await retry((attempt) => {
    calls++;
    if (attempt < 4) throw new FlaggedError(`down ${attempt}`, true);
    return Promise.resolve("up");
  }, { backoff: FAST, onRetry: (_error, attempt, ms) => waits.push([attempt, ms]) });
  assert.equal(value, "up");
  assert.equal(calls, 4);
  assert.deepEqual(waits, [[1, 1], [2, 2], [3, 4]]);

  calls = 0;
  await assert.rejects(
    retry(() => {
      calls++;
      throw new FlaggedError("wrong password", false);
    }, { backoff: FAST }),
    /wrong password/,
  );
  assert.equal(calls, 1, "a failure that is not retriable is thrown at once");

  calls = 0;
  await assert.rejects(
    retry(() => {
      calls++;
      throw new Error("no flag");
    }, { backoff: FAST }),
    /no flag/,
  );
  assert.equal(calls, 1, "an error without the flag is not retriable by default");
});

Deno.test("retry gives up after maxAttempts, or as told by isRetriable", async () => {
  let calls = 0;
  await assert.rejects(
    retry(() => {
      calls++;
      throw new FlaggedError(`down ${calls}`, true);
    }, { backoff: FAST, maxAttempts: 3 }),
    /down 3/,
  );
  assert.equal(calls, 3);
  calls = 0;
  const value = await retry(() => {
    if (++calls < 2) throw new Error("timed out");
    return Promise.resolve(calls);
  }, { backoff: FAST, isRetriable: (error) => /timed out/.test(String(error)) });
  assert.equal(value, 2);
});

Deno.test("retry ends with the signal's reason when it aborts during a wait", async () => {
  const abort = new AbortController();
  let calls = 0;
  const started = performance.now();
  const retrying = retry(() => {
    calls++;
    throw new FlaggedError("down", true);
  }, { signal: abort.signal, backoff: { initialMs: 60_000, maxMs: 60_000, jitter: 0 } });
  setTimeout(() => abort.abort(new Error("stopped by the user")), 10);
  await assert.rejects(retrying, /stopped by the user/);
  assert.equal(calls, 1);
  assert.ok(performance.now() - started < 5000, "the wait ended with the abort");
  await assert.rejects(
    retry(() => Promise.resolve(1), { signal: abort.signal }),
    /stopped by the user/,
    "an aborted signal ends it before the first attempt",
  );
});

Deno.test("isRetriable reads the error's own retriable flag", () => {
  assert.equal(isRetriable(new FlaggedError("x", true)), true);
  assert.equal(isRetriable(new FlaggedError("x", false)), false);
  assert.equal(isRetriable(new Error("x")), false);
  assert.equal(isRetriable({ retriable: "yes" }), false);
  assert.equal(isRetriable(undefined), false);
});

Deno.test("allSettledOrThrow rejects with the first failure, only once every step has settled", async () => {
  let slowDone = false;
  const slow = delay(30).then(() => {
    slowDone = true;
  });
  const first = new Error("first");
  await assert.rejects(
    allSettledOrThrow([
      Promise.resolve(),
      Promise.reject(first),
      slow,
      Promise.reject(new Error("second")),
    ]),
    (error) => error === first,
  );
  assert.equal(slowDone, true, "the slow step had finished");
  await allSettledOrThrow([Promise.resolve(1), delay(1)]);
});

Deno.test("poll: the last look is at the timeout, not a pollMs after it", async () => {
  const readyAt = performance.now() + 60;
  const started = performance.now();
  assert.equal(
    await poll(() => performance.now() >= readyAt, { timeoutMs: 10, pollMs: 100 }),
    false,
  );
  assert.ok(performance.now() - started < 60, "gave up at its timeout");
});

Deno.test("UnderWay waits for every operation it follows, failed or not, and only those", async () => {
  const underWay = new UnderWay();
  const order: string[] = [];
  let failSend!: (error: Error) => void;
  const failed = underWay.track(new Promise<void>((_, reject) => (failSend = reject)));
  failed.catch(() => order.push("send failed"));
  const sent = underWay.track(delay(20).then(() => order.push("sent")));
  const settled = underWay.settled().then(() => order.push("settled"));
  // Followed after `settled` was asked for: not waited for.
  let endLater!: () => void;
  underWay.track(new Promise<void>((resolve) => (endLater = resolve)));
  setTimeout(() => failSend(new Error("broker gone")), 5);
  const timeout = new AbortController();
  const inTime = await Promise.race([
    settled.then(() => true),
    delay(2000, timeout.signal).then(() => false),
  ]);
  timeout.abort();
  assert.ok(inTime, "settled() waited for an operation followed after it was asked for");
  assert.deepEqual(order, ["send failed", "sent", "settled"]);
  await sent;
  await assert.rejects(failed, /broker gone/);
  endLater();
  await underWay.settled();
});
