/**
 * How records are cut into produce requests: one partition per request, and no request over the
 * size a broker accepts.
 *
 * @module
 */

import { partitionForKey } from "../partitioner.ts";
import type { OutgoingRecord } from "../types.ts";

/**
 * Most bytes of records sent in one request. Both clients put all of a request's records for a
 * partition in one record batch, which the broker refuses past `message.max.bytes` (1 MiB by
 * default): a consumer catching up, with thousands of scores per partition in one transaction,
 * would otherwise fail on every try. Each request of a transaction to a partition waits for the
 * replicas in turn, so the producer's partition of a paced file (three Arrow messages, about 700
 * KB, at 50,000 tx/s offered) goes out in one request, not two as under 512 KiB; the estimate of a
 * record's size (`requestSized`) is above its encoded size, so a batch stays under 1 MiB.
 */
export const MAX_REQUEST_BYTES = 896 * 1024;

/**
 * Groups records by the partition they go to, keeping their order within each partition: the
 * explicit partition, else the key's partition under Kafka's default partitioner, else the next
 * partition in turn. kafkajs must be given one partition per send: when a send spanning several
 * leaders fails on one of them, its retry re-sends to leaders whose first request is still in
 * flight, under new sequence numbers, and the transaction then commits those records twice.
 */
export function groupByPartition(
  records: OutgoingRecord[],
  partitions: number,
): Map<number, OutgoingRecord[]> {
  const groups = new Map<number, OutgoingRecord[]>();
  let next = 0;
  for (const record of records) {
    const partition = record.partition ??
      (record.key === null ? next++ % partitions : partitionForKey(record.key, partitions));
    let group = groups.get(partition);
    if (!group) groups.set(partition, group = []);
    group.push(record.partition === partition ? record : { ...record, partition });
  }
  return groups;
}

/** Splits records, in order, into runs of at most `MAX_REQUEST_BYTES` (one record at least). */
export function requestSized(
  records: OutgoingRecord[],
  maxBytes = MAX_REQUEST_BYTES,
): OutgoingRecord[][] {
  const chunks: OutgoingRecord[][] = [];
  let chunk: OutgoingRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    let size = record.value.byteLength + (record.key?.length ?? 0) + 70;
    for (const [name, value] of Object.entries(record.headers ?? {})) {
      size += name.length + value.length;
    }
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}
