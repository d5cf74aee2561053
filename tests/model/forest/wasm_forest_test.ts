import assert from "node:assert/strict";
import { seededRandom } from "../../../actors/lib/random.ts";
import { FEATURE_COUNT, FEATURES } from "../../../model/features.ts";
import type { FeatureBins } from "../../../model/forest/binning.ts";
import {
  binForest,
  type BinnedForest,
  binRows,
  flattenForest,
  scoreBinned,
} from "../../../model/forest/flat.ts";
import { inlineTreeGrower } from "../../../model/forest/grow.ts";
import { DEFAULT_FOREST, trainForest } from "../../../model/forest/train.ts";
import {
  compileWasmForest,
  type WasmForest,
  WasmForestUnsupported,
} from "../../../model/forest/wasm_forest.ts";
import { CHUNK_ROWS } from "../../../model/forest/wasm_layout.ts";
import { decodeForest, loadModel, type ModelManifest } from "../../../model/model_file.ts";
import { toRowMajor } from "../../../model/train.ts";
import { generatedData } from "../../fixtures/generated_data.ts";

const PRETRAINED = new URL("../../../resources/models/pretrained", import.meta.url).pathname;

function compiled(forest: BinnedForest): WasmForest {
  const wasm = compileWasmForest(forest);
  if (wasm instanceof WasmForestUnsupported) throw new Error(wasm.reason);
  return wasm;
}

/** Asserts the WebAssembly scores equal `scoreBinned`'s, bit for bit. */
function assertSameScores(forest: BinnedForest, x: Float32Array, rows: number, what: string) {
  const expected = scoreBinned(forest, binRows(forest, x, rows), rows);
  const actual = compiled(forest).score(x, rows);
  assert.equal(actual.length, rows);
  for (let i = 0; i < rows; i++) {
    if (!Object.is(actual[i], expected[i])) {
      assert.fail(`${what}: row ${i} scores ${actual[i]}, scoreBinned ${expected[i]}`);
    }
  }
}

async function pretrained(): Promise<BinnedForest> {
  const manifest: ModelManifest = JSON.parse(await Deno.readTextFile(`${PRETRAINED}/model.json`));
  const bins: FeatureBins[] = manifest.bins!.map((b) => ({
    kind: b.kind,
    edges: Float32Array.from(b.edges),
    count: b.count,
  }));
  return binForest(decodeForest(await Deno.readFile(`${PRETRAINED}/forest.bin`)), bins);
}

/**
 * Rows of `rows` with values on, around and far from the bin edges, NaN and infinities in
 * numeric features, and every category.
 */
function probeRows(forest: BinnedForest, rows: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const x = new Float32Array(rows * forest.features);
  for (let i = 0; i < x.length; i++) {
    const f = i % forest.features;
    if (forest.categorical[f]) {
      x[i] = Math.floor(random() * forest.counts[f]);
      continue;
    }
    const edges = forest.edges.subarray(f * 32, f * 32 + forest.counts[f] - 1);
    const pick = random();
    const edge = edges.length > 0 ? edges[Math.floor(random() * edges.length)] : 0;
    x[i] = pick < 0.3
      ? edge
      : pick < 0.5
      ? Math.fround(edge + (random() - 0.5) * Math.abs(edge) * 1e-6)
      : pick < 0.52
      ? [
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        -0,
      ][Math.floor(random() * 4)]
      : edge * (random() * 4 - 1.5);
  }
  return x;
}

Deno.test("the pretrained forest scores generated rows in WebAssembly exactly as scoreBinned", async () => {
  const forest = await pretrained();
  const data = await generatedData(40, 5);
  assert.ok(data.length > 10_000, `${data.length} rows`);
  assertSameScores(forest, toRowMajor(data.features, data.length), data.length, "generated rows");
  assertSameScores(forest, probeRows(forest, 20_000, 3), 20_000, "rows around the edges");
});

Deno.test("a loaded model scores in WebAssembly, as scoreBinned does", async () => {
  const model = await loadModel(PRETRAINED);
  assert.equal(model.scorer, "webassembly");
  const forest = await pretrained();
  const x = probeRows(forest, 5000, 4);
  const expected = scoreBinned(forest, binRows(forest, x, 5000), 5000);
  assert.deepEqual(model.score(x, 5000), expected);
  assert.throws(() => model.score(new Float64Array(x), 5000), TypeError);
});

Deno.test("forests trained on generated rows score exactly as scoreBinned at every depth", async () => {
  const data = await generatedData(15, 8);
  const x = toRowMajor(data.features, data.length);
  // Depths with no chunk below the top, one chunk of each size, and two chunks.
  for (const maxDepth of [1, 4, 6, 7, 9, 10, 12, 14]) {
    const trained = await trainForest({
      features: data.features,
      labels: data.label,
      specs: FEATURES,
      params: { ...DEFAULT_FOREST, numTrees: 9, maxDepth, minInstancesPerNode: 2, seed: maxDepth },
      workers: 1,
      grower: inlineTreeGrower,
    });
    const forest = binForest(flattenForest(trained.trees, FEATURE_COUNT), trained.bins);
    assert.equal(forest.depth, maxDepth, "the trees reach the depth asked for");
    assertSameScores(forest, x, data.length, `depth ${maxDepth}, generated rows`);
    assertSameScores(forest, probeRows(forest, 3000, maxDepth), 3000, `depth ${maxDepth}, probes`);
  }
});

Deno.test("any number of rows scores, across chunks, into the rows asked for", async () => {
  const forest = await pretrained();
  const wasm = compiled(forest);
  const all = CHUNK_ROWS * 2 + 21;
  const x = probeRows(forest, all, 11);
  const expected = scoreBinned(forest, binRows(forest, x, all), all);
  for (const rows of [0, 1, 15, 16, 17, CHUNK_ROWS, CHUNK_ROWS + 1, all]) {
    assert.deepEqual(wasm.score(x, rows), expected.subarray(0, rows), `${rows} rows`);
  }
  // A row's score does not depend on the rows scored with it.
  const alone = wasm.score(x.subarray(5 * forest.features), 1);
  assert.equal(alone[0], expected[5]);
  const out = new Float32Array(40).fill(-1);
  wasm.score(x, 17, out);
  assert.deepEqual(out.subarray(0, 17), expected.subarray(0, 17));
  assert.ok(out.subarray(17).every((v) => v === -1), "nothing is written past the rows");
  assert.throws(() => wasm.score(x, all + 1), RangeError);
});

Deno.test("a categorical value outside its bins scores as the nearest bin", async () => {
  const forest = await pretrained();
  const wasm = compiled(forest);
  const category = FEATURES.findIndex((f) => f.name === "category");
  const x = probeRows(forest, 4, 2);
  const clamped = x.slice();
  const width = forest.features;
  [99, -3, Number.NaN, 5.7].forEach((value, row) => (x[row * width + category] = value));
  [forest.counts[category] - 1, 0, 0, 5].forEach((
    bin,
    row,
  ) => (clamped[row * width + category] = bin));
  assert.deepEqual(wasm.score(x, 4), wasm.score(clamped, 4));
});

Deno.test("a forest the kernel cannot take is refused with the reason", () => {
  const tree = {
    feature: Int16Array.of(0, -1, -1),
    threshold: Float32Array.of(0.5, Number.NaN, Number.NaN),
    categoriesLeft: new Uint32Array(3),
    left: Int32Array.of(1, -1, -1),
    right: Int32Array.of(2, -1, -1),
    value: Float32Array.of(0.5, 0, 1),
    gain: new Float32Array(3),
  };
  const numeric: FeatureBins = { kind: "numeric", edges: Float32Array.of(0.5), count: 2 };
  const wide = binForest(flattenForest([tree], 40), Array(40).fill(numeric));
  const refused = compileWasmForest(wide);
  assert.ok(refused instanceof WasmForestUnsupported);
  assert.match(refused.reason, /40 features/);
  const category: FeatureBins = { kind: "categorical", edges: new Float32Array(0), count: 8 };
  const manyCodes = binForest(flattenForest([tree], 3), [numeric, category, category]);
  const refusedCodes = compileWasmForest(manyCodes);
  assert.ok(refusedCodes instanceof WasmForestUnsupported);
  assert.match(refusedCodes.reason, /64 combinations of categories/);
  // Within the limits it compiles and scores.
  const fine = binForest(flattenForest([tree], 2), [numeric, category]);
  assert.deepEqual(compiled(fine).score(Float32Array.of(0, 1, 1, 1), 2), Float32Array.of(0, 1));
});
