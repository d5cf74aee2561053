/**
 * Reads Sparkov-format CSV files straight into the seed's feature rows (`spark-seed` encoder),
 * in batches, so imported seed models can be evaluated on data of any size: the seed's encoding
 * needs no card history, so nothing but the current batch is held.
 *
 * @module
 */

import type { BadRow } from "./csv_columns.ts";
import { readLineBlocks } from "./csv_lines.ts";
import { CheckedLine, checkLine } from "./row_validator.ts";
import { CATEGORIES, COLUMNS, HEADER } from "./schema.ts";
import { SEED_FEATURE_COUNT, SeedEncoder, type SeedInput } from "./seed_encoding.ts";

/** Rows of one batch: the seed's features (row-major, 64-bit) and the labels. */
export interface SeedBatch {
  /** Rows in the batch. */
  rows: number;
  /** `SEED_FEATURE_COUNT` values per row. */
  features: Float64Array;
  /** `is_fraud` per row. */
  labels: Uint8Array;
}

/** Options of `readSeedBatches`. */
export interface SeedBatchOptions {
  /** Rows per batch (default 65,536). */
  batchRows?: number;
  onBadRow?: (row: BadRow) => void;
}

const BLOCK = 4 << 20;
const FIELD = Object.fromEntries(COLUMNS.map((name, i) => [name, i])) as Record<
  typeof COLUMNS[number],
  number
>;
const checked = new CheckedLine();

/**
 * The seed's fields of one CSV line, or the reason the line is not a valid row (the one row
 * validator's rules).
 */
export function parseSeedLine(line: string): SeedInput & { is_fraud: number } | string {
  const reason = checkLine(line, checked);
  if (reason !== undefined) return reason;
  return {
    gender: checked.gender,
    state: checked.field(FIELD.state),
    city_pop: checked.cityPop,
    job: checked.field(FIELD.job),
    profile: checked.field(FIELD.profile),
    trans_time: checked.field(FIELD.trans_time),
    unix_time: checked.unixTime,
    category: CATEGORIES[checked.category],
    amt: checked.amt,
    merchant: checked.field(FIELD.merchant),
    is_fraud: checked.isFraud,
  };
}

/** Streams the seed's features of every valid row of `files`, in file order, batch by batch. */
export async function* readSeedBatches(
  files: string[],
  options: SeedBatchOptions = {},
): AsyncGenerator<SeedBatch> {
  const batchRows = options.batchRows ?? 65_536;
  const encoder = new SeedEncoder();
  const decoder = new TextDecoder();
  let features = new Float64Array(batchRows * SEED_FEATURE_COUNT);
  let labels = new Uint8Array(batchRows);
  let rows = 0;
  for (const path of files) {
    for await (const { buffer, starts, ends, firstLine } of readLineBlocks(path, BLOCK)) {
      for (let i = 0; i < starts.length; i++) {
        const line = firstLine + i;
        const text = decoder.decode(buffer.subarray(starts[i], ends[i]));
        if (text === "" || (line === 1 && text === HEADER)) continue;
        const row = parseSeedLine(text);
        if (typeof row === "string") {
          options.onBadRow?.({ file: path, line, reason: row });
          continue;
        }
        encoder.encodeInto(row, features, rows * SEED_FEATURE_COUNT);
        labels[rows++] = row.is_fraud;
        if (rows === batchRows) {
          yield { rows, features, labels };
          features = new Float64Array(batchRows * SEED_FEATURE_COUNT);
          labels = new Uint8Array(batchRows);
          rows = 0;
        }
      }
    }
  }
  if (rows > 0) {
    yield {
      rows,
      features: features.subarray(0, rows * SEED_FEATURE_COUNT),
      labels: labels.subarray(0, rows),
    };
  }
}
