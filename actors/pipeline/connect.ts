/**
 * How a role reaches its log: the Kafka connection of the configuration, the transport it chooses,
 * and creating the topics while waiting out a log that cannot be reached yet.
 *
 * @module
 */

import type { Config } from "../../config/config.ts";
import { FraudstreamError, UsageError } from "../lib/errors.ts";
import { retry } from "../lib/async.ts";
import { Tripwire } from "../lib/tripwire.ts";
import { EmbeddedTransport } from "../log/embedded/transport.ts";
import type { KafkaConnection } from "../log/kafka/client.ts";
import type { KafkaClientName } from "../log/kafka_client.ts";
import { KafkaTransport } from "../log/kafka/transport.ts";
import type { PlatformaticTransport } from "../log/platformatic/transport.ts";
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

/**
 * Kafka at the configured brokers, through the client library of `--kafka-client`.
 * @platformatic/kafka is loaded only when chosen: it reads a WebAssembly file of its own when
 * loaded, which a bundle (`deno task bundle`) does not carry.
 */
export function kafkaTransport(
  config: Config,
  onLog?: (line: string) => void,
): Promise<KafkaTransport | PlatformaticTransport> {
  return kafkaTransportOver(kafkaConnection(config, onLog), config.kafkaClient);
}

/**
 * Kafka over `connection` through the client library `client` (as `kafkaTransport`, for a
 * connection that does not come from the configuration, e.g. a cluster a tool started).
 *
 * @throws {FraudstreamError} when @platformatic/kafka cannot be loaded.
 */
export async function kafkaTransportOver(
  connection: KafkaConnection,
  client: KafkaClientName,
): Promise<KafkaTransport | PlatformaticTransport> {
  if (client !== "platformatic") return new KafkaTransport(connection);
  let loaded;
  try {
    loaded = await import("../log/platformatic/transport.ts");
  } catch (error) {
    throw new FraudstreamError(
      `the @platformatic/kafka client cannot be loaded here (${(error as Error).message}); ` +
        "use --kafka-client kafkajs",
      { cause: error },
    );
  }
  return new loaded.PlatformaticTransport(connection);
}

/**
 * Kafka when brokers are configured (`kafkaTransport`); otherwise a fresh embedded log (single
 * process only).
 */
export async function openTransport(
  config: Config,
  onLog?: (line: string) => void,
): Promise<Transport> {
  return config.brokers ? await kafkaTransport(config, onLog) : new EmbeddedTransport();
}

/** How long an attempt to reach the log may go on after a stop, in ms, to tell how it failed. */
const ATTEMPT_GRACE_AFTER_STOP_MS = 3000;

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
  // A stop lets the attempt under way fail on its own for a moment (so that why the log cannot be
  // reached is still told), then ends the wait: kafkajs would wait out its request timeout, 30 s,
  // at an address that takes the connection and never answers.
  const stopped = new Tripwire();
  let abandon: ReturnType<typeof setTimeout> | undefined;
  const stop = () => {
    abandon = setTimeout(() => stopped.trip(options.signal.reason), ATTEMPT_GRACE_AFTER_STOP_MS);
  };
  options.signal.addEventListener("abort", stop, { once: true });
  try {
    await retry(() => stopped.race(transport.ensureTopics(topics)), {
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
    // Stopped: whatever the attempt under way failed with on the way (its client closed under
    // it, say) is not the user's concern.
    if (options.signal.aborted) return false;
    throw error;
  } finally {
    options.signal.removeEventListener("abort", stop);
    clearTimeout(abandon);
  }
}
