/**
 * Kafka producers through @platformatic/kafka: idempotent ones (acks=all), and transactional ones
 * whose transactions also commit consumer offsets. Every record carries its partition, computed by
 * fraudstream (`requests.ts`), never by the client's partitioner; records go out one partition and
 * one request-sized run per send, as the kafkajs transport's do.
 *
 * @module
 */

import { type Consumer, type Message, Producer } from "@platformatic/kafka";
import { allSettledOrThrow, UnderWay } from "../../lib/async.ts";
import type { KafkaConnection } from "../kafka/client.ts";
import { groupByPartition, requestSized } from "../kafka/requests.ts";
import type {
  LogProducer,
  LogTransaction,
  OutgoingRecord,
  TopicPartition,
  TransactionalProducer,
} from "../types.ts";
import type { PlatformaticAdmin } from "./admin.ts";
import { platformaticOptions } from "./client.ts";
import { withLogErrors } from "./errors.ts";
import { type ProduceMessage, toProduceMessages } from "./records.ts";

/**
 * Producers ride out a leader election (about 10 s of retries) before they fail. The first retries
 * come quickly: a transaction's first send right after the previous commit is refused with
 * CONCURRENT_TRANSACTIONS until the coordinator has written the commit markers, some tens of ms,
 * and the client's default of a fixed 1,000 ms between tries capped a producer at about one
 * transaction a second (the kafkajs transport's `PRODUCER_RETRY` is tuned the same way).
 */
export const PRODUCER_RETRY = { initialMs: 10, multiplier: 1.5, maxMs: 3000, retries: 16 };

/** The wait before retry `attempt` (from 1) of `PRODUCER_RETRY`, in ms. */
export function producerRetryDelay(attempt: number): number {
  return Math.min(
    PRODUCER_RETRY.initialMs * PRODUCER_RETRY.multiplier ** (attempt - 1),
    PRODUCER_RETRY.maxMs,
  );
}

/**
 * Registration of a producer id as a new producer: the client otherwise asks for producer 0 epoch 0,
 * which the coordinator takes for a bump of that producer and refuses as fenced once a producer
 * with the same transactional id has registered.
 */
const NEW_PRODUCER = { producerId: -1n, producerEpoch: -1 };

/** The producers of a @platformatic/kafka transport; failures are `LogError`s. */
export class PlatformaticProducers {
  readonly #connection: KafkaConnection;
  readonly #admin: PlatformaticAdmin;
  readonly #brokers: string[];
  readonly #open = new Set<Producer>();
  readonly #partitionCounts = new Map<string, number>();

  /** Producers over `connection`, with `admin` for partition counts and group coordinators. */
  constructor(connection: KafkaConnection, admin: PlatformaticAdmin) {
    this.#connection = connection;
    this.#admin = admin;
    this.#brokers = connection.brokers;
  }

  #create(transactionalId?: string): Producer {
    const producer = new Producer({
      ...platformaticOptions(this.#connection),
      idempotent: true,
      acks: -1,
      transactionalId,
      retries: PRODUCER_RETRY.retries,
      retryDelay: (_client, _operation, attempt) => producerRetryDelay(attempt),
    });
    this.#open.add(producer);
    return producer;
  }

  /** An idempotent producer, acknowledged by all in-sync replicas. */
  async producer(): Promise<LogProducer> {
    const producer = this.#create();
    try {
      await withLogErrors(this.#brokers, () => producer.initIdempotentProducer(NEW_PRODUCER));
    } catch (error) {
      await this.#close(producer);
      throw error;
    }
    return {
      send: (topic, records) =>
        withLogErrors(
          this.#brokers,
          () =>
            this.#sendPerPartition(topic, records, {
              send: (messages) => producer.send({ messages }),
            }),
        ),
      close: () => this.#close(producer),
    };
  }

  /** A transactional producer; creating it fences any older producer with the same id. */
  async transactionalProducer(transactionalId: string): Promise<TransactionalProducer> {
    const producer = this.#create(transactionalId);
    // The client registers the transactional id (InitProducerId) when its first transaction
    // begins: begin one now and drop it (nothing was sent), so creating the producer fences older
    // ones at once.
    try {
      await withLogErrors(this.#brokers, async () => {
        await (await producer.beginTransaction(NEW_PRODUCER)).cancel();
      });
    } catch (error) {
      await this.#close(producer);
      throw error;
    }
    return {
      begin: async (): Promise<LogTransaction> => {
        const transaction = await withLogErrors(this.#brokers, () => producer.beginTransaction());
        // A transaction that wrote nothing is ended by the client alone: the coordinator refuses
        // to end one it was never told about.
        let touched = false;
        // The client runs one request of a kind per producer at a time and hands a concurrent
        // caller the answer of the request under way, whatever it asked (adding other partitions
        // or another offset to the transaction): such steps go one after the other.
        let steps: Promise<unknown> = Promise.resolve();
        const serially = <T>(step: () => Promise<T>): Promise<T> => {
          const result = steps.then(step);
          steps = result.catch(() => {});
          return result;
        };
        // The partitions the sends of one tick add to the transaction (a batch's alerts, card
        // states and dead letters): they join it in one AddPartitionsToTxn, not one a topic.
        let joining: { topic: string; partition: number }[] | undefined;
        let joined = Promise.resolve();
        const join = (topic: string, partitions: number[]): Promise<void> => {
          if (!joining) {
            const entries: { topic: string; partition: number }[] = joining = [];
            // Queued now, before the offset a batch commits after its sends; run once this tick's
            // sends have added their partitions.
            joined = serially(async () => {
              joining = undefined;
              const topics = [...new Set(entries.map((entry) => entry.topic))];
              await transaction.addPartitions(
                await producer.metadata({ topics }),
                entries as never,
              );
            });
          }
          for (const partition of partitions) joining.push({ topic, partition });
          return joined;
        };
        // Sends and offset commits under way: the transaction ends once they have (the client
        // would end it under them, and a record could land after its transaction's end).
        const underWay = new UnderWay();
        const end = (commit: boolean) =>
          withLogErrors(this.#brokers, async () => {
            await underWay.settled();
            await steps;
            if (!touched) await transaction.cancel();
            else if (commit) await transaction.commit();
            else await transaction.abort();
          });
        return {
          send: (topic, records) =>
            underWay.track(withLogErrors(this.#brokers, () => {
              touched = true;
              return this.#sendPerPartition(topic, records, {
                send: (messages) => transaction.send({ messages }),
                // Every partition joins the transaction before the sends, with those of the
                // other topics sent in the same tick.
                before: (partitions) => join(topic, partitions),
              });
            })),
          commitOffset: (groupId, partition, offset) =>
            underWay.track(withLogErrors(this.#brokers, () => {
              touched = true;
              return serially(() =>
                this.#commitOffset(transaction, { groupId, partition, offset })
              );
            })),
          commit: () => end(true),
          abort: () => end(false),
        };
      },
      close: () => this.#close(producer),
    };
  }

  /**
   * Commits `offset` for the group inside `transaction`. The client commits the offset of a
   * message its own consumer delivered, under that member's generation; the transport's commits
   * name the group alone (generation -1, no member id), as the kafkajs transport's do, so a
   * producer and a group member need not share a client.
   */
  async #commitOffset(
    transaction: Awaited<ReturnType<Producer["beginTransaction"]>>,
    commit: { groupId: string; partition: TopicPartition; offset: number },
  ): Promise<void> {
    const { groupId, partition, offset } = commit;
    const admin = this.#admin;
    // The client sends every attempt to the coordinator the message names, read afresh at each
    // attempt: a retry looks the coordinator up again, so a commit whose coordinator died moves
    // to the new one once it is elected instead of spending its retries on the dead node (which
    // stalled every partition until that node came back).
    const coordinator = { id: await admin.groupCoordinator(groupId), attempts: 0 };
    const relookup = () => {
      admin.forgetCoordinator(groupId);
      admin.groupCoordinator(groupId).then((id) => (coordinator.id = id), () => {});
    };
    const consumer = {
      groupId,
      generationId: -1,
      memberId: "",
      get coordinatorId() {
        if (coordinator.attempts++ > 0) relookup();
        return coordinator.id;
      },
    };
    try {
      await transaction.addConsumer({ groupId } as Consumer);
      await transaction.addOffset(
        {
          topic: partition.topic,
          partition: partition.partition,
          // The client commits the offset after the message's.
          offset: BigInt(offset) - 1n,
          metadata: { consumer },
        } as unknown as Message,
      );
    } catch (error) {
      // The coordinator may have moved: look it up again next time.
      this.#admin.forgetCoordinator(groupId);
      throw error;
    }
  }

  /** Closes every producer still open. */
  async close(): Promise<void> {
    const open = [...this.#open];
    this.#open.clear();
    await Promise.allSettled(open.map((producer) => producer.close(true)));
  }

  async #close(producer: Producer): Promise<void> {
    this.#open.delete(producer);
    await producer.close(true);
  }

  /**
   * Sends `records` with one `send` call per partition and request-sized run: the partitions in
   * parallel, the runs of one partition in order, after `calls.before` (given the partitions).
   * Waits for every call before failing.
   */
  async #sendPerPartition(
    topic: string,
    records: OutgoingRecord[],
    calls: {
      send: (messages: ProduceMessage[]) => Promise<unknown>;
      before?: (partitions: number[]) => Promise<void>;
    },
  ): Promise<void> {
    let partitions = this.#partitionCounts.get(topic);
    if (partitions === undefined) {
      partitions = await this.#admin.partitions(topic);
      this.#partitionCounts.set(topic, partitions);
    }
    const groups = groupByPartition(records, partitions);
    await calls.before?.([...groups.keys()]);
    await allSettledOrThrow(
      [...groups.values()].map(async (group) => {
        for (const chunk of requestSized(group)) await calls.send(toProduceMessages(topic, chunk));
      }),
    );
  }
}
