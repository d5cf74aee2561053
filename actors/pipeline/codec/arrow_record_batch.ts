/**
 * The record batch message of the wire schema, written and read without apache-arrow. For a fixed
 * schema its metadata flatbuffer has a fixed layout; only the row count, the body length and the
 * buffers' offsets and lengths change. This file lays it out once by hand (a template) and patches
 * those values in place. Positions are from the start of the message (the continuation marker);
 * the flatbuffer starts at 8, so every position below is `8 +` its flatbuffer offset:
 *
 * ```text
 *  0  continuation 0xFFFFFFFF, metadata length (flatbuffer bytes, a multiple of 8)
 *  8  root offset -> Message table (at 24)
 * 12  Message vtable: size 12, table size 20; version @16, header_type @18, header @4,
 *     bodyLength @8
 * 24  Message table: vtable offset, header -> RecordBatch table (at 64), bodyLength (i64 at 32),
 *     version V5 (i16 at 40), header_type RecordBatch (u8 at 42)
 * 48  RecordBatch vtable: size 10, table size 20; length @8, nodes @4, buffers @16
 * 64  RecordBatch table: vtable offset, nodes -> 84, length (i64 at 72), buffers -> count
 * 84  nodes: count, then per column { length: i64, null_count: i64 } from 88
 *     buffers: count, then per buffer { offset: i64, length: i64 } (8-aligned)
 * ```
 *
 * Every scalar sits at a multiple of its size, as flatbuffer verifiers (pyarrow's) require.
 *
 * @module
 */

import { CONTINUATION, MessageType, METADATA_VERSION } from "./arrow_ipc.ts";
import { WIRE_BUFFER_COUNT, WIRE_FIELDS } from "./arrow_wire_schema.ts";
import { DecodeError } from "./decode_error.ts";

const FB = 8;
const MESSAGE_VTABLE = FB + 4;
const MESSAGE_TABLE = FB + 16;
const BODY_LENGTH_AT = MESSAGE_TABLE + 8;
const BATCH_VTABLE = FB + 40;
const BATCH_TABLE = FB + 56;
const LENGTH_AT = BATCH_TABLE + 8;
const NODE_COUNT_AT = FB + 76;
const NODES_AT = NODE_COUNT_AT + 4;
const NODE_COUNT = WIRE_FIELDS.length;
const NODES_END = NODES_AT + 16 * NODE_COUNT;
/** The buffers' structs start 8-aligned, their count just before. */
const BUFFERS_AT = NODES_END + 4 + ((8 - ((NODES_END + 4) % 8)) % 8);
const BUFFER_COUNT_AT = BUFFERS_AT - 4;

/** Bytes of the record batch message before its body (a multiple of 8). */
export const RECORD_BATCH_HEADER_BYTES = BUFFERS_AT + 16 * WIRE_BUFFER_COUNT;

/** The message with every value that changes at 0. */
const TEMPLATE: Uint8Array = (() => {
  const bytes = new Uint8Array(RECORD_BATCH_HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  const u16 = (at: number, value: number) => view.setUint16(at, value, true);
  const u32 = (at: number, value: number) => view.setUint32(at, value, true);
  u32(0, CONTINUATION);
  u32(4, RECORD_BATCH_HEADER_BYTES - FB);
  u32(FB, MESSAGE_TABLE - FB);
  [12, 20, 16, 18, 4, 8].forEach((value, i) => u16(MESSAGE_VTABLE + 2 * i, value));
  u32(MESSAGE_TABLE, MESSAGE_TABLE - MESSAGE_VTABLE);
  u32(MESSAGE_TABLE + 4, BATCH_TABLE - (MESSAGE_TABLE + 4));
  u16(MESSAGE_TABLE + 16, METADATA_VERSION);
  bytes[MESSAGE_TABLE + 18] = MessageType.RecordBatch;
  [10, 20, 8, 4, 16].forEach((value, i) => u16(BATCH_VTABLE + 2 * i, value));
  u32(BATCH_TABLE, BATCH_TABLE - BATCH_VTABLE);
  u32(BATCH_TABLE + 4, NODE_COUNT_AT - (BATCH_TABLE + 4));
  u32(BATCH_TABLE + 16, BUFFER_COUNT_AT - (BATCH_TABLE + 16));
  u32(NODE_COUNT_AT, NODE_COUNT);
  u32(BUFFER_COUNT_AT, WIRE_BUFFER_COUNT);
  return bytes;
})();

/** The parts of the template that are the same in every message: [from, to) ranges. */
const FIXED_RANGES: readonly [number, number][] = [
  [0, BODY_LENGTH_AT],
  [BODY_LENGTH_AT + 8, LENGTH_AT],
  [LENGTH_AT + 8, NODES_AT],
  [NODES_END, BUFFERS_AT],
];

/** A record batch's values: its row count, body length, and each buffer's offset and length. */
export interface RecordBatchLayout {
  length: number;
  bodyLength: number;
  /** Buffer `b`'s offset (in the body) at `2b`, its length at `2b + 1`. */
  buffers: Int32Array;
}

/** Writes the record batch message's head at `at` of `out` (whose `view` is given). */
export function writeRecordBatchHeader(
  out: Uint8Array,
  view: DataView,
  at: number,
  layout: RecordBatchLayout,
): void {
  out.set(TEMPLATE, at);
  view.setUint32(at + BODY_LENGTH_AT, layout.bodyLength, true);
  view.setUint32(at + LENGTH_AT, layout.length, true);
  for (let node = 0; node < NODE_COUNT; node++) {
    view.setUint32(at + NODES_AT + 16 * node, layout.length, true);
  }
  const buffers = layout.buffers;
  for (let b = 0; b < WIRE_BUFFER_COUNT; b++) {
    view.setUint32(at + BUFFERS_AT + 16 * b, buffers[2 * b], true);
    view.setUint32(at + BUFFERS_AT + 16 * b + 8, buffers[2 * b + 1], true);
  }
}

/**
 * Reads the head of a record batch message at `at` of `bytes`: undefined when it is not laid out
 * as `writeRecordBatchHeader` lays it (another writer's), else its values.
 *
 * @throws {DecodeError} it is laid out so, but it is cut short or its values are not possible.
 */
export function readRecordBatchHeader(
  bytes: Uint8Array,
  view: DataView,
  at: number,
): RecordBatchLayout | undefined {
  if (at + RECORD_BATCH_HEADER_BYTES > bytes.length) {
    return at + NODES_AT <= bytes.length && sameFixedHead(bytes, at, NODES_AT)
      ? truncated()
      : undefined;
  }
  if (!sameFixedHead(bytes, at, RECORD_BATCH_HEADER_BYTES)) return undefined;
  const length = int31(view, at + LENGTH_AT);
  const bodyLength = int31(view, at + BODY_LENGTH_AT);
  for (let node = 0; node < NODE_COUNT; node++) {
    const nodeAt = at + NODES_AT + 16 * node;
    if (int31(view, nodeAt) !== length || int31(view, nodeAt + 8) !== 0) {
      throw new DecodeError(`Arrow column '${WIRE_FIELDS[node].name}' has nulls or a wrong length`);
    }
  }
  const buffers = new Int32Array(2 * WIRE_BUFFER_COUNT);
  for (let b = 0; b < WIRE_BUFFER_COUNT; b++) {
    buffers[2 * b] = int31(view, at + BUFFERS_AT + 16 * b);
    buffers[2 * b + 1] = int31(view, at + BUFFERS_AT + 16 * b + 8);
  }
  return { length, bodyLength, buffers };
}

function truncated(): never {
  throw new DecodeError("Arrow IPC stream is truncated");
}

/** Whether the template's fixed ranges below `limit` are the same at `at` of `bytes`. */
function sameFixedHead(bytes: Uint8Array, at: number, limit: number): boolean {
  for (const [from, to] of FIXED_RANGES) {
    for (let i = from; i < Math.min(to, limit); i++) {
      if (bytes[at + i] !== TEMPLATE[i]) return false;
    }
  }
  return true;
}

/** A non-negative i64 below 2^31 at `at`. */
function int31(view: DataView, at: number): number {
  const low = view.getUint32(at, true);
  if (view.getUint32(at + 4, true) !== 0 || low > 0x7fffffff) {
    throw new DecodeError("Arrow record batch has a length or offset out of range");
  }
  return low;
}
