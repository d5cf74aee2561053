import assert from "node:assert/strict";
import { join } from "node:path";
import { seededRandom } from "../../actors/lib/random.ts";
import { DEFAULT_ENCODER, FEATURE_COUNT, FEATURES } from "../../model/features.ts";
import { type FlatForest, flattenForest, scoreForest } from "../../model/forest/flat.ts";
import { inlineTreeGrower } from "../../model/forest/grow.ts";
import { childrenMeanNodeValues } from "../../model/forest/node_values.ts";
import { type TrainedForest, trainForest } from "../../model/forest/train.ts";
import type { Tree } from "../../model/forest/tree.ts";
import { loadModel, ModelFormatError, saveModel } from "../../model/model_file.ts";
import { ReasonExplainer } from "../../model/reason_codes.ts";
import { toRowMajor } from "../../model/train.ts";
import { generatedData } from "../fixtures/generated_data.ts";

const PRETRAINED = new URL("../../resources/models/pretrained", import.meta.url).pathname;
const NAMES = FEATURES.map((f) => f.name);
const at = (name: string) => NAMES.indexOf(name);

/**
 * Rows of the fraudstream features, drawn at random in their ranges, row-major; fraud when the
 * amount is far above the card's mean at night, or far from home in one category.
 */
function syntheticRows(n: number, seed: number) {
  const random = seededRandom(seed);
  const rows = new Float32Array(n * FEATURE_COUNT);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const row = rows.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT);
    FEATURES.forEach((spec, f) => {
      row[f] = spec.kind === "categorical"
        ? Math.floor(random() * spec.cardinality!)
        : Math.round(random() * 1000) / 10;
    });
    row[at("hour")] = Math.floor(random() * 24);
    row[at("amount_to_mean")] = Math.round(random() * 200) / 10;
    const night = row[at("hour")] < 4;
    labels[i] = (row[at("amount_to_mean")] > 8 && night) ||
        (row[at("distance_home_km")] > 70 && row[at("category")] === 5)
      ? 1
      : 0;
  }
  return { rows, labels };
}

async function trained(n: number, numTrees = 12): Promise<TrainedForest> {
  const { rows, labels } = syntheticRows(n, 5);
  const columns = FEATURES.map((_, f) =>
    Float32Array.from({ length: n }, (_, i) => rows[i * FEATURE_COUNT + f])
  );
  return await trainForest({
    features: columns,
    labels,
    specs: FEATURES,
    params: {
      numTrees,
      maxDepth: 6,
      maxBins: 32,
      minInstancesPerNode: 5,
      featureSubsetStrategy: "sqrt",
      classWeights: "balanced",
      bootstrap: true,
      minInfoGain: 0,
      seed: 3,
    },
    workers: 1,
    grower: inlineTreeGrower,
  });
}

/** Saabas on the trees as grown (not flattened): the reference the explainer is checked with. */
function walkContributions(trees: Tree[], row: ArrayLike<number>): Float64Array {
  const out = new Float64Array(FEATURE_COUNT);
  for (const tree of trees) {
    let node = 0;
    while (tree.feature[node] >= 0) {
      const f = tree.feature[node];
      const x = row[f];
      const threshold = tree.threshold[node];
      const left = Number.isNaN(threshold)
        ? ((tree.categoriesLeft[node] >>> x) & 1) === 1
        : x <= threshold;
      const next = left ? tree.left[node] : tree.right[node];
      out[f] += tree.value[next] - tree.value[node];
      node = next;
    }
  }
  return out.map((v) => v / trees.length);
}

const sum = (values: Float64Array) => values.reduce((a, b) => a + b, 0);

/** The explainer of a flattened forest of the synthetic features. */
const explainerOf = (forest: FlatForest) =>
  new ReasonExplainer({
    forest,
    features: NAMES,
    encoder: "fraudstream",
    settings: DEFAULT_ENCODER,
  });

/** Checks every row's contributions against its score and against the grown trees' walk. */
async function checkContributions(numTrees: number): Promise<void> {
  const forest = await trained(6000, numTrees);
  const flat = flattenForest(forest.trees, FEATURE_COUNT);
  const explainer = explainerOf(flat);
  assert.equal(explainer.nodeValues, "training");
  const roots = forest.trees.reduce((total, tree) => total + tree.value[0], 0);
  assert.ok(Math.abs(explainer.baseRate - roots / forest.trees.length) < 1e-6);
  const { rows } = syntheticRows(2000, 6);
  const scores = scoreForest(flat, rows, 2000);
  const wide = Float64Array.from(rows);
  let spread = 0;
  for (let i = 0; i < 2000; i++) {
    const contributions = explainer.contributions(rows, i);
    // 32-bit rows take the walk in WebAssembly, 64-bit rows the one in TypeScript: the same sums.
    assert.deepEqual(explainer.contributions(wide, i), contributions, `row ${i}`);
    const gap = scores[i] - explainer.baseRate - sum(contributions);
    assert.ok(Math.abs(gap) < 1e-5, `row ${i}: contributions miss the score by ${gap}`);
    // The same as walking the grown trees: padding to full depth adds nothing.
    const reference = walkContributions(
      forest.trees,
      rows.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT),
    );
    reference.forEach((v, f) =>
      assert.ok(Math.abs(v - contributions[f]) < 1e-6, `row ${i} feature ${NAMES[f]}`)
    );
    spread = Math.max(spread, Math.abs(scores[i] - explainer.baseRate));
  }
  assert.ok(spread > 0.2, "some rows score far from the base rate");
}

Deno.test("the contributions of every row add up to its score minus the base rate", async () => {
  await checkContributions(12);
});

Deno.test("a forest of trees not a multiple of four (walked four at a time) is explained the same", async () => {
  await checkContributions(7);
});

Deno.test("rows explained together get the same sums to the bit as one at a time", async () => {
  // 7 trees: a group of four walked side by side and three left over; 700 rows: blocks of 256
  // and a part block, in no order and with a row twice.
  const forest = await trained(6000, 7);
  const flat = flattenForest(forest.trees, FEATURE_COUNT);
  const explainer = explainerOf(flat);
  const { rows } = syntheticRows(2000, 6);
  const wide = Float64Array.from(rows);
  const picked = Array.from({ length: 700 }, (_, k) => (k * 1237) % 2000);
  picked[699] = picked[3];
  const together = explainer.contributionsOf(rows, picked);
  assert.deepEqual(explainer.contributionsOf(wide, picked), together, "WebAssembly and TypeScript");
  picked.forEach((row, k) => {
    const alone = explainer.contributions(rows, row);
    assert.deepEqual(
      together.subarray(k * FEATURE_COUNT, (k + 1) * FEATURE_COUNT),
      alone,
      `row ${row}`,
    );
  });
  const reasons = explainer.reasonsOf(rows, picked, 3);
  picked.forEach((row, k) => assert.deepEqual(reasons[k], explainer.reasons(rows, row, 3)));
});

Deno.test("reasons are the features that raised the score most, in words", async () => {
  const forest = await trained(6000);
  const explainer = explainerOf(flattenForest(forest.trees, FEATURE_COUNT));
  const { rows, labels } = syntheticRows(400, 8);
  let nightAlerts = 0;
  for (let i = 0; i < 400; i++) {
    const reasons = explainer.reasons(rows, i, 3);
    assert.equal(reasons.length, 3);
    const contributions = explainer.contributions(rows, i);
    const largest = [...contributions].sort((a, b) => b - a).slice(0, 3);
    reasons.forEach((reason, k) => {
      const f = NAMES.indexOf(reason.feature);
      assert.ok(Math.abs(reason.contribution - largest[k]) < 1e-6);
      assert.equal(Math.fround(reason.value), rows[i * FEATURE_COUNT + f]);
      assert.ok(reason.text.length > 0);
    });
    const night = rows[i * FEATURE_COUNT + at("hour")] < 4 &&
      rows[i * FEATURE_COUNT + at("amount_to_mean")] > 8;
    if (labels[i] === 1 && night) {
      nightAlerts++;
      const named = reasons.map((r) => r.feature);
      assert.ok(
        named.includes("hour") || named.includes("amount_to_mean"),
        `row ${i} (night, amount far above the mean) gives ${named}`,
      );
    }
  }
  assert.ok(nightAlerts > 3, `${nightAlerts} night frauds`);
});

Deno.test("a saved model keeps its node values; one without them falls back and stays exact", async () => {
  const root = await Deno.makeTempDir();
  try {
    const forest = await trained(4000);
    const flat = flattenForest(forest.trees, FEATURE_COUNT);
    const manifest = {
      version: "reasons",
      created_at: new Date().toISOString(),
      encoder: { name: "fraudstream" as const, settings: DEFAULT_ENCODER, features: NAMES },
      threshold: 0.5,
      params: {},
      bins: forest.bins.map((b) => ({ kind: b.kind, edges: Array.from(b.edges), count: b.count })),
    };
    const dir = join(root, "with");
    const saved = await saveModel(dir, manifest, flat);
    assert.equal(saved.nodes?.file, "nodes.bin");
    const model = await loadModel(dir);
    assert.equal(model.scorer, "webassembly");
    assert.equal(model.explainer.nodeValues, "training");
    const { rows } = syntheticRows(500, 9);
    const scores = model.score(rows, 500);
    for (let i = 0; i < 500; i++) {
      const gap = scores[i] - model.explainer.baseRate -
        sum(model.explainer.contributions(rows, i));
      assert.ok(Math.abs(gap) < 1e-5, `row ${i}: ${gap}`);
    }

    // An older model: no nodes.bin. It loads, scores the same, and estimates the node values.
    const { node: _node, ...withoutNodes } = flat;
    const old = join(root, "old");
    assert.equal((await saveModel(old, manifest, withoutNodes)).nodes, undefined);
    const oldModel = await loadModel(old);
    assert.equal(oldModel.explainer.nodeValues, "children-mean");
    assert.deepEqual(oldModel.score(rows, 500), scores);
    const leaves = flat.leaf.length / flat.trees;
    let leafMean = 0;
    for (let t = 0; t < flat.trees; t++) {
      leafMean += flat.leaf.subarray(t * leaves, (t + 1) * leaves).reduce((a, b) => a + b) / leaves;
    }
    assert.ok(Math.abs(oldModel.explainer.baseRate - leafMean / flat.trees) < 1e-6);
    for (let i = 0; i < 500; i++) {
      const explained = oldModel.explainer.contributions(rows, i);
      const gap = scores[i] - oldModel.explainer.baseRate - sum(explained);
      assert.ok(Math.abs(gap) < 1e-5, `row ${i}: ${gap}`);
    }

    // A damaged nodes.bin is refused like a damaged forest.bin.
    const bytes = await Deno.readFile(join(dir, "nodes.bin"));
    bytes[bytes.length - 1] ^= 0xff;
    await Deno.writeFile(join(dir, "nodes.bin"), bytes);
    await assert.rejects(loadModel(dir), (error: unknown) => {
      assert.ok(error instanceof ModelFormatError, String(error));
      assert.match(error.message, /nodes\.bin does not match its checksum/);
      return true;
    });
    await Deno.remove(join(dir, "nodes.bin"));
    await assert.rejects(loadModel(dir), /nodes\.bin is missing; the model is incomplete/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the pretrained model (no node values) explains generated rows exactly with estimated values", async () => {
  const model = await loadModel(PRETRAINED);
  assert.equal(model.manifest.nodes, undefined, "the committed model predates node values");
  assert.equal(model.explainer.nodeValues, "children-mean");
  const data = await generatedData(12, 4);
  const rows = toRowMajor(data.features, data.length);
  const scores = model.score(rows, data.length);
  const wide = Float64Array.from(rows);
  let alerts = 0;
  for (let i = 0; i < data.length; i++) {
    const contributions = model.explainer.contributions(rows, i);
    const gap = scores[i] - model.explainer.baseRate - sum(contributions);
    assert.ok(Math.abs(gap) < 1e-5, `row ${i}: ${gap}`);
    assert.deepEqual(model.explainer.contributions(wide, i), contributions, `row ${i}`);
    if (scores[i] >= model.threshold) alerts++;
  }
  assert.ok(alerts > 0, `some of the ${data.length} rows are alerts`);
});

Deno.test("children-mean node values: a padding slot has its leaf's value", () => {
  // One tree of depth 2 whose right child is a leaf: slot 2 pads leaf 0.8 down to two copies.
  const forest = {
    trees: 1,
    depth: 2,
    features: 1,
    feature: new Uint8Array(3),
    threshold: Float32Array.from([0.5, 0.25, Number.POSITIVE_INFINITY]),
    categoriesRight: new Uint32Array(3),
    leaf: Float32Array.from([0, 0.5, 0.8, 0.8]),
  };
  assert.deepEqual(Array.from(childrenMeanNodeValues(forest)), [
    Math.fround((0.25 + 0.8) / 2),
    0.25,
    Math.fround(0.8),
  ]);
});
