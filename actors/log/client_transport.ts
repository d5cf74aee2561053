/**
 * What the two Kafka transports share: a transport made of a client library's admin calls, reads
 * and producers, to which it hands every `Transport` call but the group member, which each client
 * makes its own way (`kafka/transport.ts`, `platformatic/transport.ts`).
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
} from "./types.ts";

/** The parts of a Kafka transport, over one client library; failures are `LogError`s. */
export interface ClientParts {
  admin: Pick<Transport, "ensureTopics" | "partitions" | "endOffsets" | "committedOffsets"> & {
    deleteTopicsAndGroups(what: { topics: string[]; groups: string[] }): Promise<void>;
    close(): Promise<void>;
  };
  reader: Pick<Transport, "read" | "readTopic">;
  producers: Pick<Transport, "producer" | "transactionalProducer" | "close">;
}

/** A transport over a Kafka cluster through one client library's `ClientParts`. */
export abstract class ClientTransport implements Transport {
  readonly kind = "kafka" as const;
  readonly #parts: ClientParts;

  /** A transport of `parts`; nothing connects until first use. */
  protected constructor(parts: ClientParts) {
    this.#parts = parts;
  }

  ensureTopics(topics: TopicSpec[]): Promise<void> {
    return this.#parts.admin.ensureTopics(topics);
  }

  partitions(topic: string): Promise<number> {
    return this.#parts.admin.partitions(topic);
  }

  endOffsets(topic: string): Promise<number[]> {
    return this.#parts.admin.endOffsets(topic);
  }

  committedOffsets(groupId: string, topic: string): Promise<number[]> {
    return this.#parts.admin.committedOffsets(groupId, topic);
  }

  /**
   * Deletes consumer groups, and those of `topics` that exist; rejects when a topic was not
   * deleted. For benchmarks: a deployment never deletes its topics, so `Transport` has no such call.
   */
  deleteTopicsAndGroups(what: { topics: string[]; groups: string[] }): Promise<void> {
    return this.#parts.admin.deleteTopicsAndGroups(what);
  }

  read(partition: TopicPartition, range: { from: number; to: number }): AsyncIterable<LogRecord[]> {
    return this.#parts.reader.read(partition, range);
  }

  readTopic(topic: string): Promise<LogRecord[]> {
    return this.#parts.reader.readTopic(topic);
  }

  producer(): Promise<LogProducer> {
    return this.#parts.producers.producer();
  }

  transactionalProducer(transactionalId: string): Promise<TransactionalProducer> {
    return this.#parts.producers.transactionalProducer(transactionalId);
  }

  /** A consumer-group member, as the client library makes one. */
  abstract consumer(options: ConsumerOptions): LogConsumer;

  async close(): Promise<void> {
    await Promise.allSettled([this.#parts.producers.close(), this.#parts.admin.close()]);
  }
}
