/**
 * Turns one chunk of a file's lines into what the producer publishes for it: the encoded
 * transaction messages, the dead letters of its bad rows (and of its lines over the limit) and the
 * ids of its valid rows. The chunk's bytes are read straight into columns (`parseCsvChunk`), each
 * row's partition is computed from its card number's digits where they lie, and the rows of each
 * partition are written as Arrow messages from the columns (`writeArrowMessage`, a chunk's messages
 * back to back in one buffer): no object and no string per row on the way. JSON, one message per
 * row, makes each row an object. A pure function of the chunk, so it runs on the producer's
 * encoder workers; the messages cross back in that one buffer, the ids (when asked for) as
 * their UTF-8 bytes, decoded only by whoever asks for them (`chunkIds`).
 *
 * @module
 */

import { encodeJsonEach, ENCODING_HEADER, JSON_HEADERS } from "../codec/transactions.ts";
import {
  type ArrowMessagePlan,
  planArrowMessage,
  writeArrowMessage,
} from "../codec/arrow_writer.ts";
import { threadTextGather } from "../codec/arrow_text_wasm.ts";
import type { WireEncoding } from "../codec/wire_encoding.ts";
import { decodeStrings, type Utf8Run } from "../codec/utf8.ts";
import {
  type TextColumn,
  transactionAt,
  type TransactionColumns,
  transactionsToColumns,
} from "../../../model/columns.ts";
import { CsvChunkReader, type ParsedChunk } from "../../../model/csv_chunk.ts";
import type { Transaction } from "../../../model/schema.ts";
import { type RawExcerpt, rawExcerpt } from "../codec/raw_excerpt.ts";
import { partitionForKey, partitionForKeyBytes } from "../../log/partitioner.ts";
import type { OutgoingRecord } from "../../log/types.ts";
import type { LineChunk } from "./lines.ts";

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

/**
 * Most transactions per Arrow message unless configured: messages of at most about 250 KB (large
 * batches cost Kafka's brokers far less per record; its message limit is 1 MB). The direct writer
 * takes about 320 bytes a row of generated data, and 2.9 KB a message. A chunk of 20,000 lines
 * over 6 partitions gives each partition about 3,300 rows: five messages of about 210 KB.
 */
export const DEFAULT_MAX_ARROW_ROWS = 768;

/** How the transactions of a chunk are encoded. */
export interface RecordEncoding {
  encoding: WireEncoding;
  /** Partitions of the transactions topic (Arrow messages are built per partition). */
  partitions: number;
  /**
   * Most transactions per Arrow message (default `DEFAULT_MAX_ARROW_ROWS`): a partition's rows
   * over it are split into messages of equal size.
   */
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
  /** Gather the `trans_num` of the valid rows (`EncodedChunk.ids`). */
  ids?: boolean;
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
  /** Valid rows in the chunk. */
  rows: number;
  /**
   * `trans_num` of every valid row, in file order, as UTF-8 (`chunkIds` decodes them), when the
   * options asked for them (`ids`).
   */
  ids?: Utf8Run;
  /**
   * The chunk's bytes, handed back by an encoder worker once they are read, for the next chunks
   * to be gathered in (`ChunkBuffers`).
   */
  spent?: Uint8Array;
}

/** One reader per thread: its arrays are reused from chunk to chunk. */
const reader = new CsvChunkReader();

/** Parses, validates and encodes the lines of `chunk`. */
export function encodeChunk(chunk: LineChunk, options: ChunkOptions): EncodedChunk {
  const parsed = reader.read(chunk.bytes, { startsFile: chunk.first === 1 });
  const { columns } = parsed;
  const records = options.encoding === "json"
    ? transactionRecords(
      Array.from({ length: columns.length }, (_, i) => transactionAt(columns, i)),
      options,
    )
    : arrowRecords(columns, cardPartitions(parsed.cardDigits, options.partitions), options);
  return {
    records: packRecords(records),
    bad: deadLetterRows(chunk, parsed, options),
    rows: columns.length,
    ...(options.ids ? { ids: packedText(columns.text.trans_num) } : {}),
  };
}

/** The `trans_num` of every valid row of `chunk`, in file order. */
export function chunkIds(chunk: Pick<EncodedChunk, "rows" | "ids">): string[] {
  if (chunk.rows === 0) return [];
  if (!chunk.ids) throw new Error("the chunk was encoded without its ids (ChunkOptions.ids)");
  return decodeStrings(chunk.ids.bytes, chunk.ids.offsets, 0, chunk.rows);
}

/**
 * The chunk's bad lines (the parser's, and those over the line limit) as dead letters, in line
 * order; each carries the bytes of its line, copied.
 */
function deadLetterRows(
  chunk: LineChunk,
  parsed: ParsedChunk,
  options: ChunkOptions,
): DeadLetterRow[] {
  const where = { topic: options.topic, file: options.file };
  const out: DeadLetterRow[] = [];
  const overlong = chunk.overlong ?? [];
  let next = 0;
  const overlongBefore = (line: number) => {
    for (; next < overlong.length && overlong[next].line < line; next++) {
      const long = overlong[next];
      const limit = options.maxLineBytes === undefined ? "" : ` of ${options.maxLineBytes} bytes`;
      const reason =
        `line of ${long.bytes} bytes is over the line limit${limit} (--max-line-bytes)`;
      const raw = { head: long.head, bytes: long.bytes, sha256: long.sha256 };
      out.push({ reason, ...where, line: long.line, raw });
    }
  };
  for (const bad of parsed.bad) {
    const line = chunk.first + bad.line;
    overlongBefore(line);
    const reason = line === 1 ? `not the Sparkov header: ${bad.reason}` : bad.reason;
    const excerpt = rawExcerpt(chunk.bytes.subarray(bad.start, bad.end));
    // A copy: a view would take the whole chunk along to the thread that publishes it.
    out.push({ reason, ...where, line, raw: { ...excerpt, head: excerpt.head.slice() } });
  }
  overlongBefore(Infinity);
  return out;
}

/** The partition of each row, from the digits of its card number. */
function cardPartitions(digits: TextColumn, partitions: number): Int32Array {
  const { bytes, start, end } = digits;
  const out = new Int32Array(start.length);
  for (let i = 0; i < out.length; i++) {
    out[i] = partitionForKeyBytes(bytes, start[i], end[i], partitions);
  }
  return out;
}

/** `column`'s text of every row, back to back in a buffer of its own. */
function packedText(column: TextColumn): Utf8Run {
  const { bytes, start, end } = column;
  const rows = start.length;
  const offsets = new Int32Array(rows + 1);
  for (let i = 0; i < rows; i++) offsets[i + 1] = offsets[i] + end[i] - start[i];
  const out = new Uint8Array(offsets[rows]);
  for (let i = 0; i < rows; i++) {
    const from = start[i];
    const length = end[i] - from;
    const to = offsets[i];
    for (let j = 0; j < length; j++) out[to + j] = bytes[from + j];
  }
  return { bytes: out, offsets };
}

/** The messages carrying `rows` in the configured encoding. */
export function transactionRecords(rows: Transaction[], options: RecordEncoding): OutgoingRecord[] {
  if (options.encoding === "json") {
    const values = encodeJsonEach(rows);
    return rows.map((row, i) => ({ key: row.cc_num, value: values[i], headers: JSON_HEADERS }));
  }
  const partitions = Int32Array.from(
    rows,
    (row) => partitionForKey(row.cc_num, options.partitions),
  );
  return arrowRecords(transactionsToColumns(rows), partitions, options);
}

/**
 * The Arrow messages of `columns`, row `i` to partition `partitionOf[i]`: each partition's rows in
 * order, in as few messages of at most `maxArrowRows` rows as there can be, of equal size.
 */
function arrowRecords(
  columns: TransactionColumns,
  partitionOf: Int32Array,
  options: RecordEncoding,
): OutgoingRecord[] {
  const partitions = options.partitions;
  const maxRows = Math.max(1, options.maxArrowRows ?? DEFAULT_MAX_ARROW_ROWS);
  // The rows sorted by partition, file order kept within each: partition p's are
  // order[first[p], first[p + 1]).
  const first = new Int32Array(partitions + 1);
  for (let i = 0; i < partitionOf.length; i++) first[partitionOf[i] + 1]++;
  for (let p = 0; p < partitions; p++) first[p + 1] += first[p];
  const order = new Int32Array(partitionOf.length);
  const fill = first.slice(0, partitions);
  for (let i = 0; i < partitionOf.length; i++) order[fill[partitionOf[i]]++] = i;
  // Every message laid out first, then written back to back into one buffer (`packRecords` then
  // takes it as it is).
  const messages: { partition: number; rows: Int32Array; plan: ArrowMessagePlan }[] = [];
  let total = 0;
  for (let partition = 0; partition < partitions; partition++) {
    const count = first[partition + 1] - first[partition];
    const parts = Math.ceil(count / maxRows);
    for (let m = 0; m < parts; m++) {
      const from = first[partition] + Math.floor((m * count) / parts);
      const to = first[partition] + Math.floor(((m + 1) * count) / parts);
      const rows = order.subarray(from, to);
      const plan = planArrowMessage(columns, rows);
      messages.push({ partition, rows, plan });
      total += plan.byteLength;
    }
  }
  const values = new Uint8Array(total);
  let at = 0;
  const gather = threadTextGather();
  const texts = gather?.load(columns) ? gather : undefined;
  return messages.map(({ partition, rows, plan }) => {
    const value = values.subarray(at, at += plan.byteLength);
    writeArrowMessage(value, plan, columns, rows, texts);
    return {
      key: null,
      partition,
      value,
      headers: { [ENCODING_HEADER]: "arrow", rows: String(rows.length) },
    };
  });
}

/** Lays `records` out in one buffer. */
export function packRecords(records: readonly OutgoingRecord[]): PackedRecords {
  let total = 0;
  for (const record of records) total += record.value.byteLength;
  const whole = backToBack(records);
  const values = whole ?? new Uint8Array(total);
  const ends = new Uint32Array(records.length);
  const partitions = new Int32Array(records.length);
  const headerIndex = new Uint16Array(records.length);
  const headerSets: Record<string, string>[] = [];
  const seen = new Map<Record<string, string>, number>();
  let at = 0;
  records.forEach((record, i) => {
    if (!whole) values.set(record.value, at);
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

/**
 * The one buffer `records`' values lie in back to back, from its start to its end, as
 * `arrowRecords` writes them; undefined when they do not.
 */
function backToBack(records: readonly OutgoingRecord[]): Uint8Array | undefined {
  if (records.length === 0) return undefined;
  const { buffer, byteOffset } = records[0].value;
  let end = byteOffset;
  for (const { value } of records) {
    if (value.buffer !== buffer || value.byteOffset !== end) return undefined;
    end += value.byteLength;
  }
  return byteOffset === 0 && end === buffer.byteLength
    ? new Uint8Array(buffer as ArrayBuffer)
    : undefined;
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
