import assert from "node:assert/strict";
import { Histogram } from "../../../../actors/observe/metrics/histogram.ts";
import { p99SinceLastCall } from "../../../../actors/observe/metrics/recent_histogram.ts";

Deno.test("a status line's p99 covers what was recorded since the line before, not the whole run", () => {
  const latency = new Histogram();
  let now = 0;
  const p99 = p99SinceLastCall(latency, () => now);
  // A slow start (the first batches wait for the workers), then fast batches.
  for (let i = 0; i < 1000; i++) latency.record(557);
  assert.equal(p99(), "557");
  now += 5000;
  for (let i = 0; i < 1000; i++) latency.record(29);
  const fast = Number(p99());
  assert.ok(fast >= 29 && fast <= 31, `the slow start no longer shows: ${fast}`);
  assert.equal(Math.round(latency.quantile(0.99)), 557, "the run's own p99 still counts it");
  now += 5000;
  assert.equal(p99(), "-", "nothing scored since the line before");
  latency.record(200_000);
  assert.equal(p99(), "> 167,772");
});
