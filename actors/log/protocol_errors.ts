/**
 * What Kafka's protocol errors mean for fraudstream, whichever client carried them: the broker
 * answers (by their protocol name) that say something other than "not now".
 *
 * @module
 */

import type { LogErrorKind } from "./types.ts";

/** Broker answers (protocol error names) that say something other than "not now". */
export const PROTOCOL_ERROR_KINDS: Readonly<Record<string, LogErrorKind>> = {
  SASL_AUTHENTICATION_FAILED: "authentication",
  UNSUPPORTED_SASL_MECHANISM: "authentication",
  ILLEGAL_SASL_STATE: "authentication",
  TOPIC_AUTHORIZATION_FAILED: "authorization",
  GROUP_AUTHORIZATION_FAILED: "authorization",
  CLUSTER_AUTHORIZATION_FAILED: "authorization",
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: "authorization",
  DELEGATION_TOKEN_AUTHORIZATION_FAILED: "authorization",
  INVALID_PRODUCER_EPOCH: "fenced",
  PRODUCER_FENCED: "fenced",
  TRANSACTION_COORDINATOR_FENCED: "fenced",
  MESSAGE_TOO_LARGE: "too_large",
  RECORD_LIST_TOO_LARGE: "too_large",
  OFFSET_METADATA_TOO_LARGE: "too_large",
  UNKNOWN_TOPIC_OR_PARTITION: "unknown_topic",
  INVALID_TOPIC_EXCEPTION: "invalid",
  INVALID_PARTITIONS: "invalid",
  INVALID_REPLICATION_FACTOR: "invalid",
  INVALID_REPLICA_ASSIGNMENT: "invalid",
  INVALID_CONFIG: "invalid",
  POLICY_VIOLATION: "invalid",
  TOPIC_DELETION_DISABLED: "invalid",
  INVALID_TRANSACTION_TIMEOUT: "invalid",
  UNSUPPORTED_VERSION: "invalid",
};

/** What each kind of failure says, given the brokers and the client's reason. */
export const LOG_ERROR_MESSAGES: Readonly<
  Record<LogErrorKind, (at: string, reason: string) => string>
> = {
  unavailable: (at, reason) => `Kafka at ${at} is not ready (${reason})`,
  authentication: (at, reason) =>
    `Kafka at ${at} refused the credentials (${reason}); check KAFKA_SASL_*`,
  authorization: (at, reason) =>
    `Kafka at ${at} does not allow this (${reason}); check the ACLs of the user`,
  fenced: (_, reason) => `a newer producer with the same transactional id took over (${reason})`,
  too_large: (_, reason) => `Kafka refused records as too large (${reason})`,
  unknown_topic: (_, reason) => `Kafka does not know the topic or partition (${reason})`,
  invalid: (at, reason) => `Kafka at ${at} refused the request (${reason})`,
  other: (_, reason) => `Kafka request failed: ${reason}`,
};

/** The message of a Kafka that cannot be reached, with what to check. */
export function unreachableMessage(at: string, reason: string): string {
  return `cannot reach Kafka at ${at} (${reason}); check --brokers / ` +
    "KAFKA_BOOTSTRAP_SERVERS, or start a local cluster with 'fraudstream kafka up'";
}
