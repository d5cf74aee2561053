/**
 * The offline pipeline: raw CSV (or already transformed Parquet) -> features -> hold-out split by
 * time and card -> Random Forest -> threshold chosen on the validation part -> figures on the
 * test part -> model folder with its report. With no hold-out every row trains, and no figures
 * are claimed: the threshold is the one given, or the default.
 *
 * @module
 */

import { join } from "node:path";
import { type BadRow, findCsvFiles, readColumns } from "./csv_columns.ts";
import { DEFAULT_ENCODER, type EncoderSettings, FEATURE_COUNT, FEATURES } from "./features.ts";
import { type FlatForest, flattenForest } from "./forest/flat.ts";
import type { StartTreeGrower } from "./forest/grow.ts";
import { binTrainingSet, type ForestParams, growForest } from "./forest/train.ts";
import { chooseThreshold, type Curves, curves, evaluate, type Evaluation } from "./metrics.ts";
import { checkModelTarget, loadModel, type ModelManifest, saveModel } from "./model_file.ts";
import { cardTimeOrder, replayFeatures } from "./replay.ts";
import { modelReportHtml } from "./report_html.ts";
import {
  featureReferences,
  REFERENCE_FILE,
  referenceDistribution,
  referenceText,
  scoreReference,
} from "./reference.ts";
import { release } from "./typed_memory.ts";
import { checkTrainable, stopIfInterrupted } from "./train_checks.ts";
import {
  DEFAULT_HOLDOUT,
  holdoutSplit,
  ROLE,
  rowsWithRole,
  splitRows,
  type SplitSettings,
} from "./split.ts";
import {
  type EncodedData,
  hasTransformed,
  readTransformed,
  sameFiles,
  sourceOf,
  writeTransformed,
} from "./transformed.ts";

/** Options of `trainModel`. */
export interface TrainModelOptions {
  /** Folder of raw Sparkov-format CSV files (searched recursively). */
  dataDir: string;
  /** Folder of the transformed Parquet data: read when present, written otherwise. */
  transformedDir?: string;
  /** Where the model folder is written. */
  modelDir: string;
  /** Name of the model version. */
  version: string;
  /** Name of the data version, recorded in the model. */
  dataVersion?: string;
  params: ForestParams;
  /**
   * Share of the cards and of the time span held out for validation and test (default 0.3);
   * 0: none, every row trains and no figures are computed.
   */
  holdout?: number;
  /** The split in detail (overrides `holdout`). */
  split?: Omit<SplitSettings, "seed">;
  /** Alert threshold; default: chosen on the validation part, 0.5 without one. */
  threshold?: number;
  /** Replace what is at `modelDir` even when it is not a model folder. */
  force?: boolean;
  encoder?: EncoderSettings;
  /** Trees grown at the same time. */
  workers: number;
  /** Where the trees grow: on worker threads in the program (the pipeline's grower). */
  grower: StartTreeGrower;
  onStage?: (stage: string) => void;
  onTree?: (done: number, total: number) => void;
  onBadRow?: (row: BadRow) => void;
  /** Stops the training (Ctrl-C) between its stages: no model is written then. */
  signal?: AbortSignal;
}

/** What training did and measured (snake_case: written by `--report`). */
export interface TrainReport {
  version: string;
  model_dir: string;
  rows: number;
  frauds: number;
  cards: number;
  bad_rows: number;
  /** Share of the cards and of the time span held out (0: none). */
  holdout: number;
  /** First day after the time cut (null when no time is held out). */
  cut_day: string | null;
  train_rows: number;
  validation_rows: number;
  test_rows: number;
  /** Rows that neither train nor test: they only give the per-card features their history. */
  history_rows: number;
  encoded_from: "csv" | "parquet";
  seconds: { encode: number; train: number; total: number };
  /** Training rows per second of forest training (all trees). */
  train_rows_per_second: number;
  threshold: number;
  /** Where the threshold comes from: the validation part, the caller, or the default 0.5. */
  threshold_from: ThresholdSource;
  /** Figures of the validation part (null without a hold-out). */
  validation: Evaluation | null;
  /** Figures of the test part (null without a hold-out). */
  test: Evaluation | null;
}

/** Where a trained model's threshold comes from. */
export type ThresholdSource = "validation" | "given" | "default";

/** The threshold of a model trained without a validation part, or whose part has no fraud. */
export const DEFAULT_THRESHOLD = 0.5;

function seconds(since: number): number {
  return Math.round((performance.now() - since) / 10) / 100;
}

/** Encodes the raw data (or reads its transformed version). */
export async function encodeData(
  options: Pick<
    TrainModelOptions,
    "dataDir" | "transformedDir" | "encoder" | "onStage" | "onBadRow" | "signal"
  >,
): Promise<{ data: EncodedData; from: "csv" | "parquet"; badRows: number }> {
  const encoder = options.encoder ?? DEFAULT_ENCODER;
  const files = await findCsvFiles(options.dataDir);
  // Taken before the files are read: a file that changes while it is read is encoded again later.
  const source = await sourceOf(files, 0);
  if (options.transformedDir && await hasTransformed(options.transformedDir)) {
    options.onStage?.(`reading transformed data from ${options.transformedDir}`);
    const data = await readTransformed(options.transformedDir);
    if (!sameFiles(data.source, source)) {
      // Other data under the same version name, or the same files changed since: the transformed
      // data does not stand for them.
      options.onStage?.(
        `the transformed data was not encoded from the CSV files in ${options.dataDir} as they ` +
          "are now; encoding again",
      );
    } else if (JSON.stringify(data.encoder) !== JSON.stringify(encoder)) {
      options.onStage?.("the transformed data used other encoder settings; encoding again");
    } else {
      return { data, from: "parquet", badRows: data.source!.bad_rows };
    }
  }
  options.onStage?.(`reading ${files.length} CSV files from ${options.dataDir}`);
  let badRows = 0;
  const columns = await readColumns(files, {
    onBadRow: (row) => {
      badRows++;
      options.onBadRow?.(row);
    },
    signal: options.signal,
  });
  options.onStage?.(
    `replaying the history of ${columns.cards.length} cards (${columns.length} rows)`,
  );
  const order = cardTimeOrder(columns);
  const features = replayFeatures(columns, encoder, order);
  // Only cards, times and labels go on: the other raw columns are freed now, before the next
  // large arrays are allocated.
  release(
    order,
    columns.amt,
    columns.category,
    columns.hour,
    columns.weekday,
    columns.age,
    columns.gender,
    columns.cityPop,
    columns.lat,
    columns.long,
    columns.merchLat,
    columns.merchLong,
  );
  const data: EncodedData = {
    length: columns.length,
    features,
    label: columns.label,
    card: columns.card,
    cards: columns.cards,
    time: columns.time,
    encoder,
    source: { ...source, bad_rows: badRows },
  };
  if (options.transformedDir) {
    options.onStage?.(`writing transformed data to ${options.transformedDir}`);
    await writeTransformed(options.transformedDir, data);
  }
  return { data, from: "csv", badRows };
}

/** Rows of one role, as feature columns and labels. */
export interface SelectedRows {
  columns: Float32Array[];
  labels: Uint8Array;
  count: number;
}

/** Rows of `data` with the given role, as feature columns and labels. */
export function selectRows(data: EncodedData, role: Uint8Array, wanted: number): SelectedRows {
  let count = 0;
  for (let i = 0; i < data.length; i++) if (role[i] === wanted) count++;
  const columns = data.features.map(() => new Float32Array(count));
  const labels = new Uint8Array(count);
  for (let i = 0, k = 0; i < data.length; i++) {
    if (role[i] !== wanted) continue;
    for (let f = 0; f < FEATURE_COUNT; f++) columns[f][k] = data.features[f][i];
    labels[k++] = data.label[i];
  }
  return { columns, labels, count };
}

/** Row-major copy of feature columns (the scorer's input layout). */
export function toRowMajor(columns: Float32Array[], count: number): Float32Array {
  const width = columns.length;
  const out = new Float32Array(count * width);
  for (let f = 0; f < width; f++) {
    const column = columns[f];
    for (let i = 0; i < count; i++) out[i * width + f] = column[i];
  }
  return out;
}

/** Scores the validation and test parts with the model as it will be loaded. */
async function scoreHeldOut(
  manifest: Omit<ModelManifest, "format" | "format_version" | "forest">,
  flat: FlatForest,
  parts: { validation: SelectedRows; test: SelectedRows },
): Promise<{ validation: Float32Array; test: Float32Array }> {
  const staging = await Deno.makeTempDir({ prefix: "fraudstream-staging-" });
  try {
    await saveModel(join(staging, "model"), manifest, flat);
    const model = await loadModel(join(staging, "model"));
    const { validation, test } = parts;
    return {
      validation: model.score(toRowMajor(validation.columns, validation.count), validation.count),
      test: model.score(toRowMajor(test.columns, test.count), test.count),
    };
  } finally {
    await Deno.remove(staging, { recursive: true });
  }
}

/** Trains, evaluates (on the hold-out, if any) and saves a model. */
export async function trainModel(options: TrainModelOptions): Promise<TrainReport> {
  const started = performance.now();
  // Refused before the work, not after it: the model's folder must be free or a model folder.
  await checkModelTarget(options.modelDir, { force: options.force });
  const holdout = options.holdout ?? DEFAULT_HOLDOUT;
  const { data, from, badRows } = await encodeData(options);
  stopIfInterrupted(options.signal);
  const encodeSeconds = seconds(started);
  const split = { ...(options.split ?? holdoutSplit(holdout)), seed: options.params.seed };
  const heldOut = split.trainCards < 1 || split.timeCut < 1;
  const { role, cutTime } = splitRows(data, split);
  const trainRows = rowsWithRole(role, ROLE.train);
  const validation = selectRows(data, role, ROLE.validation);
  const test = selectRows(data, role, ROLE.test);
  checkTrainable(data, { dataDir: options.dataDir, badRows, holdout, trainRows, test, heldOut });
  options.onStage?.(
    `training ${options.params.numTrees} trees of depth ${options.params.maxDepth} on ${trainRows.length} rows ` +
      `with ${options.workers} workers`,
  );
  const trainStarted = performance.now();
  // The training rows are binned straight from the feature columns (no float copy of them).
  const binned = binTrainingSet({
    features: data.features,
    labels: data.label,
    rows: trainRows,
    specs: FEATURES,
    params: options.params,
  });
  // The drift monitor's reference: the share of the training rows in each bin of each feature.
  const references = featureReferences(
    FEATURES,
    binned.bins,
    binned.columns.map((column) => new Uint8Array(column)),
    binned.n,
  );
  // Past here only the binned rows and the validation and test copies are read: the feature
  // columns of every row (4 bytes per feature and row) are freed before the trees grow.
  const features = data.features;
  data.features = [];
  release(...features);
  const trained = await growForest(binned, {
    specs: FEATURES,
    params: options.params,
    workers: options.workers,
    grower: options.grower,
    onTree: options.onTree,
  });
  stopIfInterrupted(options.signal);
  const trainSeconds = seconds(trainStarted);
  const flat = flattenForest(trained.trees, FEATURE_COUNT);

  const manifest: Omit<ModelManifest, "format" | "format_version" | "forest"> = {
    version: options.version,
    created_at: new Date().toISOString(),
    encoder: {
      name: "fraudstream",
      settings: data.encoder,
      features: FEATURES.map((f) => f.name),
    },
    threshold: options.threshold ?? DEFAULT_THRESHOLD,
    params: { ...options.params },
    bins: trained.bins.map((b) => ({ kind: b.kind, edges: Array.from(b.edges), count: b.count })),
  };
  let threshold = manifest.threshold;
  let thresholdFrom: ThresholdSource = options.threshold === undefined ? "default" : "given";
  let figures: { validation: Evaluation; test: Evaluation; testCurves: Curves } | undefined;
  let scoreRef: ReturnType<typeof scoreReference> | null = null;
  if (heldOut) {
    options.onStage?.("choosing the threshold on the validation part, evaluating on the test part");
    const scores = await scoreHeldOut(manifest, flat, { validation, test });
    if (validation.count > 0) scoreRef = scoreReference(scores.validation, "validation part");
    let validationFrauds = 0;
    for (let i = 0; i < validation.count; i++) validationFrauds += validation.labels[i];
    if (options.threshold === undefined && validationFrauds > 0) {
      threshold = chooseThreshold(scores.validation, validation.labels);
      thresholdFrom = "validation";
    }
    figures = {
      validation: evaluate(scores.validation, validation.labels, threshold),
      test: evaluate(scores.test, test.labels, threshold),
      testCurves: curves(scores.test, test.labels),
    };
  }
  let frauds = 0;
  for (let i = 0; i < data.length; i++) frauds += data.label[i];
  const days = (t: number) =>
    new Date(Math.floor(t / 86_400) * 86_400_000).toISOString().slice(0, 10);
  let first = Infinity, last = -Infinity;
  for (let i = 0; i < data.length; i++) {
    if (data.time[i] < first) first = data.time[i];
    if (data.time[i] > last) last = data.time[i];
  }
  const cutDay = Number.isFinite(cutTime) && data.length ? days(cutTime) : null;
  const historyRows = data.length - trainRows.length - validation.count - test.count;
  const dataSummary = {
    version: options.dataVersion ?? null,
    source: options.dataDir,
    rows: data.length,
    frauds,
    cards: data.cards.length,
    bad_rows: badRows,
    first_day: data.length ? days(first) : null,
    last_day: data.length ? days(last) : null,
    split: { holdout, ...split, cut_day: cutDay },
    train_rows: trainRows.length,
    validation_rows: validation.count,
    test_rows: test.count,
    history_rows: historyRows,
    threshold_from: thresholdFrom,
  };
  const importance = FEATURES.map((f, i) => ({
    feature: f.name,
    importance: trained.importance[i],
  }))
    .sort((a, b) => b.importance - a.importance);
  const full = {
    ...manifest,
    threshold,
    data: dataSummary,
    ...(figures ? { metrics: { validation: figures.validation, test: figures.test } } : {}),
    importance,
  };
  const html = modelReportHtml({
    manifest: full,
    thresholdFrom,
    heldOut: figures &&
      { test: figures.test, validation: figures.validation, curves: figures.testCurves },
  });
  const reference = referenceDistribution(full, {
    source: "training rows",
    rows: binned.n,
    features: references,
    score: scoreRef,
  });
  stopIfInterrupted(options.signal);
  await saveModel(options.modelDir, full, flat, {
    extraFiles: { "report.html": html, [REFERENCE_FILE]: referenceText(reference) },
    force: options.force,
  });
  return {
    version: options.version,
    model_dir: options.modelDir,
    rows: data.length,
    frauds,
    cards: data.cards.length,
    bad_rows: badRows,
    holdout,
    cut_day: cutDay,
    train_rows: trainRows.length,
    validation_rows: validation.count,
    test_rows: test.count,
    history_rows: historyRows,
    encoded_from: from,
    seconds: { encode: encodeSeconds, train: trainSeconds, total: seconds(started) },
    train_rows_per_second: Math.round(trainRows.length / Math.max(trainSeconds, 0.001)),
    threshold,
    threshold_from: thresholdFrom,
    validation: figures?.validation ?? null,
    test: figures?.test ?? null,
  };
}

/** Folder of a model version under `modelsDir`. */
export function modelDir(modelsDir: string, version: string): string {
  return join(modelsDir, version);
}
