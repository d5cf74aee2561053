/**
 * Admin calls on a Kafka cluster: topics created and checked, partition counts, end and committed
 * offsets, and, for benchmarks, deleting topics and groups. Calls run one at a time over one
 * admin connection, each within a deadline.
 *
 * @module
 */

import { type Admin, ConfigResourceTypes, type Kafka } from "kafkajs";
import { deadline, retry, StepTimeoutError } from "../../lib/async.ts";
import { LogError, type TopicSpec } from "../types.ts";
import { kafkaLogError } from "./errors.ts";
import { topicsGone } from "../topics_gone.ts";

/** How long the cluster may take to delete a topic, in ms. */
const DELETE_TOPICS_TIMEOUT_MS = 15_000;

/**
 * How long a topic just created may stay unknown to the broker answering: attempts 500 ms apart
 * (30 s in all).
 */
const NEW_TOPIC_GRACE = { attempts: 60, delayMs: 500 };

/**
 * Longest an admin call may take, retries included, before it counts as hung (kafkajs bounds each
 * request, but a call waiting on a connection can otherwise hold up every later call).
 */
const ADMIN_DEADLINE_MS = 90_000;

/**
 * Settings of the compacted topics (card states, producer ledger): segments roll every 10 min or
 * 64 MB, so old snapshots are compacted away within minutes instead of Kafka's default week or
 * GB, and a partition actor restoring its card states reads little more than the latest ones.
 */
export const COMPACTED_TOPIC_CONFIG = [
  { name: "cleanup.policy", value: "compact" },
  { name: "segment.ms", value: "600000" },
  { name: "segment.bytes", value: String(64 * 1024 * 1024) },
  { name: "min.cleanable.dirty.ratio", value: "0.2" },
];

/**
 * The refusal of a topic fraudstream keeps compacted (`compact` in its spec) that exists with
 * another `cleanup.policy` (made by hand, say, with Kafka's defaults): Kafka would delete its
 * records after the retention period, card states and the producer's file positions with them,
 * and the roles would go on without them (features from an empty history, files published again).
 */
export function notCompactedError(topic: string, policy: string | null | undefined): LogError {
  return new LogError(
    "invalid",
    `topic '${topic}' is not compacted (cleanup.policy=${policy ?? "delete"}): Kafka would ` +
      `delete what it keeps after the retention period; set cleanup.policy=compact on it ` +
      `(kafka-configs.sh --alter --entity-type topics --entity-name ${topic} ` +
      `--add-config cleanup.policy=compact) or delete it for fraudstream to create it`,
  );
}

/** Whether a topic's `cleanup.policy` compacts it (`compact`, or `compact,delete`). */
export function isCompacting(policy: string | null | undefined): boolean {
  return (policy ?? "").split(",").some((part) => part.trim() === "compact");
}

/** The admin side of a Kafka transport; failures are `LogError`s. */
export class KafkaAdmin {
  readonly #kafka: Kafka;
  readonly #brokers: string[];
  #admin?: Promise<Admin>;
  /** Every admin connection opened (one dropped after a failure may still hold a socket). */
  readonly #opened = new Set<Admin>();
  #queue: Promise<void> = Promise.resolve();

  /** Admin calls through `kafka`; nothing connects until the first call. */
  constructor(kafka: Kafka, brokers: string[]) {
    this.#kafka = kafka;
    this.#brokers = brokers;
  }

  /**
   * Runs an admin call. Calls run one at a time: kafkajs's admin loads a topic's metadata on first
   * use, and a concurrent call on the same topic can find it still empty and fail.
   */
  #call<T>(call: (admin: Admin) => Promise<T>): Promise<T> {
    const result = this.#queue.then(() =>
      deadline(this.#connected(call), ADMIN_DEADLINE_MS, "a Kafka admin request").catch(
        (error) => {
          if (!(error instanceof StepTimeoutError)) throw error;
          // A hung call must not hold up the queue: drop the connection and let later calls go.
          this.#admin = undefined;
          throw new LogError(
            "unavailable",
            `${error.message}; check that the brokers (${
              this.#brokers.join(", ")
            }) are up and answering`,
            { cause: error },
          );
        },
      )
    );
    this.#queue = result.then(() => {}, () => {});
    return result;
  }

  async #connected<T>(call: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      this.#admin ??= (async () => {
        const admin = this.#kafka.admin();
        await admin.connect();
        this.#opened.add(admin);
        return admin;
      })();
      return await call(await this.#admin);
    } catch (error) {
      this.#admin = undefined;
      throw kafkaLogError(error, this.#brokers);
    }
  }

  /**
   * Creates the missing topics and checks that the others have enough partitions, and that those
   * to compact are compacted.
   */
  ensureTopics(topics: TopicSpec[]): Promise<void> {
    return this.#call((admin) =>
      // The broker answering may not know for a moment a topic the controller just created.
      retry(
        () =>
          this.#ensureTopicsOnce(admin, topics).catch((error) => {
            throw kafkaLogError(error, this.#brokers);
          }),
        {
          isRetriable: (error) => error instanceof LogError && error.kind === "unknown_topic",
          maxAttempts: NEW_TOPIC_GRACE.attempts,
          backoff: { initialMs: NEW_TOPIC_GRACE.delayMs, maxMs: NEW_TOPIC_GRACE.delayMs },
        },
      )
    );
  }

  async #ensureTopicsOnce(admin: Admin, topics: TopicSpec[]): Promise<void> {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic: topic.name,
          numPartitions: topic.partitions,
          replicationFactor: topic.replicationFactor ?? -1,
          configEntries: topic.compact ? COMPACTED_TOPIC_CONFIG : [],
        })),
      });
    }
    const metadata = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
    for (const topic of topics) {
      const found = metadata.topics.find((t) => t.name === topic.name);
      if (found && found.partitions.length < topic.partitions) {
        throw new LogError(
          "invalid",
          `topic '${topic.name}' has ${found.partitions.length} partitions, fewer than the ` +
            `${topic.partitions} asked for; use --partitions ${found.partitions.length} or recreate the topic`,
        );
      }
    }
    const compacted = topics.filter((topic) => topic.compact);
    if (compacted.length === 0) return;
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: compacted.map((topic) => ({
        type: ConfigResourceTypes.TOPIC,
        name: topic.name,
        configNames: ["cleanup.policy"],
      })),
    });
    for (const resource of described.resources) {
      const policy = resource.configEntries.find((entry) => entry.configName === "cleanup.policy");
      if (policy && !isCompacting(policy.configValue)) {
        throw notCompactedError(resource.resourceName, policy.configValue);
      }
    }
  }

  /** Number of partitions of a topic. */
  partitions(topic: string): Promise<number> {
    return this.#call(async (admin) => {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      return metadata.topics[0].partitions.length;
    });
  }

  /** Next offset of every partition of a topic, by partition. */
  endOffsets(topic: string): Promise<number[]> {
    return this.#call(async (admin) => {
      const offsets = await admin.fetchTopicOffsets(topic);
      const out: number[] = [];
      for (const entry of offsets) out[entry.partition] = Number(entry.high);
      return out;
    });
  }

  /** Committed offsets of a group on a topic, by partition (-1 where none). */
  committedOffsets(groupId: string, topic: string): Promise<number[]> {
    return this.#call(async (admin) => {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const out: number[] = [];
      for (const partition of entry?.partitions ?? []) {
        out[partition.partition] = Number(partition.offset);
      }
      return out;
    });
  }

  /** Deletes consumer groups, and those of `topics` that exist; rejects when a topic was not deleted. */
  deleteTopicsAndGroups(what: { topics: string[]; groups: string[] }): Promise<void> {
    return this.#call(async (admin) => {
      if (what.groups.length > 0) {
        // A group still holding members (actors left behind) is not deleted; its offsets expire
        // with the cluster's offsets retention.
        await admin.deleteGroups(what.groups).catch(() => {});
      }
      const existing = new Set(await admin.listTopics());
      const present = what.topics.filter((topic) => existing.has(topic));
      if (present.length > 0) {
        await admin.deleteTopics({ topics: present, timeout: DELETE_TOPICS_TIMEOUT_MS });
        await topicsGone(() => admin.listTopics(), present);
      }
    });
  }

  /** Disconnects every admin connection opened. */
  async close(): Promise<void> {
    const opened = [...this.#opened];
    this.#opened.clear();
    this.#admin = undefined;
    await Promise.allSettled(opened.map((admin) => admin.disconnect()));
  }
}
