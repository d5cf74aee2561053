import assert from "node:assert/strict";
import { allocateColumns } from "../../../../model/columns.ts";
import type { CommittedBatch } from "../../../../actors/pipeline/events.ts";
import {
  ShadowComparison,
  shadowSummary,
} from "../../../../actors/pipeline/consumer/shadow_comparison.ts";
import { prometheusText } from "../../../../actors/observe/dashboard/prometheus.ts";
import { parsePrometheus } from "../../../fixtures/prometheus.ts";
import { idleRoleStatus } from "../../../fixtures/role_status.ts";

/** A committed batch of the given scores and labels, the shadow model's scores beside them. */
function batch(
  rows: readonly { main: number; shadow: number; fraud: 0 | 1 }[],
  versions: { main: string; shadow: string } = { main: "v1", shadow: "v2" },
): CommittedBatch {
  const columns = allocateColumns(rows.length);
  rows.forEach((row, i) => (columns.isFraud[i] = row.fraud));
  const scores = Float32Array.from(rows, (row) => row.main);
  return {
    partition: 0,
    rows: rows.length,
    columns,
    scores,
    threshold: 0.5,
    modelVersion: versions.main,
    alerts: scores.filter((score) => score >= 0.5).length,
    shadow: {
      scores: Float32Array.from(rows, (row) => row.shadow),
      threshold: 0.3,
      modelVersion: versions.shadow,
    },
    deadLetters: 0,
    ids: () => rows.map((_, i) => String(i)),
    offsets: { from: 0, to: rows.length },
  };
}

// Alerting model: threshold 0.5; shadow model: threshold 0.3.
//   main  shadow  fraud   main alerts  shadow alerts  agree
//   0.9   0.9     1       yes (TP)     yes (TP)       yes
//   0.6   0.2     0       yes (FP)     no             no
//   0.1   0.4     1       no  (FN)     yes (TP)       no
//   0.2   0.1     0       no           no             yes
//   0.5   0.3     0       yes (FP)     yes (FP)       yes   (at the threshold: an alert)
//   0.4   0.35    1       no  (FN)     yes (TP)       no
const ROWS = [
  { main: 0.9, shadow: 0.9, fraud: 1 },
  { main: 0.6, shadow: 0.2, fraud: 0 },
  { main: 0.1, shadow: 0.4, fraud: 1 },
  { main: 0.2, shadow: 0.1, fraud: 0 },
  { main: 0.5, shadow: 0.3, fraud: 0 },
  { main: 0.4, shadow: 0.35, fraud: 1 },
] as const;

Deno.test("the comparison counts alerts, agreement, precision and recall of both models", () => {
  const comparison = new ShadowComparison();
  assert.equal(comparison.figures(), undefined);
  comparison.add(batch(ROWS.slice(0, 4)));
  comparison.add(batch(ROWS.slice(4)));
  const { current, recent, pairs } = comparison.figures()!;
  assert.equal(current.rows, 6);
  assert.equal(current.frauds, 3);
  assert.equal(current.agreed, 3);
  assert.equal(current.agreement, 0.5);
  assert.deepEqual(current.main, {
    version: "v1",
    threshold: 0.5,
    alerts: 3,
    truePositives: 1,
    falsePositives: 2,
    falseNegatives: 2,
    alertRate: 0.5,
    precision: 1 / 3,
    recall: 1 / 3,
  });
  assert.deepEqual(current.shadow, {
    version: "v2",
    threshold: 0.3,
    alerts: 4,
    truePositives: 3,
    falsePositives: 1,
    falseNegatives: 0,
    alertRate: 4 / 6,
    precision: 0.75,
    recall: 1,
  });
  assert.deepEqual(recent, current, "both batches are in the recent window");
  assert.deepEqual(pairs, [current]);
  assert.equal(
    shadowSummary(current),
    "shadow comparison over 6 transactions (3 labelled fraud): alerting v1: 3 alerts (50.0%), " +
      "precision 33.3%, recall 33.3%; shadow v2: 4 alerts (66.7%), precision 75.0%, recall " +
      "100.0%; agreement 50.0%",
  );
});

Deno.test("a new pair of versions starts its own counts; the recent window forgets", () => {
  let now = 1_000_000;
  const comparison = new ShadowComparison({ windowMs: 10_000, now: () => now });
  comparison.add(batch(ROWS));
  now += 5000;
  // A batch without shadow scores (none configured) is not counted.
  comparison.add({ ...batch(ROWS), shadow: undefined });
  comparison.add(batch(ROWS.slice(0, 2), { main: "v3", shadow: "v2" }));
  let figures = comparison.figures()!;
  assert.equal(figures.current.main.version, "v3");
  assert.equal(figures.current.rows, 2);
  assert.equal(figures.current.main.alerts, 2);
  assert.equal(figures.current.main.precision, 0.5);
  assert.equal(figures.current.frauds, 1);
  assert.deepEqual(figures.pairs.map((pair) => [pair.main.version, pair.rows]), [
    ["v1", 6],
    ["v3", 2],
  ]);
  now += 20_000;
  figures = comparison.figures()!;
  assert.equal(figures.recent.rows, 0);
  assert.equal(figures.recent.agreement, null);
  assert.equal(figures.recent.main.precision, null);
  assert.equal(figures.current.rows, 2, "the totals stay");
});

Deno.test("/metrics exports the comparison per pair of versions and model", () => {
  const comparison = new ShadowComparison();
  comparison.add(batch(ROWS));
  const text = prometheusText(
    idleRoleStatus({ transport: "embedded", now: 0, shadow: comparison.figures() }),
  );
  const families = parsePrometheus(text);
  const value = (name: string, labels: Record<string, string>) =>
    families.get(name)?.samples.find((s) =>
      Object.entries(labels).every(([k, v]) => s.labels[k] === v)
    )?.value;
  const pair = { main_version: "v1", shadow_version: "v2" };
  assert.equal(value("fraudstream_shadow_rows_total", pair), 6);
  assert.equal(value("fraudstream_shadow_agreement_ratio", pair), 0.5);
  assert.equal(value("fraudstream_shadow_alerts_total", { ...pair, model: "main" }), 3);
  assert.equal(value("fraudstream_shadow_alerts_total", { ...pair, model: "shadow" }), 4);
  assert.equal(value("fraudstream_shadow_precision", { ...pair, model: "shadow" }), 0.75);
  assert.equal(value("fraudstream_shadow_recall", { ...pair, model: "shadow" }), 1);
  assert.equal(value("fraudstream_shadow_false_negatives_total", { ...pair, model: "main" }), 2);
});
