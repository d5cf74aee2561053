import assert from "node:assert/strict";
import { Histogram } from "../../../actors/metrics/histogram.ts";

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
