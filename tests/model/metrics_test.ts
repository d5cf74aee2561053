import assert from "node:assert/strict";
import {
  averagePrecision,
  chooseThreshold,
  evaluate,
  recallAtPrecision,
  rocAuc,
} from "../../model/metrics.ts";

const scores = Float32Array.from([0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]);
const labels = Uint8Array.from([1, 1, 0, 1, 0, 0, 1, 0]);

Deno.test("average precision and ROC-AUC of a small ranked set, by hand", () => {
  // Positives at ranks 1, 2, 4, 7: precisions 1, 1, 3/4, 4/7, each for a quarter of recall.
  assert.ok(Math.abs(averagePrecision(scores, labels) - (1 + 1 + 0.75 + 4 / 7) / 4) < 1e-12);
  // Pairs (positive above negative): 4+4+3+1 = 12 of 16.
  assert.ok(Math.abs(rocAuc(scores, labels) - 12 / 16) < 1e-12);
});

Deno.test("figures at a threshold", () => {
  const e = evaluate(scores, labels, 0.6);
  assert.deepEqual(e.confusion, {
    truePositives: 3,
    falsePositives: 1,
    trueNegatives: 3,
    falseNegatives: 1,
  });
  assert.equal(e.precision, 0.75);
  assert.equal(e.recall, 0.75);
  assert.equal(e.alerts_per_1000, 500);
  assert.equal(e.frauds, 4);
});

Deno.test("the threshold keeps precision at the target with the most recall", () => {
  assert.equal(chooseThreshold(scores, labels, 0.9), Math.fround(0.8), "ranks 1-2 are all fraud");
  assert.equal(chooseThreshold(scores, labels, 0.7), Math.fround(0.6), "3 of 4 reaches 0.75");
  assert.equal(recallAtPrecision(scores, labels, 0.7), 0.75);
  // Unreachable precision: the best F1 instead.
  assert.equal(
    chooseThreshold(Float32Array.from([0.9, 0.1]), Uint8Array.from([0, 1]), 0.9),
    Math.fround(0.1),
  );
});

Deno.test("ROC-AUC and average precision of a set that lacks a class are undefined (NaN), not 0", () => {
  const legit = new Uint8Array(4);
  const fraud = Uint8Array.from([1, 1, 1, 1]);
  const some = Float32Array.from([0.9, 0.2, 0.4, 0.1]);
  assert.ok(Number.isNaN(rocAuc(some, legit)));
  assert.ok(Number.isNaN(rocAuc(some, fraud)));
  assert.ok(Number.isNaN(averagePrecision(some, legit)));
  assert.equal(averagePrecision(some, fraud), 1, "every alert is a fraud");
  const e = evaluate(some, legit, 0.5);
  assert.ok(Number.isNaN(e.roc_auc) && Number.isNaN(e.average_precision));
  // Written as null in a report, which no reader takes for a figure.
  assert.equal(JSON.parse(JSON.stringify(e)).roc_auc, null);
});
