/**
 * A consumer-group member over kafkajs: read-committed batches per partition, assignment
 * callbacks, and seeks that are honoured. kafkajs's own consumer restart is turned off: the
 * supervision tree owns restarts.
 *
 * @module
 */

import type { Consumer, Kafka } from "kafkajs";
import type {
  ConsumerHandlers,
  ConsumerOptions,
  LogConsumer,
  PartitionBatch,
  TopicPartition,
} from "../types.ts";
import { GROUP_ASSIGNERS } from "./assigner.ts";
import { kafkaLogError } from "./errors.ts";
import { toLogRecord } from "./records.ts";

/**
 * How long a seek may go without a batch fetched from its offset before it is made again, in ms:
 * kafkajs can lose a seek when the partition's leader moves while it is applied.
 */
const RESEEK_MS = 3000;

/**
 * The member's fetches ride out a node's death (about 35 s of retries) before the member fails.
 * A fetch from a node that died fails to connect until the cluster has moved the node's
 * partitions to new leaders (`broker.session.timeout.ms`, 9 s by default, 4 s on a local
 * cluster) and a retry has read the cluster's metadata again, and at times until the node is
 * back (kill-broker's node is down 10 to 20 s; 16 s of retries ran out once in 15 s); a member
 * that fails instead is restarted, and its successor waits out the dead member's session before
 * the group lets it in.
 */
const MEMBER_RETRY = { initialRetryTime: 300, maxRetryTime: 3000, retries: 14 };

/**
 * Runs `work` while sending group heartbeats every second: a batch handed to a partition that is
 * still restoring its card states, or whose actor is busy, can take longer than the session
 * timeout, and the member must not be dropped from the group meanwhile.
 */
async function keepingMembership(
  heartbeat: () => Promise<void>,
  work: () => Promise<void>,
): Promise<void> {
  const timer = setInterval(() => heartbeat().catch(() => {}), 1000);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
}

/** A consumer-group member over kafkajs; failures of the log are `LogError`s. */
export class KafkaGroupMember implements LogConsumer {
  readonly #consumer: Consumer;
  readonly #options: ConsumerOptions;
  readonly #brokers: string[];
  #assigned = new Set<number>();
  #rebalance: Promise<void> = Promise.resolve();
  /** Per partition: the hand-over of the last fetch that held no committed record. */
  #skipped = new Map<number, Promise<void>>();
  /** Per partition: a seek not honoured yet, and when it was last made. */
  #seeks = new Map<number, { offset: number; at: number }>();
  #stopping = false;

  /** A member of `options.groupId` through `kafka`; it joins on `run`. */
  constructor(kafka: Kafka, options: ConsumerOptions, brokers: string[]) {
    this.#options = options;
    this.#brokers = brokers;
    this.#consumer = kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      rebalanceTimeout: 30_000,
      heartbeatInterval: 1000,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
      maxWaitTimeInMs: 100,
      retry: { ...MEMBER_RETRY, restartOnFailure: () => Promise.resolve(false) },
      partitionAssigners: GROUP_ASSIGNERS,
    });
  }

  async run(handlers: ConsumerHandlers): Promise<void> {
    const { topic } = this.#options;
    const consumer = this.#consumer;
    let fail!: (error: unknown) => void;
    let finish!: () => void;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    consumer.on(consumer.events.CRASH, (event) => fail(event.payload.error));
    consumer.on(consumer.events.STOP, () => {
      if (this.#stopping) finish();
      // Stopped without being asked: a crash, whose event may come right after this one.
      else setTimeout(() => fail(new Error("the Kafka consumer stopped unexpectedly")), 100);
    });
    // A fetch that held only aborted records and markers never reaches eachBatch: pass it on as
    // an empty batch, so the partition's handler knows the next batch follows on from it.
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize !== 0 || (payload.firstOffset as string | null) === null) return;
      if (payload.topic !== topic || !this.#assigned.has(payload.partition)) return;
      const previous = this.#skipped.get(payload.partition);
      this.#skipped.set(
        payload.partition,
        (async () => {
          await previous;
          // As for a fetched batch: the partition's handler exists once its assignment is done.
          await this.#rebalance;
          await this.#deliver(handlers, {
            topic,
            partition: payload.partition,
            records: [],
            fetchedOffset: Number(payload.firstOffset),
            nextOffset: Number(payload.lastOffset) + 1,
            highWatermark: Number(payload.highWatermark),
          });
        })().catch(fail),
      );
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const next = new Set<number>(event.payload.memberAssignment[topic] ?? []);
      this.#rebalance = this.#rebalance.then(async () => {
        const revoked = [...this.#assigned].filter((p) => !next.has(p));
        const added = [...next].filter((p) => !this.#assigned.has(p));
        this.#assigned = next;
        for (const partition of revoked) this.#seeks.delete(partition);
        if (revoked.length > 0) {
          await handlers.onRevoke?.(revoked.map((partition) => ({ topic, partition })));
        }
        if (added.length > 0) {
          await handlers.onAssign?.(added.map((partition) => ({ topic, partition })));
        }
      }).catch(fail);
    });
    const reseeks = setInterval(() => this.#reseekOverdue(), RESEEK_MS);
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: this.#options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        partitionsConsumedConcurrently: 64,
        eachBatch: ({ batch, isStale, heartbeat }) =>
          keepingMembership(heartbeat, async () => {
            await this.#rebalance;
            await this.#skipped.get(batch.partition);
            if (isStale()) return;
            const records = batch.messages.map((message) => toLogRecord(message));
            if (records.length === 0) return;
            await this.#deliver(handlers, {
              topic: batch.topic,
              partition: batch.partition,
              records,
              // kafkajs keeps the offset it fetched from on the batch, though its types omit it.
              fetchedOffset: Number((batch as unknown as { fetchedOffset: string }).fetchedOffset),
              nextOffset: Math.max(records[records.length - 1].offset, Number(batch.lastOffset())) +
                1,
              highWatermark: Number(batch.highWatermark),
            });
          }),
      });
    } catch (error) {
      fail(error);
    }
    try {
      await done;
    } catch (error) {
      await consumer.disconnect().catch(() => {});
      throw kafkaLogError(error, this.#brokers);
    } finally {
      clearInterval(reseeks);
    }
  }

  /**
   * Hands `batch` to the handler if its partition is still this member's and the batch honours
   * the partition's pending seek (was fetched from the offset asked for); batches fetched before
   * the seek took effect are dropped.
   */
  async #deliver(handlers: ConsumerHandlers, batch: PartitionBatch): Promise<void> {
    if (!this.#assigned.has(batch.partition)) return;
    const seek = this.#seeks.get(batch.partition);
    if (seek) {
      if (batch.fetchedOffset !== seek.offset) return;
      this.#seeks.delete(batch.partition);
    }
    await handlers.eachBatch(batch);
  }

  /** Makes again the seeks that no batch has honoured for `RESEEK_MS` (lost on the way). */
  #reseekOverdue(): void {
    const now = Date.now();
    for (const [partition, seek] of this.#seeks) {
      if (now - seek.at < RESEEK_MS || !this.#assigned.has(partition)) continue;
      this.seek({ topic: this.#options.topic, partition }, seek.offset);
    }
  }

  pause(partition: TopicPartition): void {
    this.#consumer.pause([{ topic: partition.topic, partitions: [partition.partition] }]);
  }

  resume(partition: TopicPartition): void {
    this.#consumer.resume([{ topic: partition.topic, partitions: [partition.partition] }]);
  }

  seek(partition: TopicPartition, offset: number): void {
    try {
      this.#consumer.seek({
        topic: partition.topic,
        partition: partition.partition,
        offset: String(offset),
      });
    } catch (error) {
      // A seek before `run`, or to a negative offset.
      throw kafkaLogError(error, this.#brokers);
    }
    this.#seeks.set(partition.partition, { offset, at: Date.now() });
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#consumer.disconnect();
  }
}
