/**
 * The seed's feature encoding, kept as the named legacy encoder `spark-seed` so that models
 * trained by the seed's Spark pipeline can be imported and scored as they were trained: ten
 * features in the seed's order, every text value replaced by the last five hex digits of its MD5
 * as an integer, and `trans_date` being that hash of `trans_time` (as the seed computed it).
 *
 * Kept for migration and comparison only: hashed categories used as ordered numbers, absolute
 * time and the generator's `profile` label are what made the seed's model weak.
 *
 * @module
 */

import { timeText, type TransactionColumns } from "./columns.ts";
import { md5Words } from "./md5.ts";
import { CATEGORIES, type Transaction } from "./schema.ts";
import { TextMemo } from "./text_memo.ts";

/** Name of the legacy encoder in a model's manifest. */
export const SEED_ENCODER = "spark-seed";

/** The seed's features, in the order of its feature vector. */
export const SEED_FEATURES = [
  "gender",
  "state",
  "city_pop",
  "job",
  "profile",
  "trans_date",
  "unix_time",
  "category",
  "amt",
  "merchant",
] as const;

/** Number of the seed's features. */
export const SEED_FEATURE_COUNT: number = SEED_FEATURES.length;

const encoder = new TextEncoder();

/** The seed's hash of a text value: the last five hex digits of its MD5, as an integer. */
export function seedHash(text: string): number {
  const d = md5Words(encoder.encode(text))[3];
  // Digest bytes 13..15 are the last 2.5 bytes of the last word (little-endian).
  return (((d >>> 8) & 0x0f) << 16) | (((d >>> 16) & 0xff) << 8) | ((d >>> 24) & 0xff);
}

/** The fields the seed's encoding reads from a transaction. */
export type SeedInput = Pick<
  Transaction,
  | "gender"
  | "state"
  | "city_pop"
  | "job"
  | "profile"
  | "trans_time"
  | "unix_time"
  | "category"
  | "amt"
  | "merchant"
>;

/** The seed's hashes of `F` and `M` (gender codes 0 and 1) and of each category, by index. */
const GENDER_HASHES = [seedHash("F"), seedHash("M")];
const CATEGORY_HASHES = CATEGORIES.map(seedHash);

/**
 * Encodes transactions the seed's way into rows of 64-bit values (`unix_time` needs more
 * precision than 32-bit floats have), from objects or from columns. Hashes are cached, as the text
 * values repeat.
 */
export class SeedEncoder {
  readonly #cache = new Map<string, number>();
  /** Hashes of the text columns' values, by their bytes. */
  readonly #textHashes = new TextMemo(seedHash);
  /** Hashes of `trans_time`, by second of the day. */
  readonly #timeHashes = new Map<number, number>();

  /** The seed's hash of `text` (cached). */
  hash(text: string): number {
    let value = this.#cache.get(text);
    if (value === undefined) {
      value = seedHash(text);
      if (this.#cache.size < 1_000_000) this.#cache.set(text, value);
    }
    return value;
  }

  /** Writes the ten features of `row` into `out` at `offset`. */
  encodeInto(row: SeedInput, out: Float64Array, offset: number): void {
    out[offset] = this.hash(row.gender);
    out[offset + 1] = this.hash(row.state);
    out[offset + 2] = row.city_pop;
    out[offset + 3] = this.hash(row.job);
    out[offset + 4] = this.hash(row.profile);
    out[offset + 5] = this.hash(row.trans_time);
    out[offset + 6] = row.unix_time;
    out[offset + 7] = this.hash(row.category);
    out[offset + 8] = row.amt;
    out[offset + 9] = this.hash(row.merchant);
  }

  /**
   * Writes the ten features of every row of `columns` into `out` from row `outRow` on
   * (row-major): the values `encodeInto` gives the same rows as objects.
   */
  encodeColumns(columns: TransactionColumns, out: Float64Array, outRow = 0): void {
    if ((outRow + columns.length) * SEED_FEATURE_COUNT > out.length) {
      throw new RangeError(
        `a seed feature matrix of ${out.length} values has no room for the rows`,
      );
    }
    const { state, job, profile, merchant } = columns.text;
    const texts = this.#textHashes;
    for (let i = 0; i < columns.length; i++) {
      const at = (outRow + i) * SEED_FEATURE_COUNT;
      out[at] = GENDER_HASHES[columns.gender[i]];
      out[at + 1] = texts.valueOf(state.bytes, state.start[i], state.end[i]);
      out[at + 2] = columns.cityPop[i];
      out[at + 3] = texts.valueOf(job.bytes, job.start[i], job.end[i]);
      out[at + 4] = texts.valueOf(profile.bytes, profile.start[i], profile.end[i]);
      out[at + 5] = this.#timeHash(columns.transTime[i]);
      out[at + 6] = columns.unixTime[i];
      out[at + 7] = CATEGORY_HASHES[columns.category[i]];
      out[at + 8] = columns.amt[i];
      out[at + 9] = texts.valueOf(merchant.bytes, merchant.start[i], merchant.end[i]);
    }
  }

  #timeHash(second: number): number {
    let value = this.#timeHashes.get(second);
    if (value === undefined) this.#timeHashes.set(second, value = seedHash(timeText(second)));
    return value;
  }

  /** The features of `rows`, row-major (`SEED_FEATURE_COUNT` values per row). */
  encode(rows: readonly SeedInput[]): Float64Array {
    const out = new Float64Array(rows.length * SEED_FEATURE_COUNT);
    for (let i = 0; i < rows.length; i++) this.encodeInto(rows[i], out, i * SEED_FEATURE_COUNT);
    return out;
  }
}
