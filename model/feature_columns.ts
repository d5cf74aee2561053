/**
 * The columns a transaction's features are computed from (`CardTable.encode`): the numbers of a
 * column batch, without its texts, ids and labels. Packed into one buffer of their own, they move
 * to the scoring worker that holds the partition's card states in one transfer.
 *
 * @example
 * ```ts
 * const packed = packFeatureColumns(columns, 0, columns.length);
 * worker.call({ ...request, columns: packed }, { transfer: [featureColumnsBuffer(packed)] });
 * ```
 *
 * @module
 */

import type { TransactionColumns } from "./columns.ts";

/** The columns the features read. */
export type FeatureColumns = Pick<
  TransactionColumns,
  | "length"
  | "card"
  | "gender"
  | "lat"
  | "long"
  | "cityPop"
  | "dob"
  | "transDate"
  | "transTime"
  | "category"
  | "amt"
  | "merchLat"
  | "merchLong"
>;

const FLOAT_COLUMNS = ["lat", "long", "cityPop", "amt", "merchLat", "merchLong"] as const;
const INT_COLUMNS = ["dob", "transDate", "transTime"] as const;
const BYTE_COLUMNS = ["gender", "category"] as const;

/** Bytes a row takes packed: six 64-bit floats, three 32-bit integers, two words, two bytes. */
const ROW_BYTES = 8 * FLOAT_COLUMNS.length + 4 * INT_COLUMNS.length + 8 + BYTE_COLUMNS.length;

/**
 * Rows `[from, to)` of the feature columns of `columns`, copied into one new buffer that every
 * column of the result is a view of (`featureColumnsBuffer`).
 *
 * @throws {RangeError} a range outside `columns`.
 */
export function packFeatureColumns(
  columns: FeatureColumns,
  from: number,
  to: number,
): FeatureColumns {
  if (!(from >= 0 && from <= to && to <= columns.length)) {
    throw new RangeError(`rows ${from} to ${to} are not rows of a batch of ${columns.length}`);
  }
  const rows = to - from;
  const buffer = new ArrayBuffer(ROW_BYTES * rows);
  let at = 0;
  const floats = {} as Record<typeof FLOAT_COLUMNS[number], Float64Array>;
  for (const name of FLOAT_COLUMNS) {
    floats[name] = new Float64Array(buffer, at, rows);
    floats[name].set(columns[name].subarray(from, to));
    at += 8 * rows;
  }
  const ints = {} as Record<typeof INT_COLUMNS[number], Int32Array>;
  for (const name of INT_COLUMNS) {
    ints[name] = new Int32Array(buffer, at, rows);
    ints[name].set(columns[name].subarray(from, to));
    at += 4 * rows;
  }
  const card = new Uint32Array(buffer, at, 2 * rows);
  card.set(columns.card.subarray(2 * from, 2 * to));
  at += 8 * rows;
  const bytes = {} as Record<typeof BYTE_COLUMNS[number], Uint8Array>;
  for (const name of BYTE_COLUMNS) {
    bytes[name] = new Uint8Array(buffer, at, rows);
    bytes[name].set(columns[name].subarray(from, to));
    at += rows;
  }
  return { length: rows, card, ...floats, ...ints, ...bytes };
}

/** The one buffer of columns made by `packFeatureColumns`, to move with them. */
export function featureColumnsBuffer(columns: FeatureColumns): ArrayBuffer {
  return columns.amt.buffer as ArrayBuffer;
}
