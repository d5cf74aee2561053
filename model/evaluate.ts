/**
 * Scores any folder of Sparkov-format CSV files with a model, the whole data set as the test set
 * (each card's history replayed in time order), and measures it.
 *
 * @module
 */

import { type BadRow, findCsvFiles, readColumns } from "./csv_columns.ts";
import { FEATURE_COUNT } from "./features.ts";
import { type Curves, curves, evaluate, type Evaluation } from "./metrics.ts";
import { type LoadedModel, ModelFormatError } from "./model_file.ts";
import { cardTimeOrder, replayFeatures } from "./replay.ts";

/** Options of `evaluateModel`. */
export interface EvaluateOptions {
  model: LoadedModel;
  dataDir: string;
  /** Overrides the model's threshold. */
  threshold?: number;
  onStage?: (stage: string) => void;
  onBadRow?: (row: BadRow) => void;
}

/** The figures, with what was scored. */
export interface EvaluationReport extends Evaluation {
  model_version: string;
  data: string;
  files: number;
  bad_rows: number;
  seconds: number;
  curves: Curves;
}

const CHUNK = 1 << 16;

/** Evaluates `options.model` on the CSV files under `options.dataDir`. */
export async function evaluateModel(options: EvaluateOptions): Promise<EvaluationReport> {
  const started = performance.now();
  const { model } = options;
  if (model.manifest.encoder.name !== "fraudstream") {
    throw new ModelFormatError(
      `model ${model.version} uses the '${model.manifest.encoder.name}' encoding; evaluate it with the seed's pipeline`,
    );
  }
  const files = await findCsvFiles(options.dataDir);
  options.onStage?.(`reading ${files.length} CSV files from ${options.dataDir}`);
  let badRows = 0;
  const columns = await readColumns(files, {
    onBadRow: (row) => {
      badRows++;
      options.onBadRow?.(row);
    },
  });
  options.onStage?.(`replaying ${columns.cards.length} cards, scoring ${columns.length} rows`);
  const features = replayFeatures(columns, model.encoder, cardTimeOrder(columns));
  const scores = new Float32Array(columns.length);
  const rows = new Float32Array(CHUNK * FEATURE_COUNT);
  for (let start = 0; start < columns.length; start += CHUNK) {
    const count = Math.min(CHUNK, columns.length - start);
    for (let f = 0; f < FEATURE_COUNT; f++) {
      const column = features[f];
      for (let i = 0; i < count; i++) rows[i * FEATURE_COUNT + f] = column[start + i];
    }
    scores.set(model.score(rows, count), start);
  }
  const threshold = options.threshold ?? model.threshold;
  return {
    ...evaluate(scores, columns.label, threshold),
    model_version: model.version,
    data: options.dataDir,
    files: files.length,
    bad_rows: badRows,
    seconds: Math.round((performance.now() - started) / 10) / 100,
    curves: curves(scores, columns.label),
  };
}
