/**
 * The cost of reason codes per alert, on one core: every encoded row of N generated customers is
 * scored as the scoring worker scores it (`model.score`), then the rows at or over the threshold
 * are explained (top 3 reasons, values in words) as the worker explains them: the alerts of each
 * batch of `BATCH` rows together, each alert several times (5,000 explanations a pass at least).
 * Prints the scoring cost per row, the explaining cost per alert (and one alert at a time, for
 * comparison), and what reason codes add per scored row at the stream's alert rate. Medians of R
 * passes.
 *
 * `deno run -A tests/model/reasons_bench.ts [--customers N] [--repeat R] [--model DIR]`
 * (default: 200 customers, 5 passes, the pretrained model).
 *
 * @module
 */

import { benchArgs } from "../fixtures/bench_args.ts";
import { loadModel } from "../../model/model_file.ts";
import { toRowMajor } from "../../model/train.ts";
import { median } from "../../actors/tools/bench/summary.ts";
import { generatedData } from "../fixtures/generated_data.ts";

/** Rows of a batch whose alerts are explained together (a batch of a partition, about). */
const BATCH = 2048;

const PRETRAINED = new URL("../../resources/models/pretrained", import.meta.url).pathname;

const args = benchArgs(import.meta, {
  customers: { type: "string", default: "200" },
  repeat: { type: "string", default: "5" },
  model: { type: "string", default: PRETRAINED },
});
const customers = Number(args.values.customers);
const repeat = Number(args.values.repeat);
if (!(customers >= 1 && repeat >= 1)) {
  console.error("--customers and --repeat take whole numbers from 1");
  Deno.exit(2);
}

const model = await loadModel(args.values.model!);
const data = await generatedData(customers, 1);
const rows = data.length;
const features = toRowMajor(data.features, rows);
const scoreUs: number[] = [];
const explainUs: number[] = [];
const aloneUs: number[] = [];
let alerts = 0;
for (let pass = 0; pass < repeat; pass++) {
  let started = performance.now();
  const scores = model.score(features, rows);
  scoreUs.push(((performance.now() - started) * 1000) / rows);
  const alertRows = [...scores.keys()].filter((i) => scores[i] >= model.threshold);
  alerts = alertRows.length;
  if (alerts === 0) throw new Error("no alerts to explain; use more customers");
  // At least 5,000 explanations a pass, so that a few alerts are not all warm-up.
  const rounds = Math.ceil(5000 / alerts);
  const batches = Map.groupBy(alertRows, (i) => Math.floor(i / BATCH)).values().toArray();
  started = performance.now();
  for (let round = 0; round < rounds; round++) {
    for (const batch of batches) model.explainer.reasonsOf(features, batch, 3);
  }
  explainUs.push(((performance.now() - started) * 1000) / (alerts * rounds));
  started = performance.now();
  for (let round = 0; round < rounds; round++) {
    for (const i of alertRows) model.explainer.reasons(features, i, 3);
  }
  aloneUs.push(((performance.now() - started) * 1000) / (alerts * rounds));
}
const perAlert = median(explainUs);
const perRow = median(scoreUs);
const { numTrees, maxDepth } = model.manifest.params;
console.log(
  `model ${model.version} (${numTrees} trees, depth ${maxDepth}, node values: ` +
    `${model.explainer.nodeValues}, scorer: ${model.scorer})`,
);
console.log(`${rows} rows, ${alerts} alerts (${((100 * alerts) / rows).toFixed(2)}%)`);
console.log(`scoring:    ${perRow.toFixed(3)} µs per row`);
console.log(
  `explaining: ${perAlert.toFixed(1)} µs per alert (top 3 reasons, in words; a batch's alerts ` +
    `together, batches of ${BATCH} rows; one at a time ${median(aloneUs).toFixed(1)} µs)`,
);
console.log(
  `reason codes add ${((perAlert * alerts) / rows).toFixed(3)} µs per scored row ` +
    `(${((100 * perAlert * alerts) / rows / perRow).toFixed(1)}% of scoring)`,
);
