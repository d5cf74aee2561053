/**
 * Which partition a keyed record goes to: Kafka's default partitioner (murmur2 of the key, as the
 * Java client computes it), taken from kafkajs, so the embedded log, fraudstream's producers and
 * any other Kafka client agree on where a card's transactions live.
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
