/**
 * Records between fraudstream's shape (`OutgoingRecord`, `LogRecord`) and @platformatic/kafka's:
 * messages to produce, and the record batches of fetch responses, read as a read-committed
 * consumer must (transaction markers and aborted transactions left out).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { LogRecord, OutgoingRecord } from "../types.ts";

/** Record batch attributes (Kafka's `RecordBatch`). */
const IS_TRANSACTIONAL = 0x10;
const IS_CONTROL = 0x20;
/** Control record type of an abort marker (the second int16 of the control record's key). */
const ABORT_MARKER = 0;

/** A record of a fetched batch (@platformatic/kafka's `KafkaRecord`). */
export interface FetchedRecord {
  timestampDelta: bigint;
  offsetDelta: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: [Buffer | null, Buffer | null][];
}

/** A fetched record batch (@platformatic/kafka's `RecordsBatch`). */
export interface FetchedBatch {
  firstOffset: bigint;
  attributes: number;
  lastOffsetDelta: number;
  firstTimestamp: bigint;
  producerId: bigint;
  records: FetchedRecord[];
}

/** A transaction the broker reports as aborted, from its first offset on. */
export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

/** A message to produce (@platformatic/kafka's `MessageToProduce`). */
export interface ProduceMessage {
  topic: string;
  partition: number;
  key?: Buffer;
  value: Buffer;
  headers?: Map<Buffer, Buffer>;
}

const toBuffer = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Messages of `records`, each of one partition already chosen (the value bytes are shared). */
export function toProduceMessages(topic: string, records: OutgoingRecord[]): ProduceMessage[] {
  return records.map((record) => {
    const message: ProduceMessage = {
      topic,
      partition: record.partition!,
      key: record.key === null ? undefined : Buffer.from(record.key),
      value: toBuffer(record.value),
    };
    if (record.headers) {
      message.headers = new Map();
      for (const [name, value] of Object.entries(record.headers)) {
        message.headers.set(Buffer.from(name), Buffer.from(value));
      }
    }
    return message;
  });
}

/** Offset after a fetched batch. */
export function batchEnd(batch: FetchedBatch): bigint {
  return batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
}

/**
 * The committed records of fetched batches from `from` on, in offset order: transaction markers and
 * the batches of aborted transactions are left out, as Kafka's Java consumer does with the aborted
 * transactions the broker lists beside a read-committed fetch.
 */
export function committedRecords(
  batches: FetchedBatch[],
  aborted: AbortedTransaction[] | null | undefined,
  from: bigint,
): LogRecord[] {
  const pending = [...(aborted ?? [])].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1));
  const abortedProducers = new Set<bigint>();
  const out: LogRecord[] = [];
  for (const batch of batches) {
    const last = batchEnd(batch) - 1n;
    while (pending.length > 0 && pending[0].firstOffset <= last) {
      abortedProducers.add(pending.shift()!.producerId);
    }
    if (batch.attributes & IS_CONTROL) {
      const key = batch.records[0]?.key;
      if (key && key.length >= 4 && key.readInt16BE(2) === ABORT_MARKER) {
        abortedProducers.delete(batch.producerId);
      }
      continue;
    }
    if ((batch.attributes & IS_TRANSACTIONAL) && abortedProducers.has(batch.producerId)) continue;
    for (const record of batch.records) {
      const offset = batch.firstOffset + BigInt(record.offsetDelta);
      if (offset < from) continue;
      out.push(toLogRecord(batch, record, offset));
    }
  }
  return out;
}

function toLogRecord(batch: FetchedBatch, record: FetchedRecord, offset: bigint): LogRecord {
  const value = record.value ?? new Uint8Array(0);
  const headers: Record<string, string> = {};
  for (const [name, headerValue] of record.headers) {
    if (name === null) continue;
    headers[name.toString()] = headerValue === null ? "" : headerValue.toString();
  }
  return {
    offset: Number(offset),
    key: record.key ? record.key.toString() : null,
    value: new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
    headers,
    timestamp: Number(batch.firstTimestamp + record.timestampDelta),
  };
}
