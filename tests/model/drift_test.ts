import assert from "node:assert/strict";
import { BinSearch, psi, PSI_EPSILON, shares } from "../../model/drift.ts";
import { DRIFT_SEGMENTS, DriftWindow, MIN_JUDGED_ROWS } from "../../model/drift_window.ts";
import { binValues } from "../../model/forest/binning.ts";
import type { ReferenceDistribution } from "../../model/reference.ts";

const close = (actual: number, expected: number, digits = 6) =>
  assert.ok(Math.abs(actual - expected) < 10 ** -digits, `${actual} is not ${expected}`);

Deno.test("psi: hand-checked values, an empty bin counted as the epsilon", () => {
  // (0.6 - 0.5) ln(0.6 / 0.5) + (0.4 - 0.5) ln(0.4 / 0.5)
  close(psi([0.5, 0.5], [60, 40]), 0.1 * Math.log(1.2) - 0.1 * Math.log(0.8));
  close(psi([0.5, 0.5], [60, 40]), 0.040546, 6);
  // An empty reference bin: (0.1 - 1e-4) ln(0.1 / 1e-4), plus the second bin's 0.022314.
  close(psi([0.5, 0.5, 0], [50, 40, 10]), 0.022314 + (0.1 - PSI_EPSILON) * Math.log(1000), 6);
  close(psi([0.5, 0.5, 0], [50, 40, 10]), 0.712399, 6);
  // Counts or shares alike; identical distributions: 0.
  close(psi([0.2, 0.3, 0.5], [2, 3, 5]), 0);
  close(psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]), 0);
  assert.ok(Number.isNaN(psi([0.5, 0.5], [0, 0])));
  assert.throws(() => psi([0.5, 0.5], [1, 2, 3]), RangeError);
  assert.deepEqual(shares([1, 3]), [0.25, 0.75]);
  assert.deepEqual(shares([0, 0]), [0, 0]);
});

Deno.test("BinSearch gives the bins the forest's training gives, NaN and the ends included", () => {
  const edges = Float32Array.from([-1, 0, 0.5, 2, 10, 100]);
  const values = Float32Array.from([-5, -1, -0.99, 0, 0.25, 0.5, 1, 2, 3, 10, 99, 100, 1e9, NaN]);
  const expected = binValues(values, { kind: "numeric", edges, count: edges.length + 1 });
  const search = new BinSearch(edges);
  assert.equal(search.count, 7);
  assert.deepEqual(Array.from(values, (v) => search.bin(v)), Array.from(expected));
  assert.throws(() => new BinSearch(new Float32Array(32)), RangeError);
});

/** A reference of one numeric feature (bins <= 0.5 and the rest, half each) and a categorical. */
const REFERENCE: ReferenceDistribution = {
  format: "fraudstream-reference",
  format_version: 1,
  model_version: "t",
  created_at: "",
  source: "test",
  rows: 100,
  features: [
    { name: "x", kind: "numeric", edges: [0.5], shares: [0.5, 0.5] },
    { name: "c", kind: "categorical", edges: [], shares: [0.25, 0.75] },
  ],
  score: { edges: [0.5], shares: [0.9, 0.1], rows: 100, source: "test" },
};

const HOUR = 3600;

/** `rows` rows at `time`, feature x = `x(i)`, category `c(i)`, score `score(i)`. */
function batch(
  rows: number,
  time: (i: number) => number,
  values: { x: (i: number) => number; c: (i: number) => number; score: (i: number) => number },
) {
  const features = new Float32Array(rows * 2);
  const scores = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    features[2 * i] = values.x(i);
    features[2 * i + 1] = values.c(i);
    scores[i] = values.score(i);
  }
  return { rows, features, scores, time };
}

Deno.test("DriftWindow: judged once warmed up and covered; PSI of what it holds; the old slides out", () => {
  const window = new DriftWindow({
    reference: REFERENCE,
    windowSeconds: 24 * HOUR,
    warmupSeconds: 2 * HOUR,
    sample: 1,
  });
  assert.deepEqual(window.subjects, ["x", "c", "score"]);
  // Two hours of warm-up: nothing binned.
  window.add(batch(1000, (i) => i * 7, { x: () => 0, c: () => 0, score: () => 0 }));
  assert.equal(window.rows, 0);
  // The time to go counts from the newest row seen, binned or not (26 h - 6,993 s).
  assert.deepEqual(window.state(), {
    judging: false,
    note: "24.1 h of event time to go before the window is covered",
  });
  // A day of rows unlike the reference: every x <= 0.5, category 0, score over 0.5.
  const skewed = { x: () => 0, c: () => 0, score: () => 0.9 };
  window.add(batch(2400, (i) => 2 * HOUR + i * 34, skewed));
  assert.equal(window.rows, 2400);
  assert.equal(window.state().judging, false, "a whole window after the warm-up is not covered");
  window.add(batch(10, (i) => 26 * HOUR + i, skewed));
  assert.deepEqual(window.state(), { judging: true });
  const [x, c, score] = window.psi();
  // x: all in bin 0 of [0.5, 0.5]: (1 - 0.5) ln 2 + (1e-4 - 0.5) ln(1e-4 / 0.5).
  close(x, 0.5 * Math.log(2) + (1e-4 - 0.5) * Math.log(1e-4 / 0.5));
  close(c, (1 - 0.25) * Math.log(4) + (1e-4 - 0.75) * Math.log(1e-4 / 0.75));
  close(score, (1e-4 - 0.9) * Math.log(1e-4 / 0.9) + (1 - 0.1) * Math.log(10));
  // A day later, rows like the reference only: the skewed day has left the window.
  const like = {
    x: (i: number) => i % 2,
    c: (i: number) => (i % 4 === 0 ? 0 : 1),
    score: (i: number) => (i % 10 === 0 ? 0.9 : 0.1),
  };
  window.add(batch(2400, (i) => 27 * HOUR + i * 36, like));
  assert.ok(window.rows <= 2400 + 2400 / DRIFT_SEGMENTS, `${window.rows} rows`);
  window.add(batch(1000, (i) => 51 * HOUR + i * 3, like));
  for (const value of window.psi()) close(value, 0, 3);
});

Deno.test("DriftWindow: a sample of 1/4 bins every 4th row across batches; few rows are not judged", () => {
  const window = new DriftWindow({
    reference: REFERENCE,
    windowSeconds: 24 * HOUR,
    warmupSeconds: 0,
    sample: 0.25,
  });
  const values = { x: () => 1, c: () => 1, score: () => 0.1 };
  for (const rows of [3, 5, 7, 1, 9]) window.add(batch(rows, () => 10, values));
  assert.equal(window.rows, Math.ceil(25 / 4));
  // Covered (a day later), but with fewer rows than needed.
  window.add(batch(8, () => 25 * HOUR, values));
  const state = window.state();
  assert.equal(state.judging, false);
  assert.match(state.judging ? "" : state.note, new RegExp(`of the ${MIN_JUDGED_ROWS}`));
  // A row older than the window is not counted.
  const before = window.rows;
  window.add(batch(4, () => 0, values));
  assert.equal(window.rows, before);
});
