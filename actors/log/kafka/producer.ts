/**
 * Kafka producers: idempotent ones, and transactional ones whose transactions also commit consumer
 * offsets. Records go out one partition and one request-sized run per send (`requests.ts`).
 *
 * @module
 */

import { allSettledOrThrow, retry, type RetryOptions, UnderWay } from "../../lib/async.ts";
import type { Kafka, Producer } from "kafkajs";
import type {
  LogProducer,
  LogTransaction,
  OutgoingRecord,
  TransactionalProducer,
} from "../types.ts";
import type { KafkaAdmin } from "./admin.ts";
import { withLogErrors } from "./errors.ts";
import { toKafkaMessages } from "./records.ts";
import { groupByPartition, requestSized } from "./requests.ts";

/**
 * Producers ride out a leader election (about 10 s of retries) before they fail. The first retries
 * come quickly: a transaction's first send right after the previous commit is refused with
 * CONCURRENT_TRANSACTIONS until the coordinator has written the commit markers, some tens of ms,
 * and a 300 ms first step capped a producer at three transactions a second.
 */
const PRODUCER_RETRY = { initialRetryTime: 10, multiplier: 1.5, maxRetryTime: 3000, retries: 16 };

/**
 * A transaction's offset commit is tried again while its failure is retriable: the coordinator
 * refuses a transaction's offsets for a moment after the previous commit (CONCURRENT_TRANSACTIONS,
 * tens of ms; 34 of 40 transactions that only committed an offset met it), and while the
 * group's coordinator moves (COORDINATOR_NOT_AVAILABLE, seconds, when a node dies). kafkajs
 * retries neither in AddOffsetsToTxn. About 10 s in all.
 */
const OFFSET_RETRY: RetryOptions = { maxAttempts: 16, backoff: { initialMs: 10, maxMs: 1000 } };

/** The producers of a Kafka transport; failures are `LogError`s. */
export class KafkaProducers {
  readonly #kafka: Kafka;
  readonly #admin: KafkaAdmin;
  readonly #brokers: string[];
  readonly #open = new Set<Producer>();
  readonly #partitionCounts = new Map<string, number>();

  /** Producers through `kafka`, with `admin` for partition counts. */
  constructor(kafka: Kafka, admin: KafkaAdmin, brokers: string[]) {
    this.#kafka = kafka;
    this.#admin = admin;
    this.#brokers = brokers;
  }

  /** An idempotent producer, acknowledged by all in-sync replicas. */
  async producer(): Promise<LogProducer> {
    const producer = this.#kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: PRODUCER_RETRY,
    });
    await this.#connect(producer);
    return {
      send: (topic, records) =>
        withLogErrors(
          this.#brokers,
          () =>
            this.#sendPerPartition(
              topic,
              records,
              (messages) => producer.send({ topic, acks: -1, messages }),
            ),
        ),
      close: () => this.#disconnect(producer),
    };
  }

  /** A transactional producer; creating it fences any older producer with the same id. */
  async transactionalProducer(transactionalId: string): Promise<TransactionalProducer> {
    const producer = this.#kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      transactionTimeout: 30_000,
      retry: PRODUCER_RETRY,
    });
    await this.#connect(producer);
    // kafkajs registers the transactional id (InitProducerId) on the first transaction only:
    // open and abort one now, so creating the producer fences older ones at once.
    try {
      await withLogErrors(this.#brokers, async () => await (await producer.transaction()).abort());
    } catch (error) {
      await this.#disconnect(producer).catch(() => {});
      throw error;
    }
    const brokers = this.#brokers;
    return {
      begin: async (): Promise<LogTransaction> => {
        const transaction = await withLogErrors(brokers, () => producer.transaction());
        // kafkajs retries a send's AddPartitionsToTxn refused with CONCURRENT_TRANSACTIONS, but
        // not an AddOffsetsToTxn: an offset waits for the sends under way, and is retried
        // (`OFFSET_RETRY`); a send waits for the offset commits under way, so that the two do
        // not race at the coordinator. The transaction ends once its sends and offsets have.
        const sending = new UnderWay();
        const committing = new UnderWay();
        const end = async (ending: () => Promise<void>) => {
          await Promise.all([sending.settled(), committing.settled()]);
          await withLogErrors(brokers, ending);
        };
        return {
          send: (topic, records) =>
            sending.track((async () => {
              await committing.settled();
              await withLogErrors(
                brokers,
                () =>
                  this.#sendPerPartition(
                    topic,
                    records,
                    (messages) => transaction.send({ topic, messages }),
                  ),
              );
            })()),
          commitOffset: (groupId, partition, offset) =>
            committing.track((async () => {
              await sending.settled();
              await retry(() =>
                withLogErrors(brokers, () =>
                  transaction.sendOffsets({
                    consumerGroupId: groupId,
                    topics: [{
                      topic: partition.topic,
                      partitions: [{ partition: partition.partition, offset: String(offset) }],
                    }],
                  })), OFFSET_RETRY);
            })()),
          commit: () => end(() => transaction.commit()),
          abort: () => end(() => transaction.abort()),
        };
      },
      close: () => this.#disconnect(producer),
    };
  }

  /** Disconnects every producer still open. */
  async close(): Promise<void> {
    const open = [...this.#open];
    this.#open.clear();
    await Promise.allSettled(open.map((producer) => producer.disconnect()));
  }

  async #connect(producer: Producer): Promise<void> {
    await withLogErrors(this.#brokers, () => producer.connect());
    this.#open.add(producer);
  }

  async #disconnect(producer: Producer): Promise<void> {
    this.#open.delete(producer);
    await producer.disconnect();
  }

  /**
   * Sends `records` with one `send` call per partition and request-sized run: the partitions in
   * parallel, the runs of one partition in order. Waits for every call before failing.
   */
  async #sendPerPartition(
    topic: string,
    records: OutgoingRecord[],
    send: (messages: ReturnType<typeof toKafkaMessages>) => Promise<unknown>,
  ): Promise<void> {
    let partitions = this.#partitionCounts.get(topic);
    if (partitions === undefined) {
      partitions = await this.#admin.partitions(topic);
      this.#partitionCounts.set(topic, partitions);
    }
    await allSettledOrThrow(
      [...groupByPartition(records, partitions).values()].map(async (group) => {
        for (const chunk of requestSized(group)) await send(toKafkaMessages(chunk));
      }),
    );
  }
}
