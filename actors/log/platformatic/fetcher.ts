/**
 * Read-committed fetches of a topic's partitions from their leaders, through a @platformatic/kafka
 * consumer's `fetch` (the client's message stream delivers records one by one, with no batch
 * boundaries, per-partition pause or seek, and passes on the records of aborted transactions):
 * one request per leader, all leaders at once, each partition from the offset asked for.
 *
 * @module
 */

import { type Consumer, FetchIsolationLevels } from "@platformatic/kafka";
import type { LogRecord } from "../types.ts";
import { batchEnd, committedRecords, type FetchedBatch } from "./records.ts";

/** What one partition's fetch brought. */
export interface FetchedPartition {
  partition: number;
  /** Offset the fetch started from. */
  fetchedOffset: number;
  /** Offset after what was fetched, past transaction markers and aborted records. */
  nextOffset: number;
  /** Offset the next record appended to the partition will get. */
  highWatermark: number;
  /** Committed records, in offset order. */
  records: LogRecord[];
}

/** Options of a `PartitionFetcher`. */
export interface FetcherOptions {
  /** Most records handed on per partition and fetch (the rest are fetched again). */
  maxRecords: number;
  /** Longest the broker holds a fetch waiting for records, in ms. */
  maxWaitMs: number;
  maxBytesPerPartition: number;
  maxBytes: number;
}

/** Fetches of one topic's partitions through `consumer`, which need not be in a group. */
export class PartitionFetcher {
  readonly #consumer: Consumer;
  readonly #topic: string;
  readonly #options: FetcherOptions;
  /** Whether the next fetch looks up the leaders again (after a failure). */
  #staleLeaders = false;

  /** Fetches of `topic` through `consumer`. */
  constructor(consumer: Consumer, topic: string, options: FetcherOptions) {
    this.#consumer = consumer;
    this.#topic = topic;
    this.#options = options;
    consumer.topics.track(topic);
  }

  /**
   * Fetches every partition of `positions` from its offset; resolves with the partitions whose
   * position moved (records, or only markers and aborted records).
   */
  async fetch(positions: Map<number, number>): Promise<FetchedPartition[]> {
    const metadata = await this.#consumer.metadata({
      topics: [this.#topic],
      forceUpdate: this.#staleLeaders,
    });
    this.#staleLeaders = false;
    const topic = metadata.topics.get(this.#topic)!;
    const byLeader = new Map<number, number[]>();
    for (const partition of positions.keys()) {
      const leader = topic.partitions[partition]?.leader ?? -1;
      if (leader < 0) {
        // A leader being elected: the partition waits for the next round's fresh metadata.
        this.#staleLeaders = true;
        continue;
      }
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition]);
    }
    try {
      const answers = await Promise.all(
        [...byLeader].map(([node, partitions]) =>
          this.#consumer.fetch({
            node,
            isolationLevel: FetchIsolationLevels.READ_COMMITTED,
            maxWaitTime: this.#options.maxWaitMs,
            minBytes: 1,
            maxBytes: this.#options.maxBytes,
            topics: [{
              topicId: topic.id,
              partitions: partitions.map((partition) => ({
                partition,
                fetchOffset: BigInt(positions.get(partition)!),
                partitionMaxBytes: this.#options.maxBytesPerPartition,
                currentLeaderEpoch: -1,
                lastFetchedEpoch: -1,
              })),
            }],
          })
        ),
      );
      const out: FetchedPartition[] = [];
      for (const answer of answers) {
        for (const fetchedTopic of answer.responses) {
          if (fetchedTopic.topicId !== topic.id && fetchedTopic.topicId !== this.#topic) continue;
          for (const fetched of fetchedTopic.partitions) {
            const from = positions.get(fetched.partitionIndex);
            // A partition lingering in the broker's fetch session, not asked for this time.
            if (from === undefined) continue;
            const result = this.#moved(fetched.partitionIndex, from, fetched);
            if (result) out.push(result);
          }
        }
      }
      return out;
    } catch (error) {
      this.#staleLeaders = true;
      throw error;
    }
  }

  /** What a partition's answer brought, or undefined when its position did not move. */
  #moved(
    partition: number,
    from: number,
    fetched: {
      highWatermark: bigint;
      abortedTransactions: { producerId: bigint; firstOffset: bigint }[] | null;
      records?: FetchedBatch[] | null;
    },
  ): FetchedPartition | undefined {
    const batches = fetched.records ?? [];
    if (batches.length === 0) return undefined;
    const end = Number(batchEnd(batches[batches.length - 1]));
    if (end <= from) return undefined;
    let records = committedRecords(batches, fetched.abortedTransactions, BigInt(from));
    let nextOffset = end;
    if (records.length > this.#options.maxRecords) {
      records = records.slice(0, this.#options.maxRecords);
      nextOffset = records[records.length - 1].offset + 1;
    }
    return {
      partition,
      fetchedOffset: from,
      nextOffset,
      highWatermark: Number(fetched.highWatermark),
      records,
    };
  }
}
