/**
 * Reads an Arrow message of transactions as columns. A message of the wire schema v2 as
 * `arrow_writer.ts` writes it (its schema and dictionary messages byte for byte ours, one
 * compare) is read without apache-arrow and without copying: every column is a view over the
 * message body (copied once into an aligned buffer when the body does not start 8-byte aligned, as
 * Kafka fetch buffers often do not). Any other stream, from pyarrow or an older fraudstream, is
 * read through apache-arrow (`arrow_table_columns.ts`). Either way the values are then checked
 * with the one row validator (`checkColumns`). Views keep the buffer under the body (a whole
 * fetch buffer, when the body is part of one) alive as long as the columns are.
 *
 * @module
 */

import type { TextColumn, TextColumnName, TransactionColumns } from "../../../model/columns.ts";
import { checkColumns } from "../../../model/row_validator.ts";
import { CONTINUATION, END_OF_STREAM_BYTES } from "./arrow_ipc.ts";
import { readRecordBatchHeader, RECORD_BATCH_HEADER_BYTES } from "./arrow_record_batch.ts";
import { readTableColumns } from "./arrow_table_columns.ts";
import { KIND_WIDTH, type NumberKey, WIRE_FIELDS, wirePrefix } from "./arrow_wire_schema.ts";
import { DecodeError } from "./decode_error.ts";

/**
 * The transactions of one Arrow IPC stream as columns, checked row by row.
 *
 * @throws {DecodeError} the stream is not valid Arrow, lacks a column, has a column of a type
 * that cannot be read as that column, has nulls, or a row is not a valid transaction.
 */
export function decodeArrowColumns(body: Uint8Array): TransactionColumns {
  const columns = readArrowColumns(body);
  const problems = checkColumns(columns);
  if (problems.length > 0) {
    const { row, reason } = problems[0];
    throw new DecodeError(`row ${row}: ${reason}`);
  }
  return columns;
}

/**
 * The transactions of one Arrow IPC stream as columns, not yet checked by the row validator
 * (`decodeArrowColumns` checks them). Views over `body` when it is ours; do not modify them.
 *
 * @throws {DecodeError} as `decodeArrowColumns`, but for the row checks.
 */
export function readArrowColumns(body: Uint8Array): TransactionColumns {
  return readWireColumns(body) ?? readTableColumns(body);
}

/** Our own message, read as views; undefined when its head is not ours byte for byte. */
function readWireColumns(body: Uint8Array): TransactionColumns | undefined {
  const prefix = wirePrefix();
  if (!startsWith(body, prefix)) return undefined;
  const bytes = body.byteOffset % 8 === 0 ? body : body.slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const layout = readRecordBatchHeader(bytes, view, prefix.length);
  if (!layout) return undefined;
  const { length, bodyLength, buffers } = layout;
  const bodyAt = prefix.length + RECORD_BATCH_HEADER_BYTES;
  checkEnd(view, bodyAt + bodyLength);
  /** The absolute start of buffer `b`, checked to fit the body with `minimum` bytes. */
  const buffer = (b: number, minimum: number, name: string): number => {
    const offset = buffers[2 * b];
    const size = buffers[2 * b + 1];
    if (offset % 8 !== 0 || size < minimum || offset + size > bodyLength) {
      throw new DecodeError(`Arrow column '${name}' has a buffer out of place`);
    }
    return bytes.byteOffset + bodyAt + offset;
  };
  const arrays = {} as Record<NumberKey, ArrayBufferView>;
  const text = {} as Record<TextColumnName, TextColumn>;
  let b = 0;
  for (const field of WIRE_FIELDS) {
    b++; // validity: no nulls (checked with the nodes), so not read.
    if (field.kind === "text") {
      const offsetsAt = buffer(b, 4 * (length + 1), field.name);
      const dataAt = buffer(b + 1, 0, field.name);
      const dataLength = buffers[2 * b + 3];
      text[field.key] = textView(bytes.buffer, { offsetsAt, dataAt, dataLength, length });
      b += 2;
      continue;
    }
    const at = buffer(b, KIND_WIDTH[field.kind] * length, field.name);
    const count = field.kind === "card" ? 2 * length : length;
    arrays[field.key] = new ARRAY_OF_KIND[field.kind](bytes.buffer as ArrayBuffer, at, count);
    b++;
  }
  return columnsOf(length, arrays, text);
}

/** The typed array each fixed-width kind is read as. */
const ARRAY_OF_KIND = {
  card: Uint32Array,
  code: Uint8Array,
  flag: Uint8Array,
  day: Int32Array,
  second: Int32Array,
  float: Float64Array,
} as const;

/** Columns in the property order `allocateColumns` gives, so every batch has one shape. */
function columnsOf(
  length: number,
  arrays: Record<NumberKey, ArrayBufferView>,
  text: Record<TextColumnName, TextColumn>,
): TransactionColumns {
  const a = arrays as unknown as Omit<TransactionColumns, "length" | "text">;
  return {
    length,
    card: a.card,
    gender: a.gender,
    lat: a.lat,
    long: a.long,
    cityPop: a.cityPop,
    dob: a.dob,
    transDate: a.transDate,
    transTime: a.transTime,
    unixTime: a.unixTime,
    category: a.category,
    amt: a.amt,
    isFraud: a.isFraud,
    merchLat: a.merchLat,
    merchLong: a.merchLong,
    text,
  };
}

/** Checks that the body ends at `end` with the end-of-stream marker, the last bytes. */
function checkEnd(view: DataView, end: number): void {
  if (end + END_OF_STREAM_BYTES > view.byteLength) {
    throw new DecodeError("Arrow IPC stream is truncated");
  }
  if (
    end + END_OF_STREAM_BYTES !== view.byteLength || view.getUint32(end, true) !== CONTINUATION ||
    view.getUint32(end + 4, true) !== 0
  ) {
    throw new DecodeError("Arrow IPC stream does not end with its end-of-stream marker");
  }
}

/** A text column over an offsets buffer and a data buffer, its offsets checked. */
function textView(
  buffer: ArrayBufferLike,
  where: { offsetsAt: number; dataAt: number; dataLength: number; length: number },
): TextColumn {
  const { length } = where;
  const offsets = new Int32Array(buffer, where.offsetsAt, length + 1);
  let previous = offsets[0];
  let ordered = previous >= 0;
  for (let i = 1; i <= length; i++) {
    const offset = offsets[i];
    if (offset < previous) ordered = false;
    previous = offset;
  }
  if (!ordered || previous > where.dataLength) {
    throw new DecodeError("Arrow text offsets out of order or range");
  }
  return {
    bytes: new Uint8Array(buffer, where.dataAt, where.dataLength),
    start: offsets.subarray(0, length),
    end: offsets.subarray(1),
  };
}

let prefixWords: Int32Array | undefined;

/** Whether `bytes` begins with `prefix` (`wirePrefix()`, whose length is a multiple of 8). */
function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  if (bytes.byteOffset % 4 !== 0) {
    for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
    return true;
  }
  prefixWords ??= new Int32Array(prefix.slice().buffer);
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, prefixWords.length);
  for (let i = 0; i < prefixWords.length; i++) if (words[i] !== prefixWords[i]) return false;
  return true;
}
