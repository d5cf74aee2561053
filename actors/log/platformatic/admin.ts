/**
 * Admin calls on a Kafka cluster through @platformatic/kafka: topics created (compacted ones with
 * the same settings as the kafkajs transport's) and checked, partition counts, end and committed
 * offsets, group coordinators, and, for benchmarks, deleting topics and groups. Each call runs
 * within a deadline.
 *
 * @module
 */

import {
  Admin,
  ConfigResourceTypes,
  FetchIsolationLevels,
  FindCoordinatorKeyTypes,
  ListOffsetTimestamps,
} from "@platformatic/kafka";
import { deadline, retry, StepTimeoutError } from "../../lib/async.ts";
import { COMPACTED_TOPIC_CONFIG, isCompacting, notCompactedError } from "../kafka/admin.ts";
import type { KafkaConnection } from "../kafka/client.ts";
import { LOG_ERROR_MESSAGES } from "../protocol_errors.ts";
import { LogError, type TopicSpec } from "../types.ts";
import { platformaticOptions } from "./client.ts";
import { hasProtocolError, hasUsageError, platformaticLogError } from "./errors.ts";
import { topicsGone } from "../topics_gone.ts";

/**
 * How long a topic just created may stay unknown or leaderless to the broker answering: attempts
 * 500 ms apart (30 s in all).
 */
const NEW_TOPIC_GRACE = { attempts: 60, delayMs: 500 };

/** Longest an admin call may take, retries included, before it counts as hung. */
const ADMIN_DEADLINE_MS = 90_000;

/** The admin side of a @platformatic/kafka transport; failures are `LogError`s. */
export class PlatformaticAdmin {
  readonly #admin: Admin;
  readonly #brokers: string[];
  /** Group coordinators (broker node ids) by group. */
  readonly #coordinators = new Map<string, number>();

  /** Admin calls over `connection`; nothing connects until the first call. */
  constructor(connection: KafkaConnection) {
    this.#admin = new Admin(platformaticOptions(connection));
    this.#brokers = connection.brokers;
  }

  /** Runs an admin call within the deadline, its failure a `LogError`. */
  async #call<T>(call: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      return await deadline(call(this.#admin), ADMIN_DEADLINE_MS, "a Kafka admin request");
    } catch (error) {
      if (error instanceof StepTimeoutError) {
        throw new LogError(
          "unavailable",
          `${error.message}; check that the brokers (${
            this.#brokers.join(", ")
          }) are up and answering`,
          { cause: error },
        );
      }
      throw platformaticLogError(error, this.#brokers);
    }
  }

  /**
   * Creates the missing topics and checks that the others have enough partitions, and that those
   * to compact are compacted.
   */
  ensureTopics(topics: TopicSpec[]): Promise<void> {
    return this.#call(async (admin) => {
      const existing = new Set(await admin.listTopics());
      for (const topic of topics.filter((t) => !existing.has(t.name))) {
        await admin.createTopics({
          topics: [topic.name],
          partitions: topic.partitions,
          replicas: topic.replicationFactor ?? -1,
          configs: topic.compact ? COMPACTED_TOPIC_CONFIG : [],
        }).catch((error) => {
          // Created meanwhile by another process: checked below like any existing topic.
          if (!hasProtocolError(error, "TOPIC_ALREADY_EXISTS")) throw error;
        });
      }
      // The broker answering may not know for a moment a topic the controller just created, nor
      // its partitions' leaders.
      await retry(() => this.#checkPartitions(admin, topics), {
        isRetriable: (error) =>
          error instanceof LogError && (error.kind === "unknown_topic" || error.retriable),
        maxAttempts: NEW_TOPIC_GRACE.attempts,
        backoff: { initialMs: NEW_TOPIC_GRACE.delayMs, maxMs: NEW_TOPIC_GRACE.delayMs },
      });
      await this.#checkCompacted(admin, topics.filter((topic) => topic.compact));
    });
  }

  async #checkCompacted(admin: Admin, topics: TopicSpec[]): Promise<void> {
    if (topics.length === 0) return;
    const described = await admin.describeConfigs({
      resources: topics.map((topic) => ({
        resourceType: ConfigResourceTypes.TOPIC,
        resourceName: topic.name,
        configurationKeys: ["cleanup.policy"],
      })),
    });
    for (const resource of described) {
      const policy = resource.configs.find((config) => config.name === "cleanup.policy");
      if (policy && !isCompacting(policy.value)) {
        throw notCompactedError(resource.resourceName, policy.value);
      }
    }
  }

  async #checkPartitions(admin: Admin, topics: TopicSpec[]): Promise<void> {
    const metadata = await admin.metadata({ topics: topics.map((t) => t.name), forceUpdate: true })
      .catch((error) => {
        throw platformaticLogError(error, this.#brokers);
      });
    for (const topic of topics) {
      const found = metadata.topics.get(topic.name);
      if (!found) throw new LogError("unknown_topic", `topic '${topic.name}' is not known yet`);
      if (found.partitionsCount < topic.partitions) {
        throw new LogError(
          "invalid",
          `topic '${topic.name}' has ${found.partitionsCount} partitions, fewer than the ` +
            `${topic.partitions} asked for; use --partitions ${found.partitionsCount} or recreate the topic`,
        );
      }
      if (found.partitions.some((partition) => partition.leader < 0)) {
        throw new LogError("unavailable", `topic '${topic.name}' has partitions without a leader`);
      }
    }
  }

  /** Number of partitions of a topic. */
  partitions(topic: string): Promise<number> {
    return this.#call(async (admin) => {
      try {
        const metadata = await admin.metadata({ topics: [topic] });
        return metadata.topics.get(topic)!.partitionsCount;
      } catch (error) {
        // The client answers an unknown topic with a plain usage error, the broker's answer
        // dropped: whether the topic exists is asked instead.
        if (hasUsageError(error) && !(await admin.listTopics()).includes(topic)) {
          throw new LogError(
            "unknown_topic",
            LOG_ERROR_MESSAGES.unknown_topic("", `no topic '${topic}'`),
            { cause: error },
          );
        }
        throw error;
      }
    });
  }

  /**
   * Next offset of every partition of a topic, by partition, as a read-committed consumer sees it:
   * short of a transaction still open (or whose markers are still being written), as the kafkajs
   * transport's ends are.
   */
  endOffsets(topic: string): Promise<number[]> {
    return this.#listOffsets(topic, ListOffsetTimestamps.LATEST);
  }

  /** First offset still held of every partition of a topic, by partition. */
  startOffsets(topic: string): Promise<number[]> {
    return this.#listOffsets(topic, ListOffsetTimestamps.EARLIEST);
  }

  async #listOffsets(topic: string, timestamp: bigint): Promise<number[]> {
    const count = await this.partitions(topic);
    return this.#call(async (admin) => {
      const [listed] = await admin.listOffsets({
        isolationLevel: FetchIsolationLevels.READ_COMMITTED,
        topics: [{
          name: topic,
          partitions: Array.from({ length: count }, (_, partitionIndex) => ({
            partitionIndex,
            timestamp,
          })),
        }],
      });
      const out: number[] = [];
      for (const entry of listed.partitions) out[entry.partitionIndex] = Number(entry.offset);
      return out;
    });
  }

  /**
   * Committed offsets of a group on a topic, by partition (-1 where none). `stable`: fail
   * (retriably) while a transaction committing offsets of the group is still open, instead of
   * answering the offsets before it.
   */
  async committedOffsets(
    groupId: string,
    topic: string,
    options: { stable?: boolean } = {},
  ): Promise<number[]> {
    const count = await this.partitions(topic);
    return this.#call(async (admin) => {
      const partitionIndexes = Array.from({ length: count }, (_, i) => i);
      const [group] = await admin.listConsumerGroupOffsets({
        groups: [{ groupId, topics: [{ name: topic, partitionIndexes }] }],
        requireStable: options.stable ?? false,
      });
      const out = partitionIndexes.map(() => -1);
      for (const listed of group?.topics ?? []) {
        if (listed.name !== topic) continue;
        for (const p of listed.partitions) out[p.partitionIndex] = Number(p.committedOffset);
      }
      return out;
    });
  }

  /** The broker coordinating `groupId` (looked up once, again after `forgetCoordinator`). */
  async groupCoordinator(groupId: string): Promise<number> {
    const known = this.#coordinators.get(groupId);
    if (known !== undefined) return known;
    const [found] = await this.#call((admin) =>
      admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: [groupId] })
    );
    this.#coordinators.set(groupId, found.nodeId);
    return found.nodeId;
  }

  /** Drops the coordinator known for `groupId` (after a request to it failed). */
  forgetCoordinator(groupId: string): void {
    this.#coordinators.delete(groupId);
  }

  /** Deletes consumer groups, and those of `topics` that exist; rejects when a topic was not deleted. */
  deleteTopicsAndGroups(what: { topics: string[]; groups: string[] }): Promise<void> {
    return this.#call(async (admin) => {
      if (what.groups.length > 0) {
        // A group still holding members (actors left behind) is not deleted; its offsets expire
        // with the cluster's offsets retention.
        await admin.deleteGroups({ groups: what.groups }).catch(() => {});
      }
      const existing = new Set(await admin.listTopics());
      const present = what.topics.filter((topic) => existing.has(topic));
      if (present.length > 0) {
        await admin.deleteTopics({ topics: present });
        await topicsGone(() => admin.listTopics(), present);
      }
    });
  }

  /** Closes the admin client. */
  async close(): Promise<void> {
    await this.#admin.close().catch(() => {});
  }
}
