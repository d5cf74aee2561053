/**
 * The embedded log: partitioned topics, consumer groups with committed offsets, and transactions,
 * inside one process. It is the default transport of `fraudstream run`, so the demo needs nothing
 * installed, and it keeps Kafka's semantics that the actors rely on: per-partition order,
 * read-committed visibility, offsets committed inside transactions, producer fencing, rebalances.
 * Its storage, coordinator, producers and group members are each in their own file.
 *
 * @module
 */

import type {
  ConsumerOptions,
  LogConsumer,
  LogProducer,
  LogRecord,
  TopicPartition,
  TopicSpec,
  TransactionalProducer,
  Transport,
} from "../types.ts";
import { EmbeddedCoordinator } from "./coordinator.ts";
import { EmbeddedGroupMember } from "./group_member.ts";
import { embeddedProducer, embeddedTransactionalProducer } from "./producer.ts";
import { type EmbeddedLogOptions, LogStorage } from "./storage.ts";

export type { EmbeddedLogOptions } from "./storage.ts";

/** `compute()` as a promise: a failure rejects it rather than being thrown at the caller. */
function settled<T>(compute: () => T): Promise<T> {
  return new Promise((resolve) => resolve(compute()));
}

/** One in-process log, shared by every transport opened on it: its storage and its coordinator. */
export class EmbeddedLog {
  readonly storage: LogStorage;
  readonly coordinator: EmbeddedCoordinator = new EmbeddedCoordinator();

  /** Creates an empty log. */
  constructor(options: EmbeddedLogOptions = {}) {
    this.storage = new LogStorage(options);
  }

  /** Records dropped by retention, over all partitions. */
  droppedRecords(): number {
    return this.storage.droppedRecords();
  }

  /** Bytes the partitions of `topic` hold (values, keys and a per-record overhead). */
  heldBytes(topic: string): number {
    return this.storage.heldBytes(topic);
  }
}

/** A transport over an `EmbeddedLog`. */
export class EmbeddedTransport implements Transport {
  readonly kind = "embedded" as const;
  readonly log: EmbeddedLog;

  /** Opens a transport on `log` (a new, private log by default). */
  constructor(log: EmbeddedLog = new EmbeddedLog()) {
    this.log = log;
  }

  ensureTopics(topics: TopicSpec[]): Promise<void> {
    for (const topic of topics) this.log.storage.createTopic(topic);
    return Promise.resolve();
  }

  partitions(topic: string): Promise<number> {
    return settled(() => this.log.storage.partitionsOf(topic).length);
  }

  endOffsets(topic: string): Promise<number[]> {
    return settled(() => this.log.storage.partitionsOf(topic).map((p) => p.next));
  }

  committedOffsets(groupId: string, topic: string): Promise<number[]> {
    return settled(() =>
      this.log.storage.partitionsOf(topic).map((_, partition) =>
        this.log.coordinator.committed(groupId, topic, partition)
      )
    );
  }

  async *read(
    partition: TopicPartition,
    range: { from: number; to: number },
  ): AsyncIterable<LogRecord[]> {
    const log = this.log.storage.partitionsOf(partition.topic)[partition.partition];
    let from = range.from;
    while (from < range.to) {
      const records = log.read(from, 10_000).filter((r) => r.offset < range.to);
      if (records.length === 0) return;
      yield records;
      from = records[records.length - 1].offset + 1;
    }
  }

  async readTopic(topic: string): Promise<LogRecord[]> {
    const ends = await this.endOffsets(topic);
    const out: LogRecord[] = [];
    for (let partition = 0; partition < ends.length; partition++) {
      for await (
        const records of this.read({ topic, partition }, { from: 0, to: ends[partition] })
      ) {
        out.push(...records);
      }
    }
    return out;
  }

  producer(): Promise<LogProducer> {
    return Promise.resolve(embeddedProducer(this.log.storage));
  }

  transactionalProducer(transactionalId: string): Promise<TransactionalProducer> {
    return Promise.resolve(embeddedTransactionalProducer(this.log, transactionalId));
  }

  consumer(options: ConsumerOptions): LogConsumer {
    return new EmbeddedGroupMember(this.log, options);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
