/**
 * The kafkajs client of a Kafka connection: brokers, timeouts, TLS, SASL and logging.
 *
 * @module
 */

import { Kafka, type KafkaConfig, logLevel as KafkaLogLevel, type SASLOptions } from "kafkajs";
import { kafkaLogCreator, silenceNegativeTimeoutWarnings } from "./logging.ts";

/** How to reach and authenticate with a Kafka cluster. */
export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  /** Use TLS; `ca` is a PEM file of extra trusted certificates. */
  tls?: { ca?: string };
  /** SASL authentication. The password is never printed or logged. */
  sasl?: {
    mechanism: "plain" | "scram-sha-256" | "scram-sha-512";
    username: string;
    password: string;
  };
  /** Receives kafkajs warnings and errors, already stripped of credentials. */
  onLog?: (line: string) => void;
}

/** The kafkajs client of `connection`; nothing connects until first use. */
export function kafkaClient(connection: KafkaConnection): Kafka {
  silenceNegativeTimeoutWarnings();
  const config: KafkaConfig = {
    clientId: connection.clientId,
    brokers: connection.brokers,
    connectionTimeout: 5000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, maxRetryTime: 2000, retries: 3 },
    logLevel: KafkaLogLevel.WARN,
    logCreator: kafkaLogCreator(connection.onLog),
  };
  if (connection.tls) {
    config.ssl = connection.tls.ca ? { ca: [Deno.readTextFileSync(connection.tls.ca)] } : true;
  }
  if (connection.sasl) {
    config.sasl = {
      mechanism: connection.sasl.mechanism,
      username: connection.sasl.username,
      password: connection.sasl.password,
    } as SASLOptions;
  }
  return new Kafka(config);
}
