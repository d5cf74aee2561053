import assert from "node:assert/strict";
import {
  Histogram,
  HISTOGRAM_TOP_MS,
  latencyText,
  latencyValue,
} from "../../../../actors/observe/metrics/histogram.ts";

Deno.test("quantiles are within a few percent of the exact ones", () => {
  const histogram = new Histogram();
  const values = Array.from({ length: 10_000 }, (_, i) => 0.5 + (i % 1000) * 0.37);
  for (const value of values) histogram.record(value);
  const sorted = [...values].sort((a, b) => a - b);
  for (const q of [0.5, 0.9, 0.99]) {
    const exact = sorted[Math.ceil(q * sorted.length) - 1];
    const estimate = histogram.quantile(q);
    assert.ok(Math.abs(estimate - exact) / exact < 0.05, `q${q}: ${estimate} vs ${exact}`);
  }
  assert.equal(histogram.count, 10_000);
  assert.equal(histogram.quantile(1), histogram.max);
});

Deno.test("empty histograms and merges", () => {
  const a = new Histogram();
  assert.equal(a.quantile(0.99), 0);
  const b = new Histogram();
  b.record(10);
  b.record(20);
  a.record(1);
  a.merge(b);
  assert.equal(a.count, 3);
  assert.equal(a.max, 20);
  assert.deepEqual(a.cumulative([5, 100]), [1, 3]);
});

Deno.test("latencies past the top of the range read '> 167,772' ms, not the top bucket's bound", () => {
  const histogram = new Histogram();
  for (let i = 0; i < 90; i++) histogram.record(20);
  for (let i = 0; i < 10; i++) histogram.record(200_000 + i * 50_000); // 200 s .. 650 s
  assert.ok(HISTOGRAM_TOP_MS > 167_772 && HISTOGRAM_TOP_MS < 167_773);
  const p99 = histogram.quantile(0.99);
  assert.ok(p99 > HISTOGRAM_TOP_MS, `p99 ${p99} lies beyond the range`);
  assert.equal(latencyText(p99), "> 167,772");
  assert.equal(latencyValue(p99), "> 167772");
  // What lies within the range keeps its figure.
  const p50 = histogram.quantile(0.5);
  assert.ok(Math.abs(p50 - 20) < 1, `p50 ${p50}`);
  assert.equal(latencyText(p50), String(Math.round(p50)));
  assert.equal(latencyValue(p50), Math.round(p50 * 10) / 10);
  assert.equal(latencyText(1234.56, 1), "1,234.6");
  assert.equal(latencyValue(HISTOGRAM_TOP_MS), 167772.2, "the top itself is measured");
  // Over a window, too.
  const before = new Histogram();
  before.record(5);
  const since = histogram.since(before);
  assert.equal(latencyValue(since.quantile(0.99)), "> 167772");
  assert.equal(latencyValue(since.max), "> 167772");
  // No finite Prometheus bucket counts them, however high.
  assert.deepEqual(histogram.cumulative([10_000, 1e12]), [90, 90]);
});
