import assert from "node:assert/strict";
import { seededRandom } from "../../../actors/lib/random.ts";
import { binValues, categoricalBins, numericBins } from "../../../model/forest/binning.ts";
import {
  binForest,
  binRows,
  flattenForest,
  scoreBinned,
  scoreForest,
} from "../../../model/forest/flat.ts";
import { trainForest } from "../../../model/forest/train.ts";
import { inlineTreeGrower } from "../../../model/forest/grow.ts";
import { workerTreeGrower } from "../../../actors/pipeline/workers/tree_grower.ts";
import {
  type BinnedData,
  growTree,
  type TreeParams,
  walkTree,
} from "../../../model/forest/tree.ts";
import type { FeatureSpec } from "../../../model/features.ts";

/** Synthetic data: fraud when x0 > 80 and x1 < 30, or when the category (x2) is 5 and x3 > 70. */
function synthetic(n: number, seed: number) {
  const random = seededRandom(seed);
  const columns = Array.from(
    { length: 6 },
    (_, f) =>
      Float32Array.from(
        { length: n },
        () => (f === 2 ? Math.floor(random() * 8) : Math.round(random() * 1000) / 10),
      ),
  );
  const labels = Uint8Array.from(
    { length: n },
    (_, i) =>
      (columns[0][i] > 80 && columns[1][i] < 30) || (columns[2][i] === 5 && columns[3][i] > 70)
        ? 1
        : 0,
  );
  const specs: FeatureSpec[] = columns.map((_, f) => ({
    name: `x${f}`,
    kind: f === 2 ? "categorical" : "numeric",
    cardinality: f === 2 ? 8 : undefined,
    description: "",
  }));
  return { columns, labels, specs };
}

const PARAMS: TreeParams = {
  maxDepth: 6,
  minInstancesPerNode: 1,
  featuresPerNode: 6,
  classWeights: [1, 1],
  bootstrap: false,
  minInfoGain: 0,
};

function binned(columns: Float32Array[], labels: Uint8Array, specs: FeatureSpec[]): BinnedData {
  const random = seededRandom(1);
  const bins = specs.map((s, f) =>
    s.kind === "categorical" ? categoricalBins(s.cardinality!) : numericBins(columns[f], 32, random)
  );
  return {
    n: labels.length,
    columns: columns.map((c, f) => binValues(c, bins[f])),
    label: labels,
    bins,
  };
}

Deno.test("a tree recovers a known rule with a numeric and a categorical part", () => {
  const { columns, labels, specs } = synthetic(20_000, 3);
  const tree = growTree(binned(columns, labels, specs), PARAMS, 11);
  const test = synthetic(5000, 4);
  let errors = 0;
  for (let i = 0; i < 5000; i++) {
    const x = test.columns.map((c) => c[i]);
    if ((walkTree(tree, x) >= 0.5 ? 1 : 0) !== test.labels[i]) errors++;
  }
  assert.ok(errors / 5000 < 0.02, `${errors} errors in 5000`);
  const categorical = [...tree.feature].some((f, node) =>
    f === 2 && Number.isNaN(tree.threshold[node])
  );
  assert.ok(categorical, "the category is split as a category");
});

Deno.test("the flat and the binned scorers equal a plain tree walk exactly", () => {
  const { columns, labels, specs } = synthetic(8000, 5);
  const data = binned(columns, labels, specs);
  const trees = Array.from(
    { length: 12 },
    (_, t) =>
      growTree(
        data,
        { ...PARAMS, maxDepth: 2 + (t % 5), featuresPerNode: 3, bootstrap: true },
        100 + t,
      ),
  );
  const flat = flattenForest(trees, 6);
  const binnedForest = binForest(flat, data.bins);
  const random = seededRandom(9);
  const rows = 3001;
  const x = new Float32Array(rows * 6);
  for (let i = 0; i < x.length; i++) {
    // Values on both sides of and exactly at bin edges, and categories.
    const f = i % 6;
    x[i] = f === 2
      ? Math.floor(random() * 8)
      : random() < 0.2
      ? data.bins[f].edges[Math.floor(random() * data.bins[f].edges.length)]
      : random() * 110 - 5;
  }
  const flatScores = scoreForest(flat, x, rows);
  const binnedScores = scoreBinned(binnedForest, binRows(binnedForest, x, rows), rows);
  for (let i = 0; i < rows; i++) {
    const features = x.subarray(i * 6, i * 6 + 6);
    const walked = Math.fround(
      trees.reduce((sum, tree) => sum + walkTree(tree, features), 0) / trees.length,
    );
    assert.equal(flatScores[i], walked, `flat, row ${i}`);
    assert.equal(binnedScores[i], walked, `binned, row ${i}`);
  }
});

Deno.test("a forest is the same for a seed whatever the number of workers", async () => {
  const { columns, labels, specs } = synthetic(6000, 7);
  const params = {
    numTrees: 6,
    maxDepth: 5,
    maxBins: 32,
    minInstancesPerNode: 1,
    featureSubsetStrategy: "sqrt" as const,
    classWeights: "balanced" as const,
    bootstrap: true,
    minInfoGain: 0,
    seed: 99,
  };
  const one = await trainForest({
    features: columns,
    labels,
    specs,
    params,
    workers: 1,
    grower: workerTreeGrower(),
  });
  const two = await trainForest({
    features: columns,
    labels,
    specs,
    params,
    workers: 2,
    grower: workerTreeGrower(),
  });
  assert.deepEqual(one.trees, two.trees);
  const inline = await trainForest({
    features: columns,
    labels,
    specs,
    params,
    workers: 2,
    grower: inlineTreeGrower,
  });
  assert.deepEqual(inline.trees, one.trees, "grown inline, the forest is the same");
  const other = await trainForest({
    features: columns,
    labels,
    specs,
    params: { ...params, seed: 100 },
    workers: 2,
    grower: workerTreeGrower(),
  });
  assert.notDeepEqual(other.trees, one.trees);
  assert.ok(Math.abs(one.importance.reduce((a, b) => a + b, 0) - 1) < 1e-9);
  assert.ok(one.importance[0] > one.importance[4], "the rule's features matter more than noise");
});
