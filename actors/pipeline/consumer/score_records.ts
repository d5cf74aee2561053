/**
 * The score messages of a batch (optional topic `scores`, `--scores`): one a row, each the JSON
 * text of `{trans_num, cc_num, score, is_fraud, model_version, partition, offset}` exactly as
 * `JSON.stringify` writes it, written byte by byte into one buffer from the batch's columns. A
 * text, an encoding call and a decoded id a row cost about as much as the rest of the consumer.
 *
 * @module
 */

import { cardNumber, type TransactionColumns } from "../../../model/columns.ts";
import type { OutgoingRecord } from "../../log/types.ts";
import { writeMicro, writeUnsigned, ZERO } from "../codec/decimal_bytes.ts";
import { JSON_HEADERS } from "../codec/transactions.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const TRANS_NUM = encoder.encode('{"trans_num":');
const CC_NUM = encoder.encode(',"cc_num":"');
const SCORE = encoder.encode('","score":');
const IS_FRAUD = encoder.encode(',"is_fraud":');
const MODEL_VERSION = encoder.encode(',"model_version":');
const PARTITION = encoder.encode(',"partition":');
const OFFSET = encoder.encode(',"offset":');
const NULL = encoder.encode("null");
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const CLOSE = 0x7d;

/** Bytes of a score text besides its id, card number, score text and offset. */
const FIXED_BYTES = TRANS_NUM.length + CC_NUM.length + SCORE.length + IS_FRAUD.length + 1 +
  MODEL_VERSION.length + PARTITION.length + OFFSET.length + 1;

/** Where the rows of a batch came from and which model scored them. */
export interface ScoreSource {
  /** The model version, as scores name it. */
  modelVersion: string;
  /** The partition of the batch. */
  partition: number;
  /** The offset of each row. */
  offsets: ArrayLike<number>;
}

/**
 * The score message of every row of `columns`, keyed by its card number: views of one buffer.
 * A score is rounded to 6 decimals (`null` when it is not a number).
 *
 * @example
 * ```ts
 * const records = scoreRecords(columns, scores, { modelVersion: "v1", partition: 0, offsets });
 * await transaction.send("scores", records);
 * ```
 */
export function scoreRecords(
  columns: TransactionColumns,
  scores: Float32Array,
  source: ScoreSource,
): OutgoingRecord[] {
  const rows = columns.length;
  const ids = columns.text.trans_num;
  const modelVersion = encoder.encode(JSON.stringify(source.modelVersion));
  const partition = encoder.encode(String(source.partition));
  const cards: string[] = new Array(rows);
  let room = 0;
  for (let i = 0; i < rows; i++) {
    cards[i] = cardNumber(columns, i);
    // An id written as JSON takes at most 6 bytes a byte (`\u00XX`); a score at most 24; an
    // offset at most 16 (offsets are below 2^53).
    room += 6 * (ids.end[i] - ids.start[i]) + 2 + cards[i].length + 24 + 16;
  }
  room += rows * (FIXED_BYTES + modelVersion.length + partition.length);
  const out = new Uint8Array(room);
  const records: OutgoingRecord[] = new Array(rows);
  let p = 0;
  for (let i = 0; i < rows; i++) {
    const start = p;
    out.set(TRANS_NUM, p);
    p = writeId(out, p + TRANS_NUM.length, ids, i);
    out.set(CC_NUM, p);
    p += CC_NUM.length;
    const card = cards[i];
    for (let k = 0; k < card.length; k++) out[p++] = card.charCodeAt(k);
    out.set(SCORE, p);
    p = writeScore(out, p + SCORE.length, scores[i]);
    out.set(IS_FRAUD, p);
    p += IS_FRAUD.length;
    out[p++] = columns.isFraud[i] === 1 ? ZERO + 1 : ZERO;
    out.set(MODEL_VERSION, p);
    p += MODEL_VERSION.length;
    out.set(modelVersion, p);
    p += modelVersion.length;
    out.set(PARTITION, p);
    p += PARTITION.length;
    out.set(partition, p);
    p += partition.length;
    out.set(OFFSET, p);
    p = writeUnsigned(out, p + OFFSET.length, source.offsets[i]);
    out[p++] = CLOSE;
    records[i] = { key: card, value: out.subarray(start, p), headers: JSON_HEADERS };
  }
  return records;
}

/**
 * Writes row `i`'s `trans_num` as a JSON string: its bytes as they are when they need no escaping
 * (32 hex digits, as the row validator asks), else as `JSON.stringify` of its text.
 */
function writeId(
  out: Uint8Array,
  p: number,
  ids: TransactionColumns["text"]["trans_num"],
  i: number,
): number {
  const start = ids.start[i];
  const end = ids.end[i];
  const bytes = ids.bytes;
  let plain = true;
  for (let k = start; k < end && plain; k++) {
    const byte = bytes[k];
    plain = byte >= 0x20 && byte < 0x80 && byte !== QUOTE && byte !== BACKSLASH;
  }
  if (!plain) {
    const json = encoder.encode(JSON.stringify(decoder.decode(bytes.subarray(start, end))));
    out.set(json, p);
    return p + json.length;
  }
  out[p++] = QUOTE;
  out.set(bytes.subarray(start, end), p);
  p += end - start;
  out[p++] = QUOTE;
  return p;
}

/**
 * Writes `score` rounded to 6 decimals as `JSON.stringify` does. A score from 0 to 1 is k
 * millionths, whose shortest text is its 6 decimals without trailing zeros (no other text of at
 * most 6 decimals lies as near); any other value is written from its text.
 */
function writeScore(out: Uint8Array, p: number, score: number): number {
  const millionths = Math.round(score * 1e6);
  if (millionths > 0 && millionths < 1e6) {
    let end = writeMicro(out, p, millionths);
    while (out[end - 1] === ZERO) end--;
    return end;
  }
  const rounded = millionths / 1e6;
  if (!Number.isFinite(rounded)) {
    out.set(NULL, p);
    return p + NULL.length;
  }
  const text = JSON.stringify(rounded);
  for (let k = 0; k < text.length; k++) out[p++] = text.charCodeAt(k);
  return p;
}
