/**
 * Records between fraudstream's shape (`OutgoingRecord`, `LogRecord`) and kafkajs's messages.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { LogRecord, OutgoingRecord } from "../types.ts";

const toBuffer = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** kafkajs messages of `records` (the bytes are shared, not copied). */
export function toKafkaMessages(records: OutgoingRecord[]): {
  key: string | null;
  value: Buffer;
  partition?: number;
  headers?: Record<string, string>;
}[] {
  return records.map((record) => ({
    key: record.key,
    value: toBuffer(record.value),
    partition: record.partition,
    headers: record.headers,
  }));
}

function fromKafkaHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return out;
}

/** The record of a fetched kafkajs message. */
export function toLogRecord(message: {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, unknown>;
  timestamp: string;
}): LogRecord {
  const value = message.value ?? new Uint8Array(0);
  return {
    offset: Number(message.offset),
    key: message.key ? message.key.toString() : null,
    value: new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
    headers: fromKafkaHeaders(message.headers),
    timestamp: Number(message.timestamp),
  };
}
