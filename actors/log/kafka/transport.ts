/**
 * The Kafka transport, through kafkajs: one client (`client.ts`) shared by the admin calls, the
 * reads, the producers and the consumer-group members, each in its own file. Every failure is a
 * `LogError` (`errors.ts`).
 *
 * @module
 */

import type { Kafka } from "kafkajs";
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
import { KafkaAdmin } from "./admin.ts";
import { kafkaClient, type KafkaConnection } from "./client.ts";
import { KafkaGroupMember } from "./group_member.ts";
import { KafkaProducers } from "./producer.ts";
import { KafkaReader } from "./reader.ts";

/** A transport over a Kafka cluster. */
export class KafkaTransport implements Transport {
  readonly kind = "kafka" as const;
  readonly #kafka: Kafka;
  readonly #brokers: string[];
  readonly #admin: KafkaAdmin;
  readonly #reader: KafkaReader;
  readonly #producers: KafkaProducers;

  /** Prepares a client; nothing connects until first use. */
  constructor(connection: KafkaConnection) {
    this.#kafka = kafkaClient(connection);
    this.#brokers = connection.brokers;
    this.#admin = new KafkaAdmin(this.#kafka, this.#brokers);
    this.#reader = new KafkaReader(this.#kafka, this.#admin, this.#brokers);
    this.#producers = new KafkaProducers(this.#kafka, this.#admin, this.#brokers);
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
    return new KafkaGroupMember(this.#kafka, options, this.#brokers);
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#producers.close(), this.#admin.close()]);
  }
}
