/**
 * Producers of the embedded log: plain appends, and transactions whose writes and offset commits
 * become visible together at commit, refused once a newer producer with the same id exists.
 *
 * @module
 */

import {
  LogError,
  type LogProducer,
  type LogTransaction,
  type OutgoingRecord,
  type TopicPartition,
  type TransactionalProducer,
} from "../types.ts";
import type { EmbeddedCoordinator } from "./coordinator.ts";
import type { LogStorage } from "./storage.ts";

/** A producer appending to `storage`. */
export function embeddedProducer(storage: LogStorage): LogProducer {
  return {
    // Appended at once; a failure (a topic that does not exist) rejects instead of throwing.
    send: (topic, records) =>
      new Promise<void>((resolve) => {
        storage.append(topic, records);
        resolve();
      }),
    close: () => Promise.resolve(),
  };
}

/** A transactional producer for `transactionalId`; creating it fences older ones. */
export function embeddedTransactionalProducer(
  log: { storage: LogStorage; coordinator: EmbeddedCoordinator },
  transactionalId: string,
): TransactionalProducer {
  const { storage, coordinator } = log;
  const epoch = coordinator.fence(transactionalId);
  let open = false;
  const check = () => {
    if (!coordinator.current(transactionalId, epoch)) {
      throw new LogError(
        "fenced",
        `producer '${transactionalId}' was fenced by a newer instance with the same id`,
      );
    }
  };
  return {
    begin: async () => {
      check();
      if (open) {
        throw new LogError(
          "invalid",
          `producer '${transactionalId}' already has an open transaction`,
        );
      }
      open = true;
      const writes: { topic: string; records: OutgoingRecord[] }[] = [];
      const offsets: { groupId: string; partition: TopicPartition; offset: number }[] = [];
      const transaction: LogTransaction = {
        send: async (topic, records) => {
          check();
          storage.partitionsOf(topic);
          writes.push({ topic, records });
          await Promise.resolve();
        },
        commitOffset: async (groupId, partition, offset) => {
          check();
          offsets.push({ groupId, partition, offset });
          await Promise.resolve();
        },
        commit: async () => {
          open = false;
          check();
          for (const write of writes) storage.append(write.topic, write.records);
          for (const o of offsets) {
            const { topic, partition } = o.partition;
            coordinator.commit(o.groupId, topic, partition, o.offset);
            if (storage.dropConsumed) {
              storage.partitionsOf(topic)[partition]?.dropBefore(
                coordinator.lowestCommitted(topic, partition),
              );
            }
          }
          await Promise.resolve();
        },
        abort: async () => {
          open = false;
          await Promise.resolve();
        },
      };
      return await Promise.resolve(transaction);
    },
    close: () => Promise.resolve(),
  };
}
