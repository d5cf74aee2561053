/**
 * `fraudstream train`, `evaluate` and `model`: the model's commands, on the library in `model/`.
 *
 * @module
 */

import { basename, join } from "node:path";
import type { CommandContext, CommandHandler, CommandOutcome } from "./command.ts";
import type { Config } from "../../config/config.ts";
import { createProgressBar } from "../lib/progress_bar.ts";
import { DEFAULT_TRAIN_ROOT, defaultDataVersion } from "./generator/options.ts";
import { UsageError } from "../lib/errors.ts";
import { modelVersions, resolveModelDir } from "../../model/catalog.ts";
import { evaluateModel } from "../../model/evaluate.ts";
import type { Evaluation } from "../../model/metrics.ts";
import { DEFAULT_FOREST } from "../../model/forest/train.ts";
import { loadModel, ModelFormatError } from "../../model/model_file.ts";
import { profileModel } from "../../model/profile.ts";
import { REFERENCE_FILE, writeReference } from "../../model/reference.ts";
import { importSparkModel } from "../../model/spark_import.ts";
import { clearPromotion, promoteModel, readPromotion } from "../../model/promotion.ts";
import { trainModel, type TrainReport } from "../../model/train.ts";
import { versionName } from "../../model/version_name.ts";
import { workerTreeGrower } from "./workers/tree_grower.ts";

/** Folder of transformed data versions, beside the raw ones. */
const TRANSFORMED_ROOT = "resources/data/train/transformed";

function percent(value: number): string {
  return (value * 100).toFixed(1) + "%";
}

/**
 * Average precision and ROC-AUC as printed: `n/a` where the rows lack a class (the metrics are
 * NaN then), saying which class is missing from `where`.
 */
function areas(figures: Evaluation, where: string): string {
  const fixed = (value: number, digits: number) =>
    Number.isNaN(value) ? "n/a" : value.toFixed(digits);
  const missing = figures.frauds === 0
    ? ` (no fraud in ${where})`
    : figures.frauds === figures.rows
    ? ` (no legitimate transaction in ${where})`
    : "";
  return `average precision ${fixed(figures.average_precision, 3)}, ROC-AUC ` +
    `${fixed(figures.roc_auc, 4)}${missing}`;
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
    holdout: config.holdout,
    threshold: config.threshold,
    force: config.force,
    workers: config.workers,
    grower: workerTreeGrower(),
    onStage: (stage) => ctx.status(`train: ${stage}`),
    onTree: (done, total) =>
      bar?.update({
        rows: done,
        fraction: done / total,
        seconds: (performance.now() - started) / 1000,
      }),
    onBadRow: (row) => ctx.status(`train: skipped ${row.file}:${row.line}: ${row.reason}`),
    signal: ctx.signal,
  }).finally(() => bar?.finish());
  for (const line of trainSummary(report)) ctx.print(line);
  return { exitCode: 0, report };
};

/** What `train` prints: the figures it can honestly claim, and which rows it used for what. */
function trainSummary(report: TrainReport): string[] {
  const threshold = `threshold ${report.threshold.toFixed(3)} (${
    {
      validation: "chosen on the validation part",
      given: "given by --threshold",
      default: report.holdout === 0
        ? "the default, as there is no validation part; --threshold sets it"
        : "the default: the validation part has no fraud to choose one",
    }[report.threshold_from]
  })`;
  const trained =
    `trained on ${report.train_rows} of ${report.rows} rows in ${report.seconds.train} s ` +
    `(${report.train_rows_per_second} rows/s); report: ${join(report.model_dir, "report.html")}`;
  const t = report.test;
  if (!t) {
    return [
      `model ${report.version} in ${report.model_dir}: no hold-out (--holdout none), so no test ` +
      `figures; ${threshold}`,
      trained,
    ];
  }
  return [
    `model ${report.version} in ${report.model_dir}: test part (${t.rows} rows, ${t.frauds} frauds) ` +
    `precision ${percent(t.precision)}, recall ${percent(t.recall)}, ` +
    `${areas(t, "the test part")} at ${threshold}`,
    trained,
    `hold-out ${percent(report.holdout)} of the cards and of the time: training used the other ` +
    `cards' rows before the time cut (on ${report.cut_day}); validation ` +
    `(${report.validation_rows} rows) and test (${report.test_rows} rows) are held-out cards' ` +
    `rows after it; ${report.history_rows} rows served only as card history (--holdout none ` +
    "trains a final model on every row)",
  ];
}

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
    scoresOut: config.scoresOut,
    onStage: (stage) => ctx.status(`evaluate: ${stage}`),
    onBadRow: (row) => ctx.status(`evaluate: skipped ${row.file}:${row.line}: ${row.reason}`),
    signal: ctx.signal,
  });
  ctx.print(
    `model ${report.model_version} on ${report.rows} rows (${report.frauds} frauds): precision ` +
      `${percent(report.precision)}, recall ${percent(report.recall)}, F1 ${
        report.f1.toFixed(3)
      }, ${areas(report, "the data")}, ` +
      `${report.alerts_per_1000.toFixed(2)} alerts per 1,000 at threshold ${
        report.threshold.toFixed(3)
      }`,
  );
  if (report.scores_out) {
    ctx.print(
      `wrote the ${report.rows} scored rows (trans_num, cc_num, label, score) to ${report.scores_out}`,
    );
  }
  const { curves: _curves, ...summary } = report;
  return { exitCode: 0, report: summary };
};

/**
 * `fraudstream model import-spark|list|promote|profile`: brings the seed's Spark model in; lists
 * model versions; promotes the version that alerts; writes a model's reference distribution.
 */
export const modelCommand: CommandHandler = async (config, ctx) => {
  checkActionArguments(config);
  if (config.args.action === "promote") {
    return await promote(config.modelsDir, config.args.path, ctx);
  }
  if (config.args.action === "list") {
    const versions = await modelVersions(config.modelsDir);
    if (versions.length === 0) ctx.print(`no models in ${config.modelsDir}`);
    const promoted = (await readPromotion(config.modelsDir))?.version;
    const listed = [];
    const unusable: string[] = [];
    for (const { dir } of versions) {
      let model;
      try {
        model = await loadModel(dir);
      } catch (error) {
        // One broken version does not hide the others: it is listed with the reason.
        if (!(error instanceof ModelFormatError)) throw error;
        unusable.push(basename(dir));
        listed.push({ version: basename(dir), dir, error: error.message });
        ctx.print(`${basename(dir)}\tcannot be loaded: ${error.message}\t${dir}`);
        continue;
      }
      const m = model.manifest;
      listed.push({
        version: model.version,
        dir,
        encoder: m.encoder.name,
        created_at: m.created_at,
        promoted: basename(dir) === promoted,
      });
      ctx.print(
        `${model.version}\t${m.encoder.name}\t${m.params.numTrees} trees, depth ${m.params.maxDepth}` +
          `\tthreshold ${model.threshold.toFixed(3)}\t${m.created_at}\t${dir}` +
          (basename(dir) === promoted ? "\tpromoted" : ""),
      );
    }
    if (unusable.length > 0) {
      ctx.status(
        `fraudstream: ${unusable.length} of the ${versions.length} model versions in ` +
          `${config.modelsDir} cannot be loaded: ${unusable.join(", ")}; train them again or ` +
          "restore them",
      );
    }
    return {
      exitCode: unusable.length > 0 ? 1 : 0,
      report: { models: listed, promoted: promoted ?? null },
    };
  }
  if (config.args.action === "profile") return await profileCommand(config, ctx);
  const sparkDir = config.args.path;
  if (!sparkDir) {
    throw new UsageError("model import-spark needs the folder Spark's model.save() wrote");
  }
  // The name becomes a folder under --models-dir: one plain folder name, never a path.
  const version = config.args.name === undefined
    ? versionName(
      basename(sparkDir.replace(/\/+$/, "")),
      `the version name taken from the folder name of '${sparkDir}' (give a name after it)`,
    )
    : versionName(config.args.name, "the [name] of model import-spark");
  const modelDir = join(config.modelsDir, version);
  const manifest = await importSparkModel({
    sparkDir,
    modelDir,
    version,
    threshold: config.threshold,
    force: config.force,
  });
  ctx.print(
    `imported ${manifest.params.numTrees} trees (depth ${manifest.params.maxDepth}) from ` +
      `${sparkDir} into ${modelDir}, encoder ${manifest.encoder.name}; score with ` +
      `--model ${version}`,
  );
  return { exitCode: 0, report: { version, dir: modelDir, manifest } };
};

/** The positional arguments each action of `model` takes besides the action (its flags: `flagScope`). */
const ACTION_POSITIONALS: Record<string, string[]> = {
  "import-spark": ["path", "name"],
  list: [],
  promote: ["path"],
  profile: ["path"],
};

/**
 * Refuses an argument the action does not take: it would be silently ignored (`model list v1`).
 * The flags an action does not use are refused at start-up (`flagScope` in `config/commands.ts`).
 */
function checkActionArguments(config: Config): void {
  const action = config.args.action;
  const extra = ["path", "name"].find((name) =>
    config.args[name] !== undefined && !ACTION_POSITIONALS[action].includes(name)
  );
  if (extra !== undefined) {
    throw new UsageError(
      `'model ${action}' got an unexpected argument '${config.args[extra]}'; run ` +
        "'fraudstream model --help'",
    );
  }
}

/** `model promote VERSION|latest`: records the version that alerts, or clears the record. */
async function promote(
  modelsDir: string,
  version: string | undefined,
  ctx: CommandContext,
): Promise<CommandOutcome> {
  if (version === undefined) {
    throw new UsageError(
      "model promote needs a VERSION under --models-dir (or latest to follow the newest again)",
    );
  }
  if (version.trim() === "latest") {
    const cleared = await clearPromotion(modelsDir);
    ctx.print(
      (cleared ? "promotion cleared" : "no version was promoted") +
        `: consumers with --model latest on ${modelsDir} follow the newest version`,
    );
    return { exitCode: 0, report: { promoted: null, models_dir: modelsDir } };
  }
  const model = await promoteModel(modelsDir, version);
  ctx.print(
    `promoted ${model.version} (${model.dir}): consumers with --model latest on ${modelsDir} ` +
      "score and alert with it from their next batch after their next look (every 2 s), without " +
      "a restart; consumers pinned to a version keep theirs",
  );
  return {
    exitCode: 0,
    report: { promoted: model.version, dir: model.dir, models_dir: modelsDir },
  };
}

/** `fraudstream model profile MODEL --data DIR`: writes the model's `reference.json` from data. */
const profileCommand: CommandHandler = async (config, ctx) => {
  const choice = config.args.path;
  if (!choice) throw new UsageError("model profile needs the model: a version or a folder");
  if (!config.data) {
    throw new UsageError("model profile needs --data DIR (a folder of Sparkov-format CSV files)");
  }
  const dir = await resolveModelDir({ model: choice, modelsDir: config.modelsDir });
  const model = await loadModel(dir);
  const reference = await profileModel({
    model,
    dataDir: config.data,
    onStage: (stage) => ctx.status(`model profile: ${stage}`),
    onBadRow: (row) => ctx.status(`model profile: skipped ${row.file}:${row.line}: ${row.reason}`),
    signal: ctx.signal,
  });
  await writeReference(dir, reference);
  const path = join(dir, REFERENCE_FILE);
  ctx.print(
    `wrote ${path}: the distribution of model ${model.version}'s ${reference.features.length} ` +
      `features and score on ${reference.rows} rows of ${config.data}`,
  );
  return {
    exitCode: 0,
    report: { version: model.version, dir, file: path, rows: reference.rows },
  };
};
