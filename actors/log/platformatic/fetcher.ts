/**
 * Read-committed fetches of a topic's partitions from their leaders, through a @platformatic/kafka
 * consumer's `fetch` (the client's message stream delivers records one by one, with no batch
 * boundaries, per-partition pause or seek, and passes on the records of aborted transactions):
 * one request per leader, all leaders at once and each on its own, so that a leader gone (whose
 * fetch fails only after the client's retries) holds back none of the other leaders' partitions;
 * each partition from the offset asked for.
 *
 * @module
 */

import { type Consumer, FetchIsolationLevels } from "@platformatic/kafka";
import { LogError, type LogRecord } from "../types.ts";
import { hasUsageError } from "./errors.ts";
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

/**
 * What a fetch brought: the partitions it asked for, those whose position moved, and, when their
 * leader did not answer, the partitions that failed with the error. Failed partitions are fetched
 * again from fresh metadata when asked for next.
 */
export interface FetchRound {
  partitions: number[];
  fetched: FetchedPartition[];
  failed: number[];
  error?: unknown;
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
  /** Leaders with a fetch under way: one at a time each (the broker keeps a fetch session). */
  readonly #busyLeaders = new Set<number>();

  /** Fetches of `topic` through `consumer`. */
  constructor(consumer: Consumer, topic: string, options: FetcherOptions) {
    this.#consumer = consumer;
    this.#topic = topic;
    this.#options = options;
    consumer.topics.track(topic);
  }

  /**
   * Fetches every partition of `positions` from its offset, all leaders at once, and resolves when
   * every leader has answered or failed.
   *
   * @throws when the topic's metadata cannot be read: no partition was fetched.
   */
  async fetch(positions: Map<number, number>): Promise<FetchRound> {
    const rounds = await Promise.all((await this.fetchEach(positions)).map((fetch) => fetch.round));
    return {
      partitions: rounds.flatMap((round) => round.partitions),
      fetched: rounds.flatMap((round) => round.fetched),
      failed: rounds.flatMap((round) => round.failed),
      error: rounds.find((round) => round.failed.length > 0)?.error,
    };
  }

  /**
   * Starts one fetch per leader of the partitions of `positions` (from their offsets), skipping
   * partitions whose leader has a fetch under way or is being elected; resolves, once the leaders
   * are known, with the fetches started: their partitions, and their rounds, each settling on its
   * own and never rejecting (a failure is in its `failed`).
   *
   * @throws when the topic's metadata cannot be read: no fetch was started.
   */
  async fetchEach(
    positions: Map<number, number>,
  ): Promise<{ partitions: number[]; round: Promise<FetchRound> }[]> {
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
      if (this.#busyLeaders.has(leader)) continue;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), partition]);
    }
    return [...byLeader].map(([node, partitions]) => {
      this.#busyLeaders.add(node);
      const round = this.#consumer.fetch({
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
      }).then(
        (answer): FetchRound => {
          const fetched: FetchedPartition[] = [];
          for (const fetchedTopic of answer.responses) {
            if (fetchedTopic.topicId !== topic.id && fetchedTopic.topicId !== this.#topic) continue;
            for (const partition of fetchedTopic.partitions) {
              // A partition lingering in the broker's fetch session, not asked for this time.
              if (!partitions.includes(partition.partitionIndex)) continue;
              const from = positions.get(partition.partitionIndex)!;
              const result = this.#moved(partition.partitionIndex, from, partition);
              if (result) fetched.push(result);
            }
          }
          return { partitions, fetched, failed: [] };
        },
        (error): FetchRound => {
          this.#staleLeaders = true;
          // The client refuses a fetch from a node its metadata no longer lists (the leader left
          // between the lookup and the fetch): a leader change, not a wrong request.
          const failure = hasUsageError(error)
            ? new LogError("unavailable", `the leader of partitions ${partitions} left`, {
              cause: error,
            })
            : error;
          return { partitions, fetched: [], failed: partitions, error: failure };
        },
      ).finally(() => this.#busyLeaders.delete(node));
      return { partitions, round };
    });
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
