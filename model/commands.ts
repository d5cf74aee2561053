/**
 * `fraudstream train`, `evaluate` and `model`.
 *
 * @module
 */

import { basename, join } from "node:path";
import type { CommandHandler } from "../actors/command.ts";
import { createProgressBar } from "../actors/generator/progress_bar.ts";
import { DEFAULT_TRAIN_ROOT, defaultDataVersion } from "../actors/generator/options.ts";
import { modelVersions, resolveModelDir } from "../actors/consumer/model_scoring.ts";
import { UsageError } from "../config/errors.ts";
import { evaluateModel } from "./evaluate.ts";
import { DEFAULT_FOREST } from "./forest/train.ts";
import { loadModel } from "./model_file.ts";
import { importSparkModel } from "./spark_import.ts";
import { trainModel } from "./train.ts";

/** Folder of transformed data versions, beside the raw ones. */
const TRANSFORMED_ROOT = "resources/data/train/transformed";

function percent(value: number): string {
  return (value * 100).toFixed(1) + "%";
}

/** Trains a model on a data version (or `--data`) and writes the model folder. */
export const trainCommand: CommandHandler = async (config, ctx) => {
  if (!config.data && !config.dataVersion) {
    throw new UsageError(
      "train needs the data: --version NAME (a folder under resources/data/train/raw) or --data DIR",
    );
  }
  const dataDir = config.data ?? join(DEFAULT_TRAIN_ROOT, config.dataVersion!);
  const version = config.dataVersion ?? defaultDataVersion();
  const modelDir = config.out ?? join(config.modelsDir, version);
  const bar = config.quiet ? undefined : createProgressBar();
  const started = performance.now();
  const report = await trainModel({
    dataDir,
    transformedDir: config.dataVersion ? join(TRANSFORMED_ROOT, config.dataVersion) : undefined,
    modelDir,
    version,
    dataVersion: config.dataVersion,
    params: {
      ...DEFAULT_FOREST,
      numTrees: config.numTrees,
      maxDepth: config.maxDepth,
      maxBins: config.maxBins,
      minInstancesPerNode: config.minInstances,
      featureSubsetStrategy: config.featureSubset,
      classWeights: config.classWeights,
      seed: config.seed,
    },
    workers: config.workers,
    onStage: (stage) => ctx.status(`train: ${stage}`),
    onTree: (done, total) =>
      bar?.update({
        rows: done,
        bytes: 0,
        fraction: done / total,
        seconds: (performance.now() - started) / 1000,
      }),
    onBadRow: (row) => ctx.status(`train: skipped ${row.file}:${row.line}: ${row.reason}`),
  });
  bar?.finish();
  const t = report.test;
  ctx.print(
    `model ${report.version} in ${report.model_dir}: test part (${t.rows} rows, ${t.frauds} frauds) ` +
      `precision ${percent(t.precision)}, recall ${percent(t.recall)}, average precision ` +
      `${t.average_precision.toFixed(3)}, ROC-AUC ${t.roc_auc.toFixed(4)} at threshold ${
        report.threshold.toFixed(3)
      }`,
  );
  ctx.print(
    `trained on ${report.train_rows} rows in ${report.seconds.train} s ` +
      `(${report.train_rows_per_second} rows/s); report: ${join(report.model_dir, "report.html")}`,
  );
  return { exitCode: 0, report };
};

/** Scores a folder of labelled CSV files with a model and prints the figures. */
export const evaluateCommand: CommandHandler = async (config, ctx) => {
  if (!config.data) {
    throw new UsageError("evaluate needs --data DIR (a folder of Sparkov-format CSV files)");
  }
  const model = await loadModel(await resolveModelDir(config));
  const report = await evaluateModel({
    model,
    dataDir: config.data,
    threshold: config.threshold,
    onStage: (stage) => ctx.status(`evaluate: ${stage}`),
    onBadRow: (row) => ctx.status(`evaluate: skipped ${row.file}:${row.line}: ${row.reason}`),
  });
  ctx.print(
    `model ${report.model_version} on ${report.rows} rows (${report.frauds} frauds): precision ` +
      `${percent(report.precision)}, recall ${percent(report.recall)}, F1 ${
        report.f1.toFixed(3)
      }, ` +
      `average precision ${report.average_precision.toFixed(3)}, ROC-AUC ${
        report.roc_auc.toFixed(4)
      }, ` +
      `${report.alerts_per_1000.toFixed(2)} alerts per 1,000 at threshold ${
        report.threshold.toFixed(3)
      }`,
  );
  const { curves: _curves, ...summary } = report;
  return { exitCode: 0, report: summary };
};

/** `fraudstream model import-spark|list`: brings the seed's Spark model in; lists model versions. */
export const modelCommand: CommandHandler = async (config, ctx) => {
  if (config.args.action === "list") {
    const versions = await modelVersions(config.modelsDir);
    if (versions.length === 0) ctx.print(`no models in ${config.modelsDir}`);
    const listed = [];
    for (const { dir } of versions) {
      const model = await loadModel(dir);
      const m = model.manifest;
      listed.push({
        version: model.version,
        dir,
        encoder: m.encoder.name,
        created_at: m.created_at,
      });
      ctx.print(
        `${model.version}\t${m.encoder.name}\t${m.params.numTrees} trees, depth ${m.params.maxDepth}` +
          `\tthreshold ${model.threshold.toFixed(3)}\t${m.created_at}\t${dir}`,
      );
    }
    return { exitCode: 0, report: { models: listed } };
  }
  const sparkDir = config.args.path;
  if (!sparkDir) {
    throw new UsageError("model import-spark needs the folder Spark's model.save() wrote");
  }
  const version = config.args.name ?? basename(sparkDir.replace(/\/+$/, ""));
  const modelDir = join(config.modelsDir, version);
  const manifest = await importSparkModel({
    sparkDir,
    modelDir,
    version,
    threshold: config.threshold,
  });
  ctx.print(
    `imported ${manifest.params.numTrees} trees (depth ${manifest.params.maxDepth}) from ` +
      `${sparkDir} into ${modelDir}, encoder ${manifest.encoder.name}; score with ` +
      `--model ${version}`,
  );
  return { exitCode: 0, report: { version, dir: modelDir, manifest } };
};
