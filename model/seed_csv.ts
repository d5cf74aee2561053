/**
 * Reads Sparkov-format CSV files straight into the seed's feature rows (`spark-seed` encoder),
 * in batches, so imported seed models can be evaluated on data of any size: the seed's encoding
 * needs no card history, so nothing but the current batch is held.
 *
 * @module
 */

import { sliceRows } from "./column_rows.ts";
import type { BadRow } from "./csv_columns.ts";
import { parseCsvChunk } from "./csv_chunk.ts";
import { readLineBlocks } from "./csv_lines.ts";
import { parseTransactionLine } from "./row_validator.ts";
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

/**
 * The seed's fields of one CSV line, or the reason the line is not a valid row (the one row
 * validator's rules).
 */
export function parseSeedLine(line: string): SeedInput & { is_fraud: number } | string {
  const row = parseTransactionLine(line);
  if ("reason" in row) return row.reason;
  return {
    gender: row.gender,
    state: row.state,
    city_pop: row.city_pop,
    job: row.job,
    profile: row.profile,
    trans_time: row.trans_time,
    unix_time: row.unix_time,
    category: row.category,
    amt: row.amt,
    merchant: row.merchant,
    is_fraud: row.is_fraud,
  };
}

/**
 * Streams the seed's features of every valid row of `files`, in file order, batch by batch (each
 * block of lines read into columns by the one CSV chunk reader, `csv_chunk.ts`).
 */
export async function* readSeedBatches(
  files: string[],
  options: SeedBatchOptions = {},
): AsyncGenerator<SeedBatch> {
  const batchRows = options.batchRows ?? 65_536;
  const encoder = new SeedEncoder();
  let features = new Float64Array(batchRows * SEED_FEATURE_COUNT);
  let labels = new Uint8Array(batchRows);
  let rows = 0;
  for (const path of files) {
    for await (const { buffer, starts, firstLine, end } of readLineBlocks(path, BLOCK)) {
      if (starts.length === 0) continue;
      const chunk = parseCsvChunk(buffer.subarray(starts[0], end), { startsFile: firstLine === 1 });
      for (const { line, reason } of chunk.bad) {
        options.onBadRow?.({ file: path, line: firstLine + line, reason });
      }
      const columns = chunk.columns;
      for (let from = 0; from < columns.length;) {
        const to = Math.min(columns.length, from + batchRows - rows);
        encoder.encodeColumns(sliceRows(columns, from, to), features, rows);
        labels.set(columns.isFraud.subarray(from, to), rows);
        rows += to - from;
        from = to;
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
