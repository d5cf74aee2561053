/**
 * The transport a role uses, chosen from the configuration, and the topics fraudstream works with.
 *
 * @module
 */

import type { Config } from "../../config/load.ts";
import { UsageError } from "../lib/errors.ts";
import { LEDGER_TOPIC } from "../pipeline/producer/ledger.ts";
import { EmbeddedTransport } from "./embedded/transport.ts";
import { type KafkaConnection, KafkaTransport, KafkaUnavailableError } from "./kafka/transport.ts";
import { sleep } from "../lib/async.ts";
import type { TopicSpec, Transport } from "./types.ts";

export * from "./types.ts";
export { EmbeddedLog, EmbeddedTransport, ProducerFencedError } from "./embedded/transport.ts";
export { KafkaTransport, KafkaUnavailableError } from "./kafka/transport.ts";
export { partitionForKey } from "./partitioner.ts";

/** Fixed topic names (the transactions topic is configurable). */
export const TOPICS = {
  alerts: "fraud-alerts",
  scores: "scores",
  deadLetters: "transactions-dlq",
  cardState: "card-state",
  ledger: LEDGER_TOPIC,
} as const;

/** Every topic of a deployment, with its partitions and replication factor. */
export function topicSpecs(
  config: Pick<Config, "topic" | "partitions" | "replicationFactor">,
): TopicSpec[] {
  const replicationFactor = config.replicationFactor;
  const partitioned = (name: string, compact = false): TopicSpec => ({
    name,
    partitions: config.partitions,
    replicationFactor,
    compact,
  });
  return [
    partitioned(config.topic),
    partitioned(TOPICS.alerts),
    partitioned(TOPICS.scores),
    partitioned(TOPICS.deadLetters),
    partitioned(TOPICS.cardState, true),
    { name: TOPICS.ledger, partitions: 1, replicationFactor, compact: true },
  ];
}

/** Kafka connection settings from the configuration; credentials stay inside. */
export function kafkaConnection(config: Config, onLog?: (line: string) => void): KafkaConnection {
  if (!config.brokers) {
    throw new UsageError("no Kafka brokers: set --brokers or KAFKA_BOOTSTRAP_SERVERS");
  }
  let sasl: KafkaConnection["sasl"];
  if (config.saslMechanism !== "none") {
    if (!config.saslUsername || !config.saslPassword) {
      throw new UsageError(
        `KAFKA_SASL_MECHANISM=${config.saslMechanism} needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD`,
      );
    }
    sasl = {
      mechanism: config.saslMechanism,
      username: config.saslUsername,
      password: config.saslPassword,
    };
  }
  return {
    brokers: config.brokers,
    clientId: config.clientId,
    tls: config.kafkaTls || config.kafkaTlsCa ? { ca: config.kafkaTlsCa } : undefined,
    sasl,
    onLog,
  };
}

/** Kafka when brokers are configured, otherwise a fresh embedded log (single process only). */
export function openTransport(config: Config, onLog?: (line: string) => void): Transport {
  return config.brokers
    ? new KafkaTransport(kafkaConnection(config, onLog))
    : new EmbeddedTransport();
}

/**
 * Creates the topics, retrying with back-off while the log cannot be reached (a broker that is
 * down or still starting), and saying so on every attempt. Resolves false if `signal` ends it.
 */
export async function ensureTopicsPatiently(
  transport: Transport,
  topics: TopicSpec[],
  options: { signal: AbortSignal; onWait?: (line: string) => void; maxDelayMs?: number },
): Promise<boolean> {
  let delay = 1000;
  for (let attempt = 1;; attempt++) {
    try {
      await transport.ensureTopics(topics);
      return true;
    } catch (error) {
      if (!(error instanceof KafkaUnavailableError)) throw error;
      options.onWait?.(
        `${error.message}; retrying in ${Math.round(delay / 1000)} s (attempt ${attempt})`,
      );
    }
    if (!(await sleep(delay, options.signal))) return false;
    delay = Math.min(options.maxDelayMs ?? 30_000, delay * 2);
  }
}
