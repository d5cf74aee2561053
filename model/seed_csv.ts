/**
 * Reads Sparkov-format CSV files straight into the seed's feature rows (`spark-seed` encoder),
 * in batches, so imported seed models can be evaluated on data of any size: the seed's encoding
 * needs no card history, so nothing but the current batch is held.
 *
 * @module
 */

import type { BadRow } from "./csv_columns.ts";
import { readLineBlocks } from "./csv_lines.ts";
import { CATEGORIES, COLUMNS, CSV_SEPARATOR, HEADER } from "./schema.ts";
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
const CATEGORY_SET = new Set<string>(CATEGORIES);
const FIELD = Object.fromEntries(COLUMNS.map((name, i) => [name, i])) as Record<
  typeof COLUMNS[number],
  number
>;

/** The seed's fields of one CSV line, or the reason the line is not a valid row. */
export function parseSeedLine(line: string): SeedInput & { is_fraud: number } | string {
  const f = line.split(CSV_SEPARATOR);
  if (f.length !== COLUMNS.length) {
    return `expected ${COLUMNS.length} fields separated by '|', found ${f.length}`;
  }
  const gender = f[FIELD.gender];
  if (gender !== "M" && gender !== "F") return "gender must be M or F";
  const cityPop = Number(f[FIELD.city_pop]);
  if (f[FIELD.city_pop] === "" || !(cityPop >= 0)) return "city_pop must be a whole number";
  const unixTime = Number(f[FIELD.unix_time]);
  if (f[FIELD.unix_time] === "" || !Number.isFinite(unixTime)) return "unix_time must be a number";
  const amt = Number(f[FIELD.amt]);
  if (f[FIELD.amt] === "" || !(amt >= 0)) return "amt must be a non-negative number";
  const category = f[FIELD.category];
  if (!CATEGORY_SET.has(category)) return "unknown category";
  const fraud = f[FIELD.is_fraud];
  if (fraud !== "0" && fraud !== "1") return "is_fraud must be 0 or 1";
  if (!/^\d\d:\d\d:\d\d$/.test(f[FIELD.trans_time])) return "trans_time must be HH:MM:SS";
  return {
    gender,
    state: f[FIELD.state],
    city_pop: cityPop,
    job: f[FIELD.job],
    profile: f[FIELD.profile],
    trans_time: f[FIELD.trans_time],
    unix_time: unixTime,
    category: category as SeedInput["category"],
    amt,
    merchant: f[FIELD.merchant],
    is_fraud: fraud === "1" ? 1 : 0,
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
