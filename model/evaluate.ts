/**
 * Scores any folder of Sparkov-format CSV files with a model, the whole data set as the test set
 * (each card's history replayed in time order; imported seed models use the seed's encoding), and
 * measures it; optionally writes every row's score to a file (`scores_file.ts`).
 *
 * @module
 */

import { type BadRow, findCsvFiles, NoDataError, readColumns } from "./csv_columns.ts";
import { throwIfInterrupted } from "../actors/lib/errors.ts";
import { FEATURE_COUNT } from "./features.ts";
import { type Curves, curves, evaluate, type Evaluation } from "./metrics.ts";
import { type LoadedModel, ModelFormatError } from "./model_file.ts";
import { cardTimeOrder, replayFeatures } from "./replay.ts";
import { checkScoresPath, lineKey, writeScoresFile } from "./scores_file.ts";
import { readSeedBatches } from "./seed_csv.ts";
import { SEED_ENCODER } from "./seed_encoding.ts";

/** Options of `evaluateModel`. */
export interface EvaluateOptions {
  model: LoadedModel;
  dataDir: string;
  /** Overrides the model's threshold. */
  threshold?: number;
  /** Writes every scored row (trans_num, cc_num, label, score) to this .csv or .parquet file. */
  scoresOut?: string;
  onStage?: (stage: string) => void;
  onBadRow?: (row: BadRow) => void;
  /** Stops the evaluation (Ctrl-C) before the scores file is written: `InterruptedError`. */
  signal?: AbortSignal;
}

/** The figures, with what was scored. */
export interface EvaluationReport extends Evaluation {
  model_version: string;
  data: string;
  files: number;
  bad_rows: number;
  seconds: number;
  /** The file the per-row scores were written to, if asked. */
  scores_out?: string;
  curves: Curves;
}

const CHUNK = 1 << 16;

/** Evaluates `options.model` on the CSV files under `options.dataDir`. */
export async function evaluateModel(options: EvaluateOptions): Promise<EvaluationReport> {
  const started = performance.now();
  const { model } = options;
  const encoder = model.manifest.encoder.name;
  if (encoder !== "fraudstream" && encoder !== SEED_ENCODER) {
    throw new ModelFormatError(`model ${model.version} uses an unknown encoding '${encoder}'`);
  }
  if (options.scoresOut) await checkScoresPath(options.scoresOut);
  const files = await findCsvFiles(options.dataDir);
  options.onStage?.(`reading ${files.length} CSV files from ${options.dataDir}`);
  let badRows = 0;
  const skipped = new Set<string>();
  const onBadRow = (row: BadRow) => {
    badRows++;
    if (options.scoresOut) skipped.add(lineKey(row.file, row.line));
    options.onBadRow?.(row);
  };
  const { scores, labels } = encoder === SEED_ENCODER
    ? await scoreSeedEncoded(model, files, onBadRow)
    : await scoreReplayed(model, files, options, onBadRow);
  throwIfInterrupted(options.signal, "evaluate was stopped; nothing was written");
  if (scores.length === 0) {
    throw new NoDataError(
      `no valid transactions in ${options.dataDir}` +
        (badRows > 0 ? ` (${badRows} rows skipped as bad)` : "") + "; nothing to evaluate",
    );
  }
  const threshold = options.threshold ?? model.threshold;
  if (options.scoresOut) {
    options.onStage?.(`writing the scores of ${scores.length} rows to ${options.scoresOut}`);
    await writeScoresFile(options.scoresOut, { files, skipped, scores, labels });
  }
  return {
    ...evaluate(scores, labels, threshold),
    model_version: model.version,
    data: options.dataDir,
    files: files.length,
    bad_rows: badRows,
    seconds: Math.round((performance.now() - started) / 10) / 100,
    ...(options.scoresOut ? { scores_out: options.scoresOut } : {}),
    curves: curves(scores, labels),
  };
}

/** fraudstream encoding: every card's history replayed in time order, then scored in chunks. */
async function scoreReplayed(
  model: LoadedModel,
  files: string[],
  options: EvaluateOptions,
  onBadRow: (row: BadRow) => void,
): Promise<{ scores: Float32Array; labels: Uint8Array }> {
  const columns = await readColumns(files, { onBadRow, signal: options.signal });
  options.onStage?.(`replaying ${columns.cards.length} cards, scoring ${columns.length} rows`);
  const features = replayFeatures(columns, model.encoder, cardTimeOrder(columns));
  return { scores: scoreFeatureColumns(model, features, columns.length), labels: columns.label };
}

/** Scores `length` rows given as feature columns (fraudstream encoding), in chunks. */
export function scoreFeatureColumns(
  model: LoadedModel,
  features: Float32Array[],
  length: number,
): Float32Array {
  const scores = new Float32Array(length);
  const rows = new Float32Array(CHUNK * FEATURE_COUNT);
  for (let start = 0; start < length; start += CHUNK) {
    const count = Math.min(CHUNK, length - start);
    for (let f = 0; f < FEATURE_COUNT; f++) {
      const column = features[f];
      for (let i = 0; i < count; i++) rows[i * FEATURE_COUNT + f] = column[start + i];
    }
    scores.set(model.score(rows, count), start);
  }
  return scores;
}

/** The seed's encoding (no card history): rows are encoded and scored as they stream in. */
async function scoreSeedEncoded(
  model: LoadedModel,
  files: string[],
  onBadRow: (row: BadRow) => void,
): Promise<{ scores: Float32Array; labels: Uint8Array }> {
  const scoreParts: Float32Array[] = [];
  const labelParts: Uint8Array[] = [];
  let total = 0;
  for await (const batch of readSeedBatches(files, { batchRows: CHUNK, onBadRow })) {
    scoreParts.push(model.score(batch.features, batch.rows));
    labelParts.push(batch.labels.slice());
    total += batch.rows;
  }
  const scores = new Float32Array(total);
  const labels = new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < scoreParts.length; i++) {
    scores.set(scoreParts[i], at);
    labels.set(labelParts[i], at);
    at += scoreParts[i].length;
  }
  return { scores, labels };
}
