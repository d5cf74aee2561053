/**
 * Scoring speed on one core: rows per second through a loaded model's `score` (binning the
 * feature rows, then the flattened forest), for 128 trees of depth 5 and of depth 10, beside a
 * plain tree walk of the same trees.
 *
 * `deno bench -A tests/model/score_bench.ts`: 65,536-row batches.
 *
 * `deno run -A tests/model/score_bench.ts [--customers N] [--repeat R]`: medians of R passes over
 * every encoded row of N generated customers (default 500, about 0.85 M rows), also through the
 * pretrained model.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { generatedData, WORKER_ENTRY } from "../fixtures/generated_data.ts";
import { FEATURE_COUNT, FEATURES } from "../../model/features.ts";
import { flattenForest } from "../../model/forest/flat.ts";
import { DEFAULT_FOREST, trainForest } from "../../model/forest/train.ts";
import { type Tree, walkTree } from "../../model/forest/tree.ts";
import { type LoadedModel, loadModel, saveModel } from "../../model/model_file.ts";
import { DEFAULT_ENCODER } from "../../model/features.ts";
import { toRowMajor } from "../../model/train.ts";
import type { EncodedData } from "../../model/transformed.ts";
import { median } from "../../actors/tools/bench/summary.ts";
import { workerTreeGrower } from "../../actors/pipeline/workers/tree_grower.ts";

/** A 128-tree model of `depth` trained on `data`, saved and loaded as the consumer loads it. */
async function model(
  data: EncodedData,
  depth: number,
): Promise<{ model: LoadedModel; trees: Tree[] }> {
  const trained = await trainForest({
    features: data.features,
    labels: data.label,
    specs: FEATURES,
    params: {
      ...DEFAULT_FOREST,
      numTrees: 128,
      maxDepth: depth,
      minInstancesPerNode: depth > 5 ? 50 : 1,
    },
    workers: 2,
    grower: workerTreeGrower({ entry: WORKER_ENTRY }),
  });
  const dir = await Deno.makeTempDir({ prefix: "fraudstream-score-bench-model-" });
  try {
    await saveModel(dir, {
      version: `bench-depth-${depth}`,
      created_at: new Date().toISOString(),
      encoder: {
        name: "fraudstream",
        settings: DEFAULT_ENCODER,
        features: FEATURES.map((f) => f.name),
      },
      threshold: 0.5,
      params: { numTrees: 128, maxDepth: depth },
      bins: trained.bins.map((b) => ({ kind: b.kind, edges: Array.from(b.edges), count: b.count })),
    }, flattenForest(trained.trees, FEATURE_COUNT));
    return { model: await loadModel(dir), trees: trained.trees };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Rows per second of a plain walk of every tree, on the first `rows` rows. */
function walkRowsPerSecond(trees: Tree[], x: Float32Array, rows: number): number {
  const started = performance.now();
  let sink = 0;
  for (let i = 0; i < rows; i++) {
    const row = x.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT);
    let sum = 0;
    for (const tree of trees) sum += walkTree(tree, row);
    sink += sum;
  }
  if (Number.isNaN(sink)) throw new Error("unreachable");
  return rows / ((performance.now() - started) / 1000);
}

if (import.meta.main) {
  const args = parseArgs({
    args: Deno.args,
    options: {
      customers: { type: "string", default: "500" },
      repeat: { type: "string", default: "7" },
    },
  });
  const data = await generatedData(Number(args.values.customers), 12);
  const x = toRowMajor(data.features, data.length);
  console.log(
    `${data.length} rows; one core; load average ${Deno.loadavg().join(" ")}`,
  );
  console.log("| forest | passes (M rows/s) | median rows/s | plain walk rows/s |");
  console.log("| --- | --- | --- | --- |");
  for (const depth of [5, 10]) {
    const { model: loaded, trees } = await model(data, depth);
    loaded.score(x, Math.min(data.length, 100_000));
    const passes: number[] = [];
    for (let r = 0; r < Number(args.values.repeat); r++) {
      const started = performance.now();
      const scores = loaded.score(x, data.length);
      passes.push(data.length / ((performance.now() - started) / 1000));
      if (scores.length !== data.length) throw new Error("short scores");
    }
    const walk = walkRowsPerSecond(trees, x, Math.min(data.length, 100_000));
    console.log(
      `| 128 trees, depth ${depth} | ${passes.map((p) => (p / 1e6).toFixed(2)).join(", ")} | ${
        Math.round(median(passes))
      } | ${Math.round(walk)} |`,
    );
  }
  const pretrained = await loadModel(
    new URL("../../resources/models/pretrained", import.meta.url).pathname,
  );
  const passes: number[] = [];
  for (let r = 0; r < Number(args.values.repeat); r++) {
    const started = performance.now();
    pretrained.score(x, data.length);
    passes.push(data.length / ((performance.now() - started) / 1000));
  }
  console.log(
    `| pretrained (${pretrained.manifest.params.numTrees} trees, depth ${pretrained.manifest.params.maxDepth}) | ${
      passes.map((p) => (p / 1e6).toFixed(2)).join(", ")
    } | ${Math.round(median(passes))} | - |`,
  );
} else {
  const data = await generatedData(100, 12);
  const rows = Math.min(65_536, data.length);
  const x = toRowMajor(data.features, data.length);
  for (const depth of [5, 10]) {
    const { model: loaded } = await model(data, depth);
    Deno.bench({
      name: `score ${rows} rows, 128 trees of depth ${depth}, one core`,
      fn() {
        loaded.score(x, rows);
      },
    });
  }
}
