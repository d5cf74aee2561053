import assert from "node:assert/strict";
import { seededRandom } from "../../../actors/lib/random.ts";
import { binTrainingSet, DEFAULT_FOREST } from "../../../model/forest/train.ts";
import type { FeatureSpec } from "../../../model/features.ts";

const SPECS: FeatureSpec[] = [
  { name: "amount", kind: "numeric", description: "" },
  { name: "kind", kind: "categorical", cardinality: 6, description: "" },
  { name: "hour", kind: "numeric", description: "" },
];

/** Columns of `n` rows with labels, and every third row as the training rows. */
function rowsAndCopy(n: number) {
  const random = seededRandom(5);
  const features = [
    Float32Array.from({ length: n }, () => Math.round(random() * 50_000) / 100),
    Float32Array.from({ length: n }, () => Math.floor(random() * 6)),
    Float32Array.from({ length: n }, () => Math.floor(random() * 24)),
  ];
  const labels = Uint8Array.from({ length: n }, () => (random() < 0.05 ? 1 : 0));
  const rows = Uint32Array.from({ length: Math.floor(n / 3) }, (_, k) => 3 * k + 1);
  const copy = features.map((column) => Float32Array.from(rows, (i) => column[i]));
  const copyLabels = Uint8Array.from(rows, (i) => labels[i]);
  return { features, labels, rows, copy, copyLabels };
}

for (const n of [30_000, 900_000]) {
  Deno.test(`binning selected rows equals binning a copy of them (${n} rows)`, () => {
    const { features, labels, rows, copy, copyLabels } = rowsAndCopy(n);
    const params = { ...DEFAULT_FOREST, seed: 8 };
    const selected = binTrainingSet({ features, labels, rows, specs: SPECS, params });
    const copied = binTrainingSet({ features: copy, labels: copyLabels, specs: SPECS, params });
    assert.equal(selected.n, rows.length);
    assert.deepEqual(selected.bins, copied.bins);
    assert.deepEqual(selected.classWeights, copied.classWeights);
    assert.deepEqual(new Uint8Array(selected.label), new Uint8Array(copied.label));
    selected.columns.forEach((column, f) => {
      assert.deepEqual(new Uint8Array(column), new Uint8Array(copied.columns[f]), `feature ${f}`);
    });
  });
}
