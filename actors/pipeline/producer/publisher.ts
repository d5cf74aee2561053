/**
 * Publishes input files: each chunk of lines becomes one transaction holding its valid
 * transactions (keyed by card number), its bad rows (to the dead-letter topic, with reason, file
 * and line) and the file's new ledger position, so a chunk is published entirely or not at all. A
 * short chunk that ends a file shares the transaction of the chunk before it.
 *
 * @module
 */

import type { OutgoingRecord, TransactionalProducer } from "../../log/types.ts";
import type { WireEncoding } from "../codec/wire_encoding.ts";
import { boundedReason, excerptFields } from "../codec/raw_excerpt.ts";
import {
  chunkIds,
  type ChunkOptions,
  type DeadLetterRow,
  type EncodedChunk,
  unpackRecords,
} from "./chunks.ts";
import type { InputFile } from "./files.ts";
import { type LedgerEntry, ledgerRecord } from "./ledger.ts";
import { DEFAULT_CHUNK_LINES, DEFAULT_MAX_LINE_BYTES, type LineChunk, readLines } from "./lines.ts";
import type { PipelineEmitter } from "../events.ts";

/** Counters of a producer, kept across restarts of its actor. */
export interface ProducerMetrics {
  files: number;
  rows: number;
  deadLetters: number;
  bytes: number;
  transactions: number;
  /** Changes to input files after they were published (each reported once). */
  changedFiles: number;
}

/** Creates zeroed producer counters. */
export function producerMetrics(): ProducerMetrics {
  return { files: 0, rows: 0, deadLetters: 0, bytes: 0, transactions: 0, changedFiles: 0 };
}

/** Where and how a file is published. */
export interface PublishOptions {
  producer: TransactionalProducer;
  producerId: string;
  topics: { transactions: string; deadLetters: string; ledger: string };
  /** Partitions of the transactions topic (Arrow batches are built per partition). */
  partitions: number;
  encoding: WireEncoding;
  /**
   * Lines per transaction (default 5000); a file's last chunk, when it holds at most a quarter of
   * that, is published with the one before it.
   */
  chunkLines?: number;
  /** Longest line read, in bytes (default 64 KiB): a longer one is a dead letter, not held. */
  maxLineBytes?: number;
  /** Most transactions per Arrow message (default `DEFAULT_MAX_ARROW_ROWS`). */
  maxArrowRows?: number;
  /** Parses and encodes a chunk (`encodeChunk`, on an encoder worker). */
  encode: (chunk: LineChunk, options: ChunkOptions) => Promise<EncodedChunk>;
  /** Chunks being encoded while the one before them is published (default 1). */
  readAhead?: number;
  metrics: ProducerMetrics;
  /** Stops after the chunk in progress. */
  signal?: AbortSignal;
  /**
   * Told `published` after every committed chunk, with the number of rows it published and their
   * ids (decoded only when asked for).
   */
  events?: PipelineEmitter;
  /** Called, and awaited, after every committed chunk with its file and the file's new entry. */
  onCommitted?: (file: InputFile, entry: LedgerEntry) => void | Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A file to publish, from its ledger entry (from the start when absent). */
export interface FileToPublish {
  file: InputFile;
  /** Where the file stands: absent for a new file; when done, the file grew since. */
  from?: LedgerEntry;
}

/** A chunk read ahead, with the file it is of. */
interface AheadChunk {
  job: FileJob;
  chunk: LineChunk;
  encoded: Promise<EncodedChunk>;
}

/** A file being published: where it started and where its committed chunks have brought it. */
interface FileJob {
  file: InputFile;
  /** The ledger entry the file was taken up at (undefined: a new file). */
  from?: LedgerEntry;
  current: LedgerEntry;
}

/**
 * Publishes `files` in turn, each from its ledger position: chunks are read and encoded ahead,
 * across the end of a file into the next, so the encoders keep working while a chunk commits;
 * they are committed in order, one transaction each. Stops after the chunk in progress when
 * `options.signal` is aborted. Calls `onCommitted` after every chunk with its file's new entry.
 */
export async function publishFiles(
  files: AsyncIterable<FileToPublish> | Iterable<FileToPublish>,
  options: PublishOptions,
): Promise<void> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const chunkLines = options.chunkLines ?? DEFAULT_CHUNK_LINES;
  const readAhead = Math.max(1, options.readAhead ?? 1);
  const chunks = aheadChunks(files, { ...options, maxLineBytes, chunkLines });
  const ahead: AheadChunk[] = [];
  let read = false;
  try {
    for (;;) {
      while (!read && ahead.length <= readAhead) {
        const next = await chunks.next();
        if (next.done) read = true;
        else ahead.push(next.value);
      }
      const head = ahead.shift();
      if (!head) break;
      const parts = [head];
      // A short chunk that ends the file goes with the one before it: a file just over a multiple
      // of the chunk size (a header line and 5,000 rows) costs one transaction, not two.
      const tail = ahead[0];
      if (tail?.job === head.job && tail.chunk.last && tail.chunk.count <= chunkLines / 4) {
        parts.push(ahead.shift()!);
      }
      await commitChunk(head.job, parts, options);
      if (options.signal?.aborted) break;
    }
  } finally {
    // Closes the file being read when publishing stops before its end.
    await chunks.return(undefined);
  }
}

/**
 * The chunks of `files`, in order, each handed to an encoder as it is read (a chunk left behind
 * when publishing stops fails unobserved).
 */
async function* aheadChunks(
  files: AsyncIterable<FileToPublish> | Iterable<FileToPublish>,
  options: PublishOptions & { maxLineBytes: number; chunkLines: number },
): AsyncGenerator<AheadChunk> {
  for await (const { file, from } of files) {
    const current: LedgerEntry = from ??
      { file: file.name, line: 1, rows: 0, bad: 0, done: false, size: file.size };
    const job: FileJob = { file, from, current };
    const chunkOptions: ChunkOptions = {
      file: file.name,
      topic: options.topics.transactions,
      partitions: options.partitions,
      encoding: options.encoding,
      maxArrowRows: options.maxArrowRows,
      maxLineBytes: options.maxLineBytes,
    };
    const lines = readLines(file.path, {
      fromLine: current.line,
      chunkLines: options.chunkLines,
      maxLineBytes: options.maxLineBytes,
    });
    for await (const chunk of lines) {
      const encoded = options.encode(chunk, chunkOptions);
      encoded.catch(() => {});
      yield { job, chunk, encoded };
    }
  }
}

/** Commits the chunks `parts` of `job`'s file in one transaction, with the file's new entry. */
async function commitChunk(
  job: FileJob,
  parts: AheadChunk[],
  options: PublishOptions,
): Promise<void> {
  const { file, current } = job;
  const chunk = joinedChunk(parts.map((part) => part.chunk));
  const encoded = await Promise.all(parts.map((part) => part.encoded));
  const records = encoded.flatMap((part) => unpackRecords(part.records));
  const bad = encoded.flatMap((part) => part.bad);
  const rows = encoded.reduce((sum, part) => sum + part.rows, 0);
  const bytes = encoded.reduce((sum, part) => sum + part.records.values.byteLength, 0);
  const next: LedgerEntry = {
    ...current,
    line: chunk.first + chunk.count,
    rows: current.rows + rows,
    bad: current.bad + bad.length,
    done: chunk.last,
    bytes: chunk.end,
    mtimeMs: file.mtimeMs,
  };
  const transaction = await options.producer.begin();
  try {
    if (records.length > 0) await transaction.send(options.topics.transactions, records);
    if (bad.length > 0) {
      await transaction.send(options.topics.deadLetters, bad.map(deadLetterRecord));
    }
    await transaction.send(options.topics.ledger, [ledgerRecord(options.producerId, next)]);
    await transaction.commit();
  } catch (error) {
    await transaction.abort().catch(() => {});
    throw error;
  }
  job.current = next;
  const metrics = options.metrics;
  metrics.rows += rows;
  metrics.deadLetters += bad.length;
  metrics.transactions++;
  metrics.bytes += bytes;
  // A file published on after it grew was counted when it was first done.
  if (next.done && !job.from?.done) metrics.files++;
  options.events?.emit("published", {
    producerId: options.producerId,
    rows,
    ids: idsOf(encoded),
  });
  await options.onCommitted?.(file, next);
}

/**
 * The `trans_num` of the rows of `parts`, decoded on each call; holds the ids' bytes only, not the
 * messages.
 */
function idsOf(parts: EncodedChunk[]): () => string[] {
  const ids = parts.map(({ rows, ids }) => ({ rows, ids }));
  return () => ids.flatMap(chunkIds);
}

/** Consecutive chunks as one: the first one's start, the last one's end. */
function joinedChunk(chunks: LineChunk[]): Pick<LineChunk, "first" | "count" | "last" | "end"> {
  const last = chunks[chunks.length - 1];
  return {
    first: chunks[0].first,
    count: chunks.reduce((sum, chunk) => sum + chunk.count, 0),
    last: last.last,
    end: last.end,
  };
}

/**
 * The dead-letter message of a bad row: the line as text when it is short, else its first 4 KiB,
 * with the length and SHA-256 of the whole line either way, and its reason cut short.
 */
export function deadLetterRecord(row: DeadLetterRow): OutgoingRecord {
  const reason = boundedReason(row.reason);
  return {
    key: row.file,
    value: encoder.encode(JSON.stringify({
      reason,
      topic: row.topic,
      file: row.file,
      line: row.line,
      raw: decoder.decode(row.raw.head),
      ...excerptFields(row.raw),
    })),
    headers: { reason, source: "producer" },
  };
}
