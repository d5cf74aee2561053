import assert from "node:assert/strict";
import { pollUntil, StepTimeoutError, withDeadline } from "../../../actors/runtime/mod.ts";

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

Deno.test("withDeadline settles like the step when it finishes in time, and leaves no timer", async () => {
  const left = await pendingTimersAfter(async () => {
    assert.equal(await withDeadline(Promise.resolve(7), 60_000, "a step"), 7);
    await assert.rejects(
      withDeadline(Promise.reject(new Error("failed on its own")), 60_000, "a step"),
      /failed on its own/,
    );
  });
  assert.equal(left, 0, "the deadline timers are cleared");
});

Deno.test("withDeadline rejects with StepTimeoutError naming the step when it hangs", async () => {
  const started = performance.now();
  const error = await withDeadline(new Promise(() => {}), 50, "partition 3: start").then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.ok(error instanceof StepTimeoutError);
  assert.equal(error.message, "partition 3: start did not finish within 0.05 s");
  assert.ok(performance.now() - started >= 45, "not before its deadline");
});

Deno.test("pollUntil: true once ready holds, false on timeout, abort or failure", async () => {
  let looks = 0;
  assert.equal(await pollUntil(() => ++looks >= 3, { timeoutMs: 5000, pollMs: 1 }), true);
  assert.equal(looks, 3);
  assert.equal(await pollUntil(() => false, { timeoutMs: 30, pollMs: 5 }), false);
  const abort = new AbortController();
  setTimeout(() => abort.abort(), 10);
  assert.equal(await pollUntil(() => false, { timeoutMs: 5000, signal: abort.signal }), false);
  const failed = new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(await pollUntil(() => false, { timeoutMs: 5000, failed }), false);
});
