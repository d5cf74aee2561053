/**
 * Publishes input files: consecutive chunks of lines, of one file or several, become one
 * transaction holding their valid transactions (keyed by card number), their bad rows (to the
 * dead-letter topic, with reason, file and line) and each file's new ledger position, so a chunk
 * is published entirely or not at all. A transaction takes the chunks already read, up to
 * `transactionLines`; a short chunk that ends a file always shares the transaction of the chunk
 * before it.
 *
 * @module
 */

import { allSettledOrThrow, deadline } from "../../lib/async.ts";
import type { OutgoingRecord, TransactionalProducer } from "../../log/types.ts";
import { STEP_DEADLINE_MS } from "../step_deadline.ts";
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
import { ChunkBuffers, DEFAULT_MAX_LINE_BYTES, type LineChunk, readLines } from "./lines.ts";
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
   * Lines read and encoded together (default: the encoding's `CHUNK_LINES`); a file's last chunk,
   * when it holds at most a quarter of that, is published with the one before it.
   */
  chunkLines?: number;
  /**
   * Most lines in one transaction (default `chunkLines`; 1: a chunk each): chunks already read
   * (of files shorter than a chunk) share a transaction up to that, across the ends of files.
   * Each transaction costs the log a few round trips (on Kafka tens of ms, whatever its size), so
   * a producer that is behind publishes in larger ones.
   */
  transactionLines?: number;
  /** Longest line read, in bytes (default 64 KiB): a longer one is a dead letter, not held. */
  maxLineBytes?: number;
  /** Most transactions per Arrow message (default `DEFAULT_MAX_ARROW_ROWS`). */
  maxArrowRows?: number;
  /** Parses and encodes a chunk (`encodeChunk`, on an encoder worker). */
  encode: (chunk: LineChunk, options: ChunkOptions) => Promise<EncodedChunk>;
  /** Chunks being encoded, beyond the next transaction's, while one is published (default 1). */
  readAhead?: number;
  metrics: ProducerMetrics;
  /** Stops after the transaction in progress. */
  signal?: AbortSignal;
  /**
   * Longest a transaction (begin, sends, commit) may take, in ms (default 90 s): past it,
   * `publishFiles` rejects with a `StepTimeoutError`, and the producer that is stuck in it is the
   * caller's to replace (a new one with the same transactional id fences it).
   */
  deadlineMs?: number;
  /**
   * Told `published` after every committed transaction, with the number of rows it published
   * (and with `publishIds` their ids, decoded only when asked for).
   */
  events?: PipelineEmitter;
  /**
   * Gather the `trans_num` of the published rows for the `published` events (`ids()`), as an id
   * ledger needs (the benchmarks' and chaos scenarios' proof); without it they are not gathered.
   */
  publishIds?: boolean;
  /**
   * Called, and awaited, after every committed transaction with each file it published rows of
   * and the file's new entry, in order.
   */
  onCommitted?: (file: InputFile, entry: LedgerEntry) => void | Promise<void>;
}

/**
 * Lines per chunk unless configured, by wire encoding. A chunk is one post to an encoder and back
 * and, on the consumer, one batch a partition: each costs a few hundred µs of the main thread on
 * saturated cores, where an Arrow row costs it a few µs. So Arrow reads large chunks (20,000
 * lines: 4.4 MB of Sparkov CSV, about 3,300 rows a partition of 6, sent as Arrow messages of at
 * most `DEFAULT_MAX_ARROW_ROWS` rows). A JSON row costs several times an Arrow one: JSON gains
 * nothing from large chunks, which only hold its first rows back longer (with 20,000, its p99 at
 * 50,000 tx/s offered rose from 166-220 ms to 240-260).
 */
export const CHUNK_LINES: Readonly<Record<WireEncoding, number>> = { arrow: 20_000, json: 5_000 };

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
 * across the end of a file into the next, so the encoders keep working while a transaction
 * commits; they are committed in order, as many as are read ahead and fit in `transactionLines`
 * per transaction. Stops after the transaction in progress when `options.signal` is aborted.
 * Calls `onCommitted` after every transaction with each of its files' new entries.
 */
export async function publishFiles(
  files: AsyncIterable<FileToPublish> | Iterable<FileToPublish>,
  options: PublishOptions,
): Promise<void> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const chunkLines = options.chunkLines ?? CHUNK_LINES[options.encoding];
  const transactionLines = options.transactionLines ?? chunkLines;
  // The next transaction's chunks and, beyond them, as many again (or `readAhead`) encoding
  // while it commits.
  const perTransaction = Math.max(1, Math.ceil(transactionLines / chunkLines));
  const aheadLimit = perTransaction + Math.max(perTransaction, options.readAhead ?? 1);
  const chunks = aheadChunks(files, { ...options, maxLineBytes, chunkLines });
  const ahead: AheadChunk[] = [];
  let read = false;
  try {
    for (;;) {
      while (!read && ahead.length < aheadLimit) {
        const next = await chunks.next();
        if (next.done) read = true;
        else ahead.push(next.value);
      }
      const head = ahead.shift();
      if (!head) break;
      const parts = [head];
      let lines = head.chunk.count;
      for (let next = ahead[0]; next; next = ahead[0]) {
        // A file just over a multiple of the chunk size (a header line and 5,000 rows) never
        // costs a transaction of its own for its last few lines.
        const shortTail = next.job === parts[parts.length - 1].job && next.chunk.last &&
          next.chunk.count <= chunkLines / 4;
        if (!shortTail && lines + next.chunk.count > transactionLines) break;
        parts.push(ahead.shift()!);
        lines += next.chunk.count;
      }
      await commitTransaction(parts, options);
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
  const buffers = new ChunkBuffers();
  const reuse = (encoded: EncodedChunk) => {
    if (encoded.spent) buffers.give(encoded.spent);
    return encoded;
  };
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
      ids: options.publishIds,
    };
    const lines = readLines(file.path, {
      fromLine: current.line,
      chunkLines: options.chunkLines,
      maxLineBytes: options.maxLineBytes,
      buffers,
    });
    for await (const chunk of lines) {
      const encoded = options.encode(chunk, chunkOptions).then(reuse);
      encoded.catch(() => {});
      yield { job, chunk, encoded };
    }
  }
}

/**
 * Commits the chunks `parts`, consecutive chunks of one file or several, in one transaction, with
 * each file's new ledger entry.
 */
async function commitTransaction(parts: AheadChunk[], options: PublishOptions): Promise<void> {
  const encoded = await Promise.all(parts.map((part) => part.encoded));
  const files: { job: FileJob; next: LedgerEntry }[] = [];
  for (let start = 0; start < parts.length;) {
    const job = parts[start].job;
    let end = start + 1;
    while (end < parts.length && parts[end].job === job) end++;
    files.push({ job, next: nextEntry(job, parts.slice(start, end), encoded.slice(start, end)) });
    start = end;
  }
  const records = encoded.flatMap((part) => unpackRecords(part.records));
  const bad = encoded.flatMap((part) => part.bad);
  const sends: [string, OutgoingRecord[]][] = [];
  if (records.length > 0) sends.push([options.topics.transactions, records]);
  if (bad.length > 0) sends.push([options.topics.deadLetters, bad.map(deadLetterRecord)]);
  sends.push([
    options.topics.ledger,
    files.map(({ next }) => ledgerRecord(options.producerId, options.topics.transactions, next)),
  ]);
  await deadline(
    publishTransaction(options.producer, sends),
    options.deadlineMs ?? STEP_DEADLINE_MS,
    `producer ${options.producerId}: transaction of ${describeFiles(files)}`,
  );
  const rows = encoded.reduce((sum, part) => sum + part.rows, 0);
  const metrics = options.metrics;
  metrics.rows += rows;
  metrics.deadLetters += bad.length;
  metrics.transactions++;
  metrics.bytes += encoded.reduce((sum, part) => sum + part.records.values.byteLength, 0);
  for (const { job, next } of files) {
    job.current = next;
    // A file published on after it grew was counted when it was first done.
    if (next.done && !job.from?.done) metrics.files++;
  }
  options.events?.emit("published", {
    producerId: options.producerId,
    rows,
    ...(options.publishIds ? { ids: idsOf(encoded) } : {}),
  });
  for (const { job, next } of files) await options.onCommitted?.(job.file, next);
}

/** Sends each topic's records in one transaction of `producer`, and commits it. */
async function publishTransaction(
  producer: TransactionalProducer,
  sends: [string, OutgoingRecord[]][],
): Promise<void> {
  const transaction = await producer.begin();
  try {
    // The topics in parallel: on Kafka each is a round trip of its own.
    await allSettledOrThrow(sends.map(([topic, records]) => transaction.send(topic, records)));
    await transaction.commit();
  } catch (error) {
    await transaction.abort().catch(() => {});
    throw error;
  }
}

/** The files a transaction publishes, for an error: `a.csv from line 2 and 3 more files`. */
function describeFiles(files: { job: FileJob; next: LedgerEntry }[]): string {
  const first = `${files[0].job.file.name} from line ${files[0].job.current.line}`;
  return files.length === 1 ? first : `${first} and ${files.length - 1} more files`;
}

/** `job`'s ledger entry once its consecutive chunks `parts`, encoded as `encoded`, are published. */
function nextEntry(job: FileJob, parts: AheadChunk[], encoded: EncodedChunk[]): LedgerEntry {
  const chunk = joinedChunk(parts.map((part) => part.chunk));
  const current = job.current;
  return {
    ...current,
    line: chunk.first + chunk.count,
    rows: current.rows + encoded.reduce((sum, part) => sum + part.rows, 0),
    bad: current.bad + encoded.reduce((sum, part) => sum + part.bad.length, 0),
    done: chunk.last,
    bytes: chunk.end,
    mtimeMs: job.file.mtimeMs,
  };
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
