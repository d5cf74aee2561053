/**
 * Computes a model's reference distribution from a folder of Sparkov-format CSV files: each
 * card's history replayed in time order (as training does), each feature binned with the model's
 * own training bins, every row scored for the score's deciles. The rows of the data's first
 * longest card window (7 days) are left out, as the live window leaves them out. `fraudstream model profile` writes
 * it into the model folder, for a model trained before references existed (or on other data).
 *
 * @module
 */

import { throwIfInterrupted } from "../actors/lib/errors.ts";
import { type BadRow, findCsvFiles, readColumns } from "./csv_columns.ts";
import { scoreFeatureColumns } from "./evaluate.ts";
import { FEATURES } from "./features.ts";
import { binValues, type FeatureBins } from "./forest/binning.ts";
import { type LoadedModel, ModelFormatError } from "./model_file.ts";
import {
  featureReferences,
  type ReferenceDistribution,
  referenceDistribution,
  scoreReference,
} from "./reference.ts";
import { cardTimeOrder, replayFeatures } from "./replay.ts";

/** Options of `profileModel`. */
export interface ProfileOptions {
  model: LoadedModel;
  /** Folder of Sparkov-format CSV files (searched recursively). */
  dataDir: string;
  onStage?: (stage: string) => void;
  onBadRow?: (row: BadRow) => void;
  /** Stops the profile (Ctrl-C): `profileModel` then throws `InterruptedError`. */
  signal?: AbortSignal;
}

/** What an interrupted profile says. */
const STOPPED = "model profile was interrupted; no reference was written";

/**
 * The reference distribution of `options.model` on the data in `options.dataDir`.
 *
 * @throws {ModelFormatError} for a model without training bins (an imported Spark model).
 * @throws {InterruptedError} when `options.signal` is aborted before the reference is complete.
 */
export async function profileModel(options: ProfileOptions): Promise<ReferenceDistribution> {
  const { model } = options;
  const manifest = model.manifest;
  if (manifest.encoder.name !== "fraudstream" || !manifest.bins) {
    throw new ModelFormatError(
      `model ${model.version} has no training bins (encoder ${manifest.encoder.name}); only ` +
        "models trained by fraudstream can be profiled",
    );
  }
  const files = await findCsvFiles(options.dataDir);
  throwIfInterrupted(options.signal, STOPPED);
  options.onStage?.(`reading ${files.length} CSV files from ${options.dataDir}`);
  const columns = await readColumns(files, {
    onBadRow: options.onBadRow,
    signal: options.signal,
  });
  if (columns.length === 0) {
    throw new ModelFormatError(`no transactions in ${options.dataDir} to profile the model on`);
  }
  options.onStage?.(`replaying ${columns.cards.length} cards, scoring ${columns.length} rows`);
  const features = replayFeatures(columns, model.encoder, cardTimeOrder(columns));
  throwIfInterrupted(options.signal, STOPPED);
  const bins: FeatureBins[] = manifest.bins.map((b) => ({
    kind: b.kind,
    edges: Float32Array.from(b.edges),
    count: b.count,
  }));
  const binned = features.map((column, f) => binValues(column, bins[f]) as Uint8Array);
  const scores = scoreFeatureColumns(model, features, columns.length);
  throwIfInterrupted(options.signal, STOPPED);
  // As the live window does, the rows of the data's first longest card window are left out: the
  // cards' histories are still building up there.
  const warm = warmRows(columns.time, Math.max(...model.encoder.windows));
  if (warm.length === 0) {
    throw new ModelFormatError(
      `the data in ${options.dataDir} spans less than the cards' longest window ` +
        `(${Math.max(...model.encoder.windows) / 86_400} days); profile on a longer span`,
    );
  }
  const source = `profile of ${options.dataDir}`;
  return referenceDistribution(manifest, {
    source,
    rows: warm.length,
    features: featureReferences(FEATURES, bins, binned, columns.length, warm),
    score: scoreReference(Float32Array.from(warm, (i) => scores[i]), source),
  });
}

/** The rows at least `warmup` seconds after the earliest one. */
export function warmRows(time: Float64Array, warmup: number): Uint32Array {
  let first = Number.POSITIVE_INFINITY;
  for (let i = 0; i < time.length; i++) if (time[i] < first) first = time[i];
  const rows: number[] = [];
  for (let i = 0; i < time.length; i++) if (time[i] >= first + warmup) rows.push(i);
  return Uint32Array.from(rows);
}
