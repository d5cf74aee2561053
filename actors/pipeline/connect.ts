/**
 * How a role reaches its log: the Kafka connection of the configuration, the transport it chooses,
 * and creating the topics while waiting out a log that cannot be reached yet.
 *
 * @module
 */

import type { Config } from "../../config/config.ts";
import { UsageError } from "../lib/errors.ts";
import { retry } from "../lib/async.ts";
import { EmbeddedTransport } from "../log/embedded/transport.ts";
import type { KafkaConnection } from "../log/kafka/client.ts";
import { KafkaTransport } from "../log/kafka/transport.ts";
import type { TopicSpec, Transport } from "../log/types.ts";

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

/** Options of `ensureTopicsPatiently`. */
export interface PatienceOptions {
  /** Ends the wait: `ensureTopicsPatiently` then resolves false. */
  signal: AbortSignal;
  /** Told about every failed attempt and the wait before the next. */
  onWait?: (line: string) => void;
  /** Longest wait between two attempts, in ms (default 30 s). */
  maxDelayMs?: number;
}

/**
 * Creates the topics, retrying with back-off while the log cannot be reached (a broker that is
 * down or still starting), and saying so on every attempt. A failure that waiting does not mend
 * (credentials refused, a replication factor above the number of brokers) is thrown at once.
 * Resolves false if `signal` ends it.
 */
export async function ensureTopicsPatiently(
  transport: Transport,
  topics: TopicSpec[],
  options: PatienceOptions,
): Promise<boolean> {
  try {
    await retry(() => transport.ensureTopics(topics), {
      signal: options.signal,
      backoff: { initialMs: 1000, maxMs: options.maxDelayMs ?? 30_000, jitter: 0 },
      onRetry: (error, attempt, delayMs) =>
        options.onWait?.(
          `${(error as Error).message}; retrying in ${
            Math.round(delayMs / 1000)
          } s (attempt ${attempt})`,
        ),
    });
    return true;
  } catch (error) {
    if (options.signal.aborted && error === options.signal.reason) return false;
    throw error;
  }
}
