/**
 * Which partition a keyed record goes to: Kafka's default partitioner (murmur2 of the key, as the
 * Java client computes it), taken from kafkajs, so the embedded log, fraudstream's producers and
 * any other Kafka client agree on where a card's transactions live. `partitionForKeyBytes` computes
 * the same from the key's UTF-8 bytes where they lie (the producer's CSV chunk), with no string and
 * no cache.
 *
 * @module
 */

import { Partitioners } from "kafkajs";

const defaultPartitioner = Partitioners.DefaultPartitioner();

/** Most keys remembered per partition count; cards repeat, so lookups mostly hit. */
const CACHE_LIMIT = 1_000_000;

interface PartitionTable {
  metadata: { partitionId: number; leader: number }[];
  cache: Map<string, number>;
}

const tables = new Map<number, PartitionTable>();

/** Partition of `key` in a topic with `partitions` partitions. */
export function partitionForKey(key: string, partitions: number): number {
  let table = tables.get(partitions);
  if (!table) {
    const metadata = Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
    }));
    table = { metadata, cache: new Map() };
    tables.set(partitions, table);
  }
  const cached = table.cache.get(key);
  if (cached !== undefined) return cached;
  const partition = defaultPartitioner({
    topic: "",
    partitionMetadata: table.metadata as never,
    message: { key, value: null },
  });
  if (table.cache.size >= CACHE_LIMIT) table.cache.clear();
  table.cache.set(key, partition);
  return partition;
}

/** Java's `Utils.murmur2` of `bytes[start, end)`, a signed 32-bit integer. */
export function murmur2(bytes: Uint8Array, start: number, end: number): number {
  const M = 0x5bd1e995;
  const length = end - start;
  let h = 0x9747b28c ^ length;
  const whole = start + (length & ~3);
  for (let i = start; i < whole; i += 4) {
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  switch (length & 3) {
    case 3:
      h ^= bytes[whole + 2] << 16;
    // falls through
    case 2:
      h ^= bytes[whole + 1] << 8;
    // falls through
    case 1:
      h ^= bytes[whole];
      h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h;
}

/**
 * Partition of the key whose UTF-8 bytes are `bytes[start, end)` in a topic with `partitions`
 * partitions: what `partitionForKey` gives for that key.
 */
export function partitionForKeyBytes(
  bytes: Uint8Array,
  start: number,
  end: number,
  partitions: number,
): number {
  return (murmur2(bytes, start, end) & 0x7fffffff) % partitions;
}
