/**
 * Reading committed records of given offset ranges, outside any consumer group: fetches from the
 * partitions' leaders by a consumer that never joins its group, ending once the ranges are read,
 * past any transaction markers.
 *
 * @module
 */

import { Consumer } from "@platformatic/kafka";
import { delay } from "../../lib/async.ts";
import type { KafkaConnection } from "../kafka/client.ts";
import type { LogRecord, TopicPartition } from "../types.ts";
import type { PlatformaticAdmin } from "./admin.ts";
import { platformaticOptions } from "./client.ts";
import { platformaticLogError } from "./errors.ts";
import { PartitionFetcher } from "./fetcher.ts";

/** Fetch rounds without progress after which a read treats the rest of its range as markers. */
const EMPTY_FETCH_ROUNDS = 3;
/** How long a read waits without progress before it takes what follows as markers or aborted. */
const QUIET_MS = 2000;

/** Offset ranges to read, by partition: from `from` up to (not including) `to`. */
type Ranges = Map<number, { from: number; to: number }>;

/** The reads of a @platformatic/kafka transport; failures are `LogError`s. */
export class PlatformaticReader {
  readonly #connection: KafkaConnection;
  readonly #admin: PlatformaticAdmin;

  /** Reads over `connection`, with `admin` for the ends of topics. */
  constructor(connection: KafkaConnection, admin: PlatformaticAdmin) {
    this.#connection = connection;
    this.#admin = admin;
  }

  /** Committed records of one partition from `from` up to (not including) `to`, batch by batch. */
  read(partition: TopicPartition, range: { from: number; to: number }): AsyncIterable<LogRecord[]> {
    return this.#readRanges(partition.topic, new Map([[partition.partition, range]]));
  }

  /** Every committed record of every partition of `topic`, up to its end when called. */
  async readTopic(topic: string): Promise<LogRecord[]> {
    const ends = await this.#admin.endOffsets(topic);
    const ranges: Ranges = new Map();
    ends.forEach((to, partition) => ranges.set(partition, { from: 0, to }));
    const out: LogRecord[] = [];
    for await (const records of this.#readRanges(topic, ranges)) out.push(...records);
    return out;
  }

  /** Committed records of the given partitions' offset ranges, batch by batch. */
  async *#readRanges(topic: string, ranges: Ranges): AsyncIterable<LogRecord[]> {
    const positions = new Map<number, number>();
    for (const [partition, range] of ranges) {
      if (range.from < range.to) positions.set(partition, range.from);
    }
    if (positions.size === 0) return;
    const consumer = new Consumer({
      ...platformaticOptions(this.#connection),
      groupId: `fraudstream-reader-${crypto.randomUUID()}`,
      autocommit: false,
    });
    const fetcher = new PartitionFetcher(consumer, topic, {
      maxRecords: Number.MAX_SAFE_INTEGER,
      maxWaitMs: 100,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
    });
    let emptyRounds = 0;
    let lastProgress = Date.now();
    try {
      while (positions.size > 0) {
        const round = await fetcher.fetch(positions);
        if (round.failed.length > 0) throw round.error;
        const { fetched } = round;
        emptyRounds = fetched.length === 0 ? emptyRounds + 1 : 0;
        if (fetched.length > 0) lastProgress = Date.now();
        for (const result of fetched) {
          const { to } = ranges.get(result.partition)!;
          const records = result.records.filter((record) => record.offset < to);
          if (result.nextOffset >= to) positions.delete(result.partition);
          else positions.set(result.partition, result.nextOffset);
          if (records.length > 0) yield records;
        }
        // `to` was at most the end of the records when the read began, so once whole fetch rounds
        // bring nothing more for a quiet spell, the offsets left are markers or aborted records
        // (or a transaction still open, which a read of what was committed does not wait for).
        if (emptyRounds >= EMPTY_FETCH_ROUNDS && Date.now() - lastProgress >= QUIET_MS) return;
        if (fetched.length === 0) await delay(20);
      }
    } catch (error) {
      throw platformaticLogError(error, this.#connection.brokers);
    } finally {
      await consumer.close(true).catch(() => {});
    }
  }
}
