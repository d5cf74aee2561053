/**
 * The Kafka transport through @platformatic/kafka: the admin calls, the reads, the producers and
 * the consumer-group members, each in its own file, over the same connection settings
 * (`client.ts`). Every failure is a `LogError` (`errors.ts`). Records, partitions and offsets are
 * the kafkajs transport's, so the two clients can share topics and groups.
 *
 * @module
 */

import type { KafkaConnection } from "../kafka/client.ts";
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
import { PlatformaticAdmin } from "./admin.ts";
import { PlatformaticGroupMember } from "./group_member.ts";
import { PlatformaticProducers } from "./producer.ts";
import { PlatformaticReader } from "./reader.ts";

/** A transport over a Kafka cluster, through @platformatic/kafka. */
export class PlatformaticTransport implements Transport {
  readonly kind = "kafka" as const;
  readonly #connection: KafkaConnection;
  readonly #admin: PlatformaticAdmin;
  readonly #reader: PlatformaticReader;
  readonly #producers: PlatformaticProducers;

  /** Prepares the clients; nothing connects until first use. */
  constructor(connection: KafkaConnection) {
    this.#connection = connection;
    this.#admin = new PlatformaticAdmin(connection);
    this.#reader = new PlatformaticReader(connection, this.#admin);
    this.#producers = new PlatformaticProducers(connection, this.#admin);
  }

  ensureTopics(topics: TopicSpec[]): Promise<void> {
    return this.#admin.ensureTopics(topics);
  }

  partitions(topic: string): Promise<number> {
    return this.#admin.partitions(topic);
  }

  endOffsets(topic: string): Promise<number[]> {
    return this.#admin.endOffsets(topic);
  }

  committedOffsets(groupId: string, topic: string): Promise<number[]> {
    return this.#admin.committedOffsets(groupId, topic);
  }

  /**
   * Deletes consumer groups, and those of `topics` that exist; rejects when a topic was not
   * deleted. For benchmarks: a deployment never deletes its topics, so `Transport` has no such call.
   */
  deleteTopicsAndGroups(what: { topics: string[]; groups: string[] }): Promise<void> {
    return this.#admin.deleteTopicsAndGroups(what);
  }

  read(partition: TopicPartition, range: { from: number; to: number }): AsyncIterable<LogRecord[]> {
    return this.#reader.read(partition, range);
  }

  readTopic(topic: string): Promise<LogRecord[]> {
    return this.#reader.readTopic(topic);
  }

  producer(): Promise<LogProducer> {
    return this.#producers.producer();
  }

  transactionalProducer(transactionalId: string): Promise<TransactionalProducer> {
    return this.#producers.transactionalProducer(transactionalId);
  }

  consumer(options: ConsumerOptions): LogConsumer {
    return new PlatformaticGroupMember(this.#connection, this.#admin, options);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#producers.close(), this.#admin.close()]);
  }
}
