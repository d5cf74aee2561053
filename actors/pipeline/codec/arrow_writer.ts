/**
 * Writes transaction columns as one message of the wire schema v2 (`arrow_wire_schema.ts`)
 * directly, without apache-arrow: the constant schema and dictionary messages, the record batch
 * message (`arrow_record_batch.ts`), its body, the end-of-stream marker, all in one buffer sized
 * up front. The body holds each column's buffers in schema order, each starting 8-byte aligned
 * (what Arrow requires and typed-array views need; 64, Arrow's recommendation for SIMD, would add
 * up to 56 bytes to each of the 64 buffers); validity buffers are empty (no nulls). Numbers are
 * copied (or gathered, for a subset of rows) from the typed columns in the machine's byte order,
 * which is Arrow's little-endian on every platform Deno runs on; text bytes straight from each
 * row's source range.
 *
 * @module
 */

import type { TextColumn, TransactionColumns } from "../../../model/columns.ts";
import type { TextGather } from "./arrow_text_wasm.ts";
import { CONTINUATION, END_OF_STREAM_BYTES } from "./arrow_ipc.ts";
import {
  RECORD_BATCH_HEADER_BYTES,
  type RecordBatchLayout,
  writeRecordBatchHeader,
} from "./arrow_record_batch.ts";
import {
  KIND_WIDTH,
  WIRE_BUFFER_COUNT,
  WIRE_FIELDS,
  type WireField,
  wirePrefix,
} from "./arrow_wire_schema.ts";

/** Rows of text shorter than this are copied byte by byte (cheaper than a view and a `set`). */
const SHORT_TEXT = 48;

/**
 * One Arrow IPC stream of the wire schema v2 holding `rows` of `columns` (indices, in the order
 * given; all rows in order when omitted).
 */
export function encodeArrowColumns(columns: TransactionColumns, rows?: Int32Array): Uint8Array {
  const message = planArrowMessage(columns, rows);
  const out = new Uint8Array(message.byteLength);
  writeArrowMessage(out, message, columns, rows);
  return out;
}

/** An Arrow message of some rows, laid out: `writeArrowMessage` writes it. */
export interface ArrowMessagePlan {
  /** Its length in bytes (a multiple of 8). */
  byteLength: number;
  layout: RecordBatchLayout;
}

/** The layout of the message `encodeArrowColumns(columns, rows)` returns, and its length. */
export function planArrowMessage(columns: TransactionColumns, rows?: Int32Array): ArrowMessagePlan {
  const layout = bodyLayout(columns, rows, rows ? rows.length : columns.length);
  const byteLength = wirePrefix().length + RECORD_BATCH_HEADER_BYTES + layout.bodyLength +
    END_OF_STREAM_BYTES;
  return { byteLength, layout };
}

/**
 * Writes the message `plan` laid out for `rows` of `columns` into `out` (`plan.byteLength` bytes,
 * all 0, at an offset of its buffer that is a multiple of 8, so the body's typed views are
 * aligned): the bytes `encodeArrowColumns` returns. Messages written back to back in one buffer
 * stay aligned. With `texts`, a gatherer that has loaded `columns`, their text is gathered there.
 */
export function writeArrowMessage(
  out: Uint8Array,
  plan: ArrowMessagePlan,
  columns: TransactionColumns,
  rows?: Int32Array,
  texts?: TextGather,
): void {
  const { layout } = plan;
  const count = layout.length;
  const prefix = wirePrefix();
  const headerAt = prefix.length;
  const bodyAt = headerAt + RECORD_BATCH_HEADER_BYTES;
  const view = new DataView(out.buffer, out.byteOffset, plan.byteLength);
  out.set(prefix);
  writeRecordBatchHeader(out, view, headerAt, layout);
  texts?.selectRows(rows, count);
  let b = 0;
  for (const field of WIRE_FIELDS) {
    b++; // validity: empty
    const at = bodyAt + layout.buffers[2 * b];
    if (field.kind === "text") {
      const dataAt = bodyAt + layout.buffers[2 * b + 2];
      if (texts) texts.writeColumn(out, { offsetsAt: at, dataAt }, field.key);
      else writeText(out, at, dataAt, columns.text[field.key], rows, count);
      b += 2;
      continue;
    }
    writeNumbers(out.buffer, out.byteOffset + at, columns, field, rows, count);
    b++;
  }
  view.setUint32(bodyAt + layout.bodyLength, CONTINUATION, true);
}

/** Where each buffer goes in the body (8-aligned, in schema order) and the body's length. */
function bodyLayout(
  columns: TransactionColumns,
  rows: Int32Array | undefined,
  count: number,
): RecordBatchLayout {
  const buffers = new Int32Array(2 * WIRE_BUFFER_COUNT);
  let at = 0;
  let b = 0;
  const add = (length: number) => {
    buffers[2 * b] = at;
    buffers[2 * b + 1] = length;
    b++;
    at += (length + 7) & ~7;
  };
  for (const field of WIRE_FIELDS) {
    add(0);
    if (field.kind === "text") {
      add(4 * (count + 1));
      add(textLength(columns.text[field.key], rows, count));
    } else {
      add(KIND_WIDTH[field.kind] * count);
    }
  }
  return { length: count, bodyLength: at, buffers };
}

/** Total bytes of the selected rows' text. */
function textLength(column: TextColumn, rows: Int32Array | undefined, count: number): number {
  const { start, end } = column;
  let total = 0;
  if (rows) {
    for (let k = 0; k < count; k++) total += end[rows[k]] - start[rows[k]];
  } else {
    for (let i = 0; i < count; i++) total += end[i] - start[i];
  }
  return total;
}

/** Writes a text column's `count + 1` offsets at `offsetsAt` and its bytes at `dataAt`. */
function writeText(
  out: Uint8Array,
  offsetsAt: number,
  dataAt: number,
  column: TextColumn,
  rows: Int32Array | undefined,
  count: number,
): void {
  const offsets = new Int32Array(out.buffer, out.byteOffset + offsetsAt, count + 1);
  const { bytes, start, end } = column;
  if (!rows && packed(column, count)) {
    const from = count > 0 ? start[0] : 0;
    out.set(bytes.subarray(from, count > 0 ? end[count - 1] : 0), dataAt);
    for (let i = 0; i < count; i++) offsets[i + 1] = end[i] - from;
    return;
  }
  // Short texts are copied four bytes at a time through views of both buffers (unaligned reads
  // and writes), the last four whole even when the text ends inside them: the bytes written past
  // its end are the next row's place, written over next, or past the column's last row, zeroed
  // below (and before any buffer written later). Only a text within three bytes of its source's
  // end is copied exactly.
  const source = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const target = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const wholeWordsBelow = bytes.byteLength - 3;
  let at = 0;
  for (let k = 0; k < count; k++) {
    const i = rows ? rows[k] : k;
    const from = start[i];
    const length = end[i] - from;
    const to = dataAt + at;
    if (length >= SHORT_TEXT) {
      out.set(bytes.subarray(from, from + length), to);
    } else if (from + length <= wholeWordsBelow) {
      for (let j = 0; j < length; j += 4) {
        target.setUint32(to + j, source.getUint32(from + j, true), true);
      }
    } else {
      for (let j = 0; j < length; j++) out[to + j] = bytes[from + j];
    }
    at += length;
    offsets[k + 1] = at;
  }
  out.fill(0, dataAt + at, dataAt + at + 3);
}

/** Whether the first `count` rows' text lies back to back in `bytes`. */
function packed(column: TextColumn, count: number): boolean {
  const { start, end } = column;
  for (let i = 1; i < count; i++) if (start[i] !== end[i - 1]) return false;
  return true;
}

/** Writes a fixed-width column's data buffer at `at`. */
function writeNumbers(
  buffer: ArrayBufferLike,
  at: number,
  columns: TransactionColumns,
  field: Exclude<WireField, { kind: "text" }>,
  rows: Int32Array | undefined,
  count: number,
): void {
  switch (field.kind) {
    case "float": {
      const from = columns[field.key] as Float64Array;
      const to = new Float64Array(buffer, at, count);
      if (!rows) to.set(from.subarray(0, count));
      else for (let k = 0; k < count; k++) to[k] = from[rows[k]];
      return;
    }
    case "day":
    case "second": {
      const from = columns[field.key] as Int32Array;
      const to = new Int32Array(buffer, at, count);
      if (!rows) to.set(from.subarray(0, count));
      else for (let k = 0; k < count; k++) to[k] = from[rows[k]];
      return;
    }
    case "code":
    case "flag": {
      const from = columns[field.key] as Uint8Array;
      const to = new Uint8Array(buffer, at, count);
      if (!rows) to.set(from.subarray(0, count));
      else for (let k = 0; k < count; k++) to[k] = from[rows[k]];
      return;
    }
    case "card": {
      const from = columns.card;
      const to = new Uint32Array(buffer, at, 2 * count);
      if (!rows) to.set(from.subarray(0, 2 * count));
      else {
        for (let k = 0; k < count; k++) {
          to[2 * k] = from[2 * rows[k]];
          to[2 * k + 1] = from[2 * rows[k] + 1];
        }
      }
    }
  }
}
