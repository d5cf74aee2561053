/**
 * The @platformatic/kafka options of a Kafka connection: brokers, timeouts, TLS and SASL. Every
 * client of the transport (admin, producers, consumers) is built from them.
 *
 * @module
 */

import type { BaseOptions } from "@platformatic/kafka";
import type { KafkaConnection } from "../kafka/client.ts";

/** The SASL mechanism names @platformatic/kafka takes, by fraudstream's. */
const SASL_MECHANISMS = {
  "plain": "PLAIN",
  "scram-sha-256": "SCRAM-SHA-256",
  "scram-sha-512": "SCRAM-SHA-512",
} as const;

/**
 * Longest wait for one request, in ms. @platformatic/kafka also takes it as the transaction timeout
 * of its transactional producers (the kafkajs transport's is 30 s too).
 */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Client options of `connection` (retries as the kafkajs transport's: 3, from 300 ms). */
export function platformaticOptions(connection: KafkaConnection): BaseOptions {
  const options: BaseOptions = {
    clientId: connection.clientId,
    bootstrapBrokers: connection.brokers,
    connectTimeout: 5000,
    timeout: REQUEST_TIMEOUT_MS,
    retries: 3,
    retryDelay: (_client, _operation, attempt) => Math.min(300 * 2 ** (attempt - 1), 2000),
    autocreateTopics: false,
  };
  if (connection.tls) {
    options.tls = connection.tls.ca ? { ca: [Deno.readTextFileSync(connection.tls.ca)] } : {};
  }
  if (connection.sasl) {
    options.sasl = {
      mechanism: SASL_MECHANISMS[connection.sasl.mechanism],
      username: connection.sasl.username,
      password: connection.sasl.password,
    };
  }
  return options;
}
