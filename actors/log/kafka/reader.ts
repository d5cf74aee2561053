/**
 * Reading committed records of given offset ranges, outside any consumer group of the
 * application: kafkajs reads only as a group member, so each read joins a throw-away group that
 * never commits, and ends once its ranges are read, past any transaction markers.
 *
 * @module
 */

import type { Kafka } from "kafkajs";
import { delay } from "../../lib/async.ts";
import { LogError, type LogRecord, type TopicPartition } from "../types.ts";
import type { KafkaAdmin } from "./admin.ts";
import { kafkaLogError } from "./errors.ts";
import { toLogRecord } from "./records.ts";

/** Fetch rounds without records after which a read treats the rest of its range as markers. */
const EMPTY_FETCH_ROUNDS = 3;
/** How long a read waits without progress before it takes what follows as markers or aborted. */
const QUIET_MS = 2000;
/** How long a read may take to join its throw-away group. */
const READER_JOIN_TIMEOUT_MS = 30_000;

/** Offset ranges to read, by partition: from `from` up to (not including) `to`. */
type Ranges = Map<number, { from: number; to: number }>;

/** The reads of a Kafka transport; failures are `LogError`s. */
export class KafkaReader {
  readonly #kafka: Kafka;
  readonly #admin: KafkaAdmin;
  readonly #brokers: string[];

  /** Reads through `kafka`, with `admin` for the ends of topics. */
  constructor(kafka: Kafka, admin: KafkaAdmin, brokers: string[]) {
    this.#kafka = kafka;
    this.#admin = admin;
    this.#brokers = brokers;
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

  /** Committed records of the given partitions' offset ranges, batch by batch, in one consumer. */
  async *#readRanges(topic: string, ranges: Ranges): AsyncIterable<LogRecord[]> {
    for (const [partition, range] of ranges) {
      if (range.from >= range.to) ranges.delete(partition);
    }
    if (ranges.size === 0) return;
    let joined = false;
    const started = Date.now();
    const consumer = this.#kafka.consumer({
      groupId: `fraudstream-reader-${crypto.randomUUID()}`,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
      retry: {
        retries: 3,
        // A retriable failure before the join (a coordinator still loading its offsets on a fresh
        // or failed-over cluster) restarts the join; after it, a restart would read from the start
        // again, so the failure ends the read.
        restartOnFailure: () =>
          Promise.resolve(!joined && Date.now() - started < READER_JOIN_TIMEOUT_MS),
      },
    });
    const queue: (LogRecord[] | Error)[] = [];
    const positions = new Map([...ranges].map(([partition, range]) => [partition, range.from]));
    const done = () => [...ranges].every(([p, range]) => positions.get(p)! >= range.to);
    // Fetch rounds completed since the last batch arrived.
    let emptyRounds = 0;
    let lastProgress = started;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        if (joined) return;
        // The group gives this reader every partition of the topic: fetch only those it reads.
        const others = (event.payload.memberAssignment[topic] ?? []).filter((p) => !ranges.has(p));
        if (others.length > 0) consumer.pause([{ topic, partitions: others }]);
        for (const [partition, range] of ranges) {
          consumer.seek({ topic, partition, offset: String(range.from) });
        }
        joined = true;
      });
      consumer.on(consumer.events.CRASH, (event) => {
        if (!event.payload.restart) queue.push(event.payload.error);
      });
      consumer.on(consumer.events.FETCH, () => {
        if (joined) emptyRounds++;
      });
      // Fetches of nothing but markers or aborted records never reach eachBatch; they still move
      // the position, so a range that ends in them is known to be read to its end.
      consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
        if (!joined || payload.batchSize !== 0 || !ranges.has(payload.partition)) return;
        const next = Number(payload.lastOffset) + 1;
        if (next > positions.get(payload.partition)!) {
          positions.set(payload.partition, next);
          lastProgress = Date.now();
        }
      });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: ranges.size,
        eachBatch: ({ batch }) => {
          const range = ranges.get(batch.partition);
          if (!range || !joined) return Promise.resolve();
          emptyRounds = 0;
          lastProgress = Date.now();
          positions.set(
            batch.partition,
            Math.max(positions.get(batch.partition)!, Number(batch.lastOffset()) + 1),
          );
          const records = batch.messages
            .map((message) => toLogRecord(message))
            .filter((record) => record.offset >= range.from && record.offset < range.to);
          if (records.length > 0) queue.push(records);
          return Promise.resolve();
        },
      });
      for (;;) {
        const item = queue.shift();
        if (item instanceof Error) throw item;
        if (item) {
          yield item;
          continue;
        }
        if (done()) return;
        if (!joined && Date.now() - started > READER_JOIN_TIMEOUT_MS) {
          throw new LogError(
            "unavailable",
            `could not start reading '${topic}' within ${READER_JOIN_TIMEOUT_MS / 1000} s; ` +
              `check that the brokers (${this.#brokers.join(", ")}) are up`,
          );
        }
        // `to` was at most the end of the visible records when the read began, so once whole fetch
        // rounds bring nothing more, the offsets left are transaction markers or aborted records.
        // A slow broker must not end the read early (a producer resuming from a stale ledger entry
        // would publish a chunk twice): a quiet spell is needed as well as empty fetch rounds.
        if (emptyRounds >= EMPTY_FETCH_ROUNDS && Date.now() - lastProgress >= QUIET_MS) return;
        await delay(20);
      }
    } catch (error) {
      throw kafkaLogError(error, this.#brokers);
    } finally {
      await consumer.disconnect().catch(() => {});
    }
  }
}
