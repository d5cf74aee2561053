/**
 * Publishes input files: each chunk of lines becomes one transaction holding its valid
 * transactions (keyed by card number), its bad rows (to the dead-letter topic, with reason, file
 * and line) and the file's new ledger position, so a chunk is published entirely or not at all.
 *
 * @module
 */

import {
  encodeArrow,
  encodeJson,
  ENCODING_HEADER,
  type WireEncoding,
} from "../codec/transactions.ts";
import type { Transaction } from "../../model/schema.ts";
import { partitionForKey } from "../transport/partitioner.ts";
import type { OutgoingRecord, TransactionalProducer } from "../transport/types.ts";
import type { InputFile } from "./files.ts";
import { type LedgerEntry, ledgerRecord } from "./ledger.ts";
import { readLines } from "./lines.ts";
import { isHeader, parseTransactionLine } from "./rows.ts";

/** Counters of a producer, kept across restarts of its actor. */
export interface ProducerMetrics {
  files: number;
  rows: number;
  deadLetters: number;
  bytes: number;
  transactions: number;
}

/** Creates zeroed producer counters. */
export function producerMetrics(): ProducerMetrics {
  return { files: 0, rows: 0, deadLetters: 0, bytes: 0, transactions: 0 };
}

/** Where and how a file is published. */
export interface PublishOptions {
  producer: TransactionalProducer;
  producerId: string;
  topics: { transactions: string; deadLetters: string; ledger: string };
  /** Partitions of the transactions topic (Arrow batches are built per partition). */
  partitions: number;
  encoding: WireEncoding;
  /** Lines per transaction (default 5000). */
  chunkLines?: number;
  /** Most transactions per Arrow message (default 2000, well under Kafka's 1 MB message limit). */
  maxArrowRows?: number;
  metrics: ProducerMetrics;
  /** Stops after the chunk in progress. */
  signal?: AbortSignal;
  /** Called after every committed chunk with the valid rows it published. */
  onPublished?: (rows: Transaction[]) => void;
  /** Called after every committed chunk with the file's new ledger entry. */
  onCommitted?: (entry: LedgerEntry) => void;
}

/** A row that went to the dead-letter topic. */
export interface DeadLetterRow {
  reason: string;
  /** The topic the row was meant for. */
  topic: string;
  file: string;
  line: number;
  raw: string;
}

const encoder = new TextEncoder();

/** Publishes `file` from the ledger position `entry` (from the start when absent); the new entry. */
export async function publishFile(
  file: InputFile,
  entry: LedgerEntry | undefined,
  options: PublishOptions,
): Promise<LedgerEntry> {
  let current: LedgerEntry = entry ??
    { file: file.name, line: 1, rows: 0, bad: 0, done: false, size: file.size };
  const chunks = readLines(file.path, { fromLine: current.line, chunkLines: options.chunkLines });
  for await (const chunk of chunks) {
    const rows: Transaction[] = [];
    const bad: DeadLetterRow[] = [];
    chunk.lines.forEach((line, index) => {
      const number = chunk.first + index;
      if (number === 1 && isHeader(line)) return;
      if (line.trim() === "") return;
      const parsed = parseTransactionLine(line);
      if ("reason" in parsed) {
        const reason = number === 1 ? `not the Sparkov header: ${parsed.reason}` : parsed.reason;
        bad.push({
          reason,
          topic: options.topics.transactions,
          file: file.name,
          line: number,
          raw: line,
        });
      } else rows.push(parsed);
    });
    const next: LedgerEntry = {
      ...current,
      line: chunk.first + chunk.lines.length,
      rows: current.rows + rows.length,
      bad: current.bad + bad.length,
      done: chunk.last,
    };
    const records = transactionRecords(rows, options);
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
    current = next;
    options.onCommitted?.(next);
    const metrics = options.metrics;
    metrics.rows += rows.length;
    metrics.deadLetters += bad.length;
    metrics.transactions++;
    for (const record of records) metrics.bytes += record.value.byteLength;
    if (next.done) metrics.files++;
    options.onPublished?.(rows);
    if (options.signal?.aborted && !chunk.last) break;
  }
  return current;
}

/** The messages carrying `rows` in the configured encoding. */
export function transactionRecords(
  rows: Transaction[],
  options: Pick<PublishOptions, "encoding" | "partitions" | "maxArrowRows">,
): OutgoingRecord[] {
  if (options.encoding === "json") {
    return rows.map((row) => ({
      key: row.cc_num,
      value: encodeJson(row),
      headers: { [ENCODING_HEADER]: "json" },
    }));
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

/** The dead-letter message of a bad row. */
export function deadLetterRecord(row: DeadLetterRow): OutgoingRecord {
  return {
    key: row.file,
    value: encoder.encode(JSON.stringify(row)),
    headers: { reason: row.reason, source: "producer" },
  };
}
