/**
 * Training speed of the Random Forest trainer: rows per second for 128 trees of depth 5 (the
 * seed's setting) and of a deeper setting, on 1 and 2 workers, and the time the seed's job
 * (43,253,806 rows, 128 trees, depth 5) would take at that speed.
 *
 * `deno bench -A tests/model/train_bench.ts`: short runs on 300 generated customers.
 *
 * `deno run -A tests/model/train_bench.ts [--data DIR] [--transformed DIR] [--customers N]
 * [--repeat R] [--workers 1,2] [--settings seed,default]`: the measured figures (medians of R runs)
 * on a transformed data set (`resources/data/train/transformed/<v>`), a folder of CSV files, or N
 * freshly generated customers over 2022-2023 (default 3000: about 5.1 M rows), training on every
 * row. With `--transformed DIR`, the CSV files of `--data` are encoded once into DIR and read
 * from there afterwards. Each run also prints the process's peak resident memory while it trained
 * (main thread and workers: one process), where Linux's /proc tells it.
 *
 * @module
 */

import { badBenchArgs, benchArgs } from "../fixtures/bench_args.ts";
import { generatedData, WORKER_ENTRY } from "../fixtures/generated_data.ts";
import { FEATURES } from "../../model/features.ts";
import { DEFAULT_FOREST, type ForestParams, trainForest } from "../../model/forest/train.ts";
import { encodeData } from "../../model/train.ts";
import type { EncodedData } from "../../model/transformed.ts";
import {
  formatGigabytes,
  peakResidentBytes,
  resetPeakResident,
  residentBytes,
} from "./peak_memory.ts";
import { median } from "../../actors/tools/bench/summary.ts";
import { workerTreeGrower } from "../../actors/pipeline/workers/tree_grower.ts";

/** Rows of the seed's training job. */
const SEED_ROWS = 43_253_806;

/** The settings measured: the seed's, and the deeper default of fraudstream. */
const SETTINGS: { key: string; name: string; params: Partial<ForestParams> }[] = [
  { key: "seed", name: "depth 5 (seed)", params: { maxDepth: 5, minInstancesPerNode: 1 } },
  {
    key: "default",
    name: "depth 10, min 50 (default)",
    params: { maxDepth: 10, minInstancesPerNode: 50 },
  },
];

/** Seconds to train 128 trees on every row of `data`. */
async function trainSeconds(
  data: EncodedData,
  params: Partial<ForestParams>,
  workers: number,
): Promise<number> {
  const started = performance.now();
  await trainForest({
    features: data.features,
    labels: data.label,
    specs: FEATURES,
    params: { ...DEFAULT_FOREST, numTrees: 128, ...params },
    workers,
    grower: workerTreeGrower({ entry: WORKER_ENTRY }),
  });
  return (performance.now() - started) / 1000;
}

if (import.meta.main) {
  const args = benchArgs(import.meta, {
    data: { type: "string" },
    customers: { type: "string", default: "3000" },
    repeat: { type: "string", default: "3" },
    workers: { type: "string", default: "1,2" },
    transformed: { type: "string" },
    settings: { type: "string", default: SETTINGS.map((s) => s.key).join(",") },
  });
  const wanted = args.values.settings.split(",");
  const settings = SETTINGS.filter((s) => wanted.includes(s.key));
  if (settings.length !== wanted.length) {
    badBenchArgs(import.meta, `--settings takes ${SETTINGS.map((s) => s.key).join(", ")}`);
  }
  const loadStarted = performance.now();
  const data = args.values.data
    ? (await encodeData({
      dataDir: args.values.data,
      transformedDir: args.values.transformed ?? args.values.data,
    })).data
    : await generatedData(Number(args.values.customers), 11);
  console.log(
    `${data.length} rows, ${FEATURES.length} features, loaded in ${
      ((performance.now() - loadStarted) / 1000).toFixed(1)
    } s (peak RSS ${formatGigabytes(peakResidentBytes())}, RSS now ${
      formatGigabytes(residentBytes())
    }); ${navigator.hardwareConcurrency} cores; load average ${Deno.loadavg().join(" ")}`,
  );
  let overallPeak = peakResidentBytes();
  const repeat = Number(args.values.repeat);
  console.log(
    "| setting | workers | runs (s) | median s | rows/s | 43.25 M rows | peak RSS | load avg |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const setting of settings) {
    for (const workers of args.values.workers.split(",").map(Number)) {
      const runs: number[] = [];
      let peak: number | undefined;
      for (let r = 0; r < repeat; r++) {
        // The peak while this run trained (the loaded data stays resident through it); where the
        // peak cannot be reset, the peak so far.
        resetPeakResident();
        runs.push(await trainSeconds(data, setting.params, workers));
        const runPeak = peakResidentBytes();
        if (runPeak !== undefined) peak = Math.max(peak ?? 0, runPeak);
      }
      if (peak !== undefined) overallPeak = Math.max(overallPeak ?? 0, peak);
      const seconds = median(runs);
      const rowsPerSecond = data.length / seconds;
      console.log(
        `| ${setting.name} | ${workers} | ${runs.map((s) => s.toFixed(1)).join(", ")} | ${
          seconds.toFixed(1)
        } | ${Math.round(rowsPerSecond)} | ${(SEED_ROWS / rowsPerSecond).toFixed(0)} s | ${
          formatGigabytes(peak)
        } | ${Deno.loadavg()[0].toFixed(2)} |`,
      );
    }
  }
  console.log(`peak RSS of the whole benchmark: ${formatGigabytes(overallPeak)}`);
} else {
  const data = await generatedData(300, 11);
  for (const setting of SETTINGS) {
    for (const workers of [1, 2]) {
      Deno.bench({
        name: `128 trees, ${setting.name}, ${workers} worker(s), ${data.length} rows`,
        group: setting.name,
        n: 1,
        warmup: 0,
        async fn(b) {
          b.start();
          const seconds = await trainSeconds(data, setting.params, workers);
          b.end();
          console.log(`  ${Math.round(data.length / seconds)} rows/s`);
        },
      });
    }
  }
}
