/**
 * Turns one chunk of a file's lines into what the producer publishes for it: the encoded
 * transaction messages, the dead letters of its bad rows (and of its lines over the limit) and the
 * ids of its valid rows. A pure function of the chunk, so it runs on the producer's encoder
 * workers; the messages cross back packed into one buffer.
 *
 * @module
 */

import { encodeArrow, encodeJsonEach, ENCODING_HEADER } from "../codec/transactions.ts";
import type { WireEncoding } from "../codec/wire_encoding.ts";
import type { Transaction } from "../../../model/schema.ts";
import { type RawExcerpt, rawExcerpt } from "../codec/raw_excerpt.ts";
import { partitionForKey } from "../../log/partitioner.ts";
import type { OutgoingRecord } from "../../log/types.ts";
import { chunkLines, type LineChunk } from "./lines.ts";
import { isHeader, parseTransactionLine } from "./rows.ts";

const encoder = new TextEncoder();

/** A row that went to the dead-letter topic. */
export interface DeadLetterRow {
  reason: string;
  /** The topic the row was meant for. */
  topic: string;
  file: string;
  line: number;
  /** The line, cut to the dead letters' bound. */
  raw: RawExcerpt;
}

/** How the transactions of a chunk are encoded. */
export interface RecordEncoding {
  encoding: WireEncoding;
  /** Partitions of the transactions topic (Arrow batches are built per partition). */
  partitions: number;
  /** Most transactions per Arrow message (default 2000, well under Kafka's 1 MB message limit). */
  maxArrowRows?: number;
}

/** Where a chunk comes from and how it is encoded. */
export interface ChunkOptions extends RecordEncoding {
  /** File name, for the dead letters. */
  file: string;
  /** The transactions topic, for the dead letters. */
  topic: string;
  /** The line limit the chunk was read with, for the dead letters of longer lines. */
  maxLineBytes?: number;
}

/** Messages laid out in one buffer, to cross between threads in one piece. */
export interface PackedRecords {
  /** Message `i` is `values[ends[i - 1] .. ends[i]]` (from 0 for the first). */
  values: Uint8Array;
  ends: Uint32Array;
  keys: (string | null)[];
  /** Explicit partition per message, -1 for none. */
  partitions: Int32Array;
  /** The distinct header sets, and which one each message carries. */
  headerSets: Record<string, string>[];
  headerIndex: Uint16Array;
}

/** What the producer publishes for one chunk. */
export interface EncodedChunk {
  /** The transaction messages. */
  records: PackedRecords;
  /** Rows that are not transactions. */
  bad: DeadLetterRow[];
  /** `trans_num` of every valid row, in file order. */
  ids: string[];
}

/** Parses, validates and encodes the lines of `chunk`. */
export function encodeChunk(chunk: LineChunk, options: ChunkOptions): EncodedChunk {
  const rows: Transaction[] = [];
  const bad: DeadLetterRow[] = [];
  const lines = chunkLines(chunk);
  const overlong = new Map(chunk.overlong?.map((long) => [long.line, long]));
  const where = { topic: options.topic, file: options.file };
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    const number = chunk.first + index;
    const long = overlong.get(number);
    if (long) {
      const limit = options.maxLineBytes === undefined ? "" : ` of ${options.maxLineBytes} bytes`;
      const reason =
        `line of ${long.bytes} bytes is over the line limit${limit} (--max-line-bytes)`;
      const raw = { head: long.head, bytes: long.bytes, sha256: long.sha256 };
      bad.push({ reason, ...where, line: number, raw });
      continue;
    }
    if (number === 1 && isHeader(line)) continue;
    if (line.trim() === "") continue;
    const parsed = parseTransactionLine(line);
    if ("reason" in parsed) {
      const reason = number === 1 ? `not the Sparkov header: ${parsed.reason}` : parsed.reason;
      bad.push({ reason, ...where, line: number, raw: rawExcerpt(encoder.encode(line)) });
    } else rows.push(parsed);
  }
  return {
    records: packRecords(transactionRecords(rows, options)),
    bad,
    ids: rows.map((row) => row.trans_num),
  };
}

const JSON_HEADERS = Object.freeze({ [ENCODING_HEADER]: "json" });

/** The messages carrying `rows` in the configured encoding. */
export function transactionRecords(rows: Transaction[], options: RecordEncoding): OutgoingRecord[] {
  if (options.encoding === "json") {
    const values = encodeJsonEach(rows);
    return rows.map((row, i) => ({ key: row.cc_num, value: values[i], headers: JSON_HEADERS }));
  }
  const byPartition = new Map<number, Transaction[]>();
  for (const row of rows) {
    const partition = partitionForKey(row.cc_num, options.partitions);
    let list = byPartition.get(partition);
    if (!list) byPartition.set(partition, list = []);
    list.push(row);
  }
  const maxRows = options.maxArrowRows ?? 2000;
  const records: OutgoingRecord[] = [];
  for (const [partition, list] of byPartition) {
    for (let start = 0; start < list.length; start += maxRows) {
      const slice = list.slice(start, start + maxRows);
      records.push({
        key: null,
        partition,
        value: encodeArrow(slice),
        headers: { [ENCODING_HEADER]: "arrow", rows: String(slice.length) },
      });
    }
  }
  return records;
}

/** Lays `records` out in one buffer. */
export function packRecords(records: readonly OutgoingRecord[]): PackedRecords {
  let total = 0;
  for (const record of records) total += record.value.byteLength;
  const values = new Uint8Array(total);
  const ends = new Uint32Array(records.length);
  const partitions = new Int32Array(records.length);
  const headerIndex = new Uint16Array(records.length);
  const headerSets: Record<string, string>[] = [];
  const seen = new Map<Record<string, string>, number>();
  let at = 0;
  records.forEach((record, i) => {
    values.set(record.value, at);
    ends[i] = at += record.value.byteLength;
    partitions[i] = record.partition ?? -1;
    const headers = record.headers ?? {};
    let index = seen.get(headers);
    if (index === undefined) {
      seen.set(headers, index = headerSets.length);
      headerSets.push(headers);
    }
    headerIndex[i] = index;
  });
  return {
    values,
    ends,
    keys: records.map((record) => record.key),
    partitions,
    headerSets,
    headerIndex,
  };
}

/** The records laid out by `packRecords` (views of its buffer). */
export function unpackRecords(packed: PackedRecords): OutgoingRecord[] {
  const { values, ends, keys, partitions, headerSets, headerIndex } = packed;
  const records: OutgoingRecord[] = new Array(ends.length);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const record: OutgoingRecord = {
      key: keys[i],
      value: values.subarray(start, ends[i]),
      headers: headerSets[headerIndex[i]],
    };
    if (partitions[i] >= 0) record.partition = partitions[i];
    records[i] = record;
    start = ends[i];
  }
  return records;
}
