/**
 * The kafkajs client of a Kafka connection: brokers, timeouts, TLS, SASL and logging.
 *
 * @module
 */

import {
  Kafka,
  type KafkaConfig,
  logLevel as KafkaLogLevel,
  type RetryOptions,
  type SASLOptions,
} from "kafkajs";
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

/**
 * kafkajs's own lookups (of a broker to connect to, the cluster's metadata, a coordinator) retry
 * with the client's `retry` (a producer's or consumer's own `retry` covers only its requests): 1.2
 * to 3.2 s of retries, so a cluster that cannot be reached is told within seconds.
 */
export const CLIENT_RETRY = {
  initialRetryTime: 300,
  maxRetryTime: 2000,
  retries: 3,
} satisfies RetryOptions;

/**
 * The lookups of the producers' client ride out a node's death (24 to 30 s of retries). A
 * transaction looks up its coordinators at each send, offset commit and commit; when a node dies,
 * those it led move only once the cluster has noticed (`broker.session.timeout.ms`) and elected
 * new leaders, and until then each lookup fails to connect. With `CLIENT_RETRY` the lookups ran
 * out in 6 of 8 kill-broker runs on kafkajs, each time failing a batch and restarting its
 * partition actor; in one CI run so often that the partitions' supervisor gave up and the group
 * member was restarted with it.
 */
export const PRODUCER_CLIENT_RETRY = {
  initialRetryTime: 300,
  maxRetryTime: 3000,
  retries: 12,
} satisfies RetryOptions;

/**
 * The kafkajs client of `connection`, its lookups retried with `retry` (default `CLIENT_RETRY`);
 * nothing connects until first use.
 */
export function kafkaClient(
  connection: KafkaConnection,
  retry: RetryOptions = CLIENT_RETRY,
): Kafka {
  silenceNegativeTimeoutWarnings();
  const config: KafkaConfig = {
    clientId: connection.clientId,
    brokers: connection.brokers,
    connectionTimeout: 5000,
    requestTimeout: 30_000,
    retry,
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
