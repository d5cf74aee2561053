/**
 * Scoring speed on one core, rows per second, with the binning of the feature rows and without
 * it: the WebAssembly kernel a loaded model scores with, beside the TypeScript scorer
 * (`binRows` then `scoreBinned`) and a plain walk of the trees, for the pretrained model and for
 * 128 trees of depth 5 and 10 trained on generated data.
 *
 * `deno bench -A tests/model/score_bench.ts`: 65,536-row batches.
 *
 * `deno run -A tests/model/score_bench.ts [--customers N] [--repeat R] [--only-pretrained]`:
 * every encoded row of N generated customers (default 500, about 0.85 M rows) per pass; the
 * scorers take turns pass after pass (R passes each, default 7) so that a busy machine slows
 * them alike, and each figure is the median of its passes, by the clock and per second of CPU
 * time (the process's, so time spent waiting for a core does not count).
 *
 * @module
 */

import { benchArgs } from "../fixtures/bench_args.ts";
import { cpuUsage } from "node:process";
import { generatedData, WORKER_ENTRY } from "../fixtures/generated_data.ts";
import { FEATURE_COUNT, FEATURES } from "../../model/features.ts";
import {
  binForest,
  type BinnedForest,
  binRows,
  flattenForest,
  scoreBinned,
} from "../../model/forest/flat.ts";
import { DEFAULT_FOREST, trainForest } from "../../model/forest/train.ts";
import { type Tree, walkTree } from "../../model/forest/tree.ts";
import {
  compileWasmForest,
  type WasmForest,
  WasmForestUnsupported,
} from "../../model/forest/wasm_forest.ts";
import { decodeForest, loadModel } from "../../model/model_file.ts";
import { toRowMajor } from "../../model/train.ts";
import type { EncodedData } from "../../model/transformed.ts";
import { median } from "../../actors/tools/bench/summary.ts";
import { workerTreeGrower } from "../../actors/pipeline/workers/tree_grower.ts";

const PRETRAINED = new URL("../../resources/models/pretrained", import.meta.url).pathname;

interface Forest {
  name: string;
  binned: BinnedForest;
  wasm: WasmForest;
  trees?: Tree[];
}

function compiled(binned: BinnedForest): WasmForest {
  const wasm = compileWasmForest(binned);
  if (wasm instanceof WasmForestUnsupported) throw new Error(wasm.reason);
  return wasm;
}

/** 128 trees of `depth` trained on `data`. */
async function trained(data: EncodedData, depth: number): Promise<Forest> {
  const forest = await trainForest({
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
  const binned = binForest(flattenForest(forest.trees, FEATURE_COUNT), forest.bins);
  return { name: `128 trees, depth ${depth}`, binned, wasm: compiled(binned), trees: forest.trees };
}

/** The pretrained model, as `loadModel` loads it. */
async function pretrained(): Promise<Forest> {
  const model = await loadModel(PRETRAINED);
  if (model.scorer !== "webassembly") {
    throw new Error(`the pretrained model scores in ${model.scorer}`);
  }
  const bins = model.manifest.bins!.map((b) => ({ ...b, edges: Float32Array.from(b.edges) }));
  const binned = binForest(decodeForest(await Deno.readFile(`${PRETRAINED}/forest.bin`)), bins);
  const { numTrees, maxDepth } = model.manifest.params;
  return {
    name: `pretrained (${numTrees} trees, depth ${maxDepth})`,
    binned,
    wasm: compiled(binned),
  };
}

/** Seconds by the clock and of CPU time, binning and scoring apart, of one pass. */
interface Pass {
  binning: [number, number];
  scoring: [number, number];
}

function timed(run: () => void, into: [number, number]) {
  const cpu = cpuUsage();
  const started = performance.now();
  run();
  into[0] += (performance.now() - started) / 1000;
  const used = cpuUsage(cpu);
  into[1] += (used.user + used.system) / 1e6;
}

function wasmPass(wasm: WasmForest, x: Float32Array, rows: number, out: Float32Array): Pass {
  const pass: Pass = { binning: [0, 0], scoring: [0, 0] };
  for (let first = 0; first < rows; first += wasm.chunkRows) {
    timed(() => wasm.bin(x, first, Math.min(wasm.chunkRows, rows - first)), pass.binning);
    timed(() => wasm.scoreBinned(out, first), pass.scoring);
  }
  return pass;
}

function typescriptPass(forest: BinnedForest, x: Float32Array, rows: number, bins: Uint8Array) {
  const pass: Pass = { binning: [0, 0], scoring: [0, 0] };
  timed(() => binRows(forest, x, rows, bins), pass.binning);
  timed(() => scoreBinned(forest, bins, rows), pass.scoring);
  return pass;
}

/** A plain walk of every tree, on the first `rows` rows. */
function walkPass(trees: Tree[], x: Float32Array, rows: number): Pass {
  const pass: Pass = { binning: [0, 0], scoring: [0, 0] };
  let sink = 0;
  timed(() => {
    for (let i = 0; i < rows; i++) {
      const row = x.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT);
      for (const tree of trees) sink += walkTree(tree, row);
    }
  }, pass.scoring);
  if (Number.isNaN(sink)) throw new Error("unreachable");
  return pass;
}

const millions = (rowsPerSecond: number) => (rowsPerSecond / 1e6).toFixed(2);

/** One line of the table: medians of the passes by the clock and per CPU second. */
function line(forest: string, scorer: string, rows: number, passes: Pass[]): string {
  const rate = (pick: (p: Pass) => [number, number], k: 0 | 1) =>
    median(passes.map((p) => rows / pick(p)[k]));
  const both = (p: Pass): [number, number] => [
    p.binning[0] + p.scoring[0],
    p.binning[1] + p.scoring[1],
  ];
  const cell = (pick: (p: Pass) => [number, number]) =>
    `${millions(rate(pick, 0))} (${millions(rate(pick, 1))})`;
  const binning = passes[0].binning[0] > 0 ? cell((p) => p.binning) : "-";
  const all = passes.map((p) => millions(rows / both(p)[0])).join(", ");
  return `| ${forest} | ${scorer} | ${cell(both)} | ${
    cell((p) => p.scoring)
  } | ${binning} | ${all} |`;
}

if (import.meta.main) {
  const args = benchArgs(import.meta, {
    customers: { type: "string", default: "500" },
    repeat: { type: "string", default: "7" },
    "only-pretrained": { type: "boolean", default: false },
  });
  const repeat = Number(args.values.repeat);
  const data = await generatedData(Number(args.values.customers), 12);
  const rows = data.length;
  const x = toRowMajor(data.features, rows);
  const forests = [await pretrained()];
  if (!args.values["only-pretrained"]) {
    forests.push(await trained(data, 5), await trained(data, 10));
  }
  console.log(`${rows} rows per pass; one core; load average ${Deno.loadavg().join(" ")}`);
  console.log(
    "M rows/s, median of the passes by the clock (per CPU second): with binning; binning excluded;",
  );
  console.log("binning alone. Then every pass with binning, by the clock.\n");
  console.log("| forest | scorer | with binning | binning excluded | binning | passes |");
  console.log("| --- | --- | --- | --- | --- | --- |");
  const out = new Float32Array(rows);
  const bins = new Uint8Array(rows * FEATURE_COUNT);
  const walkRows = Math.min(rows, 50_000);
  for (const forest of forests) {
    const expected = scoreBinned(forest.binned, binRows(forest.binned, x, rows), rows);
    const wasm: Pass[] = [], typescript: Pass[] = [], walk: Pass[] = [];
    wasmPass(forest.wasm, x, rows, out); // compiled by the engine's optimiser from here on
    if (out.some((score, i) => score !== expected[i])) throw new Error("the scorers disagree");
    for (let r = 0; r < repeat; r++) {
      wasm.push(wasmPass(forest.wasm, x, rows, out));
      typescript.push(typescriptPass(forest.binned, x, rows, bins));
      if (forest.trees) walk.push(walkPass(forest.trees, x, walkRows));
    }
    console.log(line(forest.name, "webassembly", rows, wasm));
    console.log(line(forest.name, "typescript", rows, typescript));
    if (forest.trees) console.log(line(forest.name, "plain tree walk", walkRows, walk));
  }
} else {
  const data = await generatedData(100, 12);
  const rows = Math.min(65_536, data.length);
  const x = toRowMajor(data.features, data.length);
  const forest = await pretrained();
  const bins = new Uint8Array(rows * FEATURE_COUNT);
  Deno.bench({
    name: `score ${rows} rows, pretrained forest, webassembly`,
    group: "pretrained",
    baseline: true,
    fn() {
      forest.wasm.score(x, rows);
    },
  });
  Deno.bench({
    name: `score ${rows} rows, pretrained forest, typescript`,
    group: "pretrained",
    fn() {
      scoreBinned(forest.binned, binRows(forest.binned, x, rows, bins), rows);
    },
  });
}
