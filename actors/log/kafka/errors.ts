/**
 * kafkajs failures as `LogError`s, recognised by their class and, for the broker's answers, by
 * their protocol error type; whether one is worth retrying is kafkajs's own `retriable` of the
 * failure's root cause (kafkajs wraps the failure that ended its retries as their cause).
 *
 * @module
 */

import kafkajs from "kafkajs";
import { FraudstreamError } from "../../lib/errors.ts";
import { LogError, type LogErrorKind } from "../types.ts";

// kafkajs spreads its error classes into its exports, where named ESM imports cannot see them.
const {
  KafkaJSAggregateError,
  KafkaJSBrokerNotFound,
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSLockTimeout,
  KafkaJSMetadataNotLoaded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  KafkaJSServerDoesNotSupportApiKey,
} = kafkajs;
type KafkaJSError = InstanceType<typeof KafkaJSError>;

/** Broker answers (protocol error types) that say something other than "not now". */
const PROTOCOL_KINDS: Record<string, LogErrorKind> = {
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

/** kafkajs failures to reach a broker or get an answer in time. */
const UNREACHABLE = [
  KafkaJSConnectionError,
  KafkaJSRequestTimeoutError,
  KafkaJSBrokerNotFound,
  KafkaJSLockTimeout,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSMetadataNotLoaded,
];

/** The failure kafkajs's wrappers (retries exceeded, not retriable) were raised for. */
function rootCause(error: Error): Error {
  let root = error;
  for (let depth = 0; depth < 10; depth++) {
    const cause: unknown = root.cause;
    if (!(cause instanceof Error) || cause === root) break;
    root = cause;
  }
  return root;
}

/** What each kind of failure says, given the brokers and kafkajs's reason. */
const MESSAGES: Record<LogErrorKind, (at: string, reason: string) => string> = {
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

/** A `LogError` for one kafkajs failure (not a wrapper). */
function classify(error: KafkaJSError, brokers: string[]): LogError {
  const at = brokers.join(",");
  if (UNREACHABLE.some((type) => error instanceof type)) {
    return new LogError(
      "unavailable",
      `cannot reach Kafka at ${at} (${error.message}); check --brokers / ` +
        "KAFKA_BOOTSTRAP_SERVERS, or start a local cluster with 'fraudstream kafka up'",
      { cause: error },
    );
  }
  // Anything else kafkajs would retry is the cluster not being ready: a leader election, a
  // coordinator moving, replicas catching up.
  const otherwise: LogErrorKind = error.retriable ? "unavailable" : "other";
  const kind: LogErrorKind = error instanceof KafkaJSSASLAuthenticationError
    ? "authentication"
    : error instanceof KafkaJSServerDoesNotSupportApiKey
    ? "invalid"
    : error instanceof KafkaJSProtocolError
    ? PROTOCOL_KINDS[error.type] ?? otherwise
    : otherwise;
  return new LogError(kind, MESSAGES[kind](at, error.message), {
    retriable: error.retriable,
    cause: error,
  });
}

/**
 * `error` as the log's error: a kafkajs failure becomes a `LogError` of its kind; fraudstream's
 * own errors, and failures that are not kafkajs's (a batch handler's, which kafkajs may have
 * wrapped), are returned as they are.
 */
export function kafkaLogError(error: unknown, brokers: string[]): unknown {
  if (error instanceof FraudstreamError || !(error instanceof Error)) return error;
  const root = rootCause(error);
  if (root instanceof KafkaJSAggregateError) {
    // Several answers at once (one per topic created): the one that retrying does not mend.
    const errors = root.errors.filter((e): e is KafkaJSError => e instanceof KafkaJSError)
      .map((e) => classify(e, brokers));
    return errors.find((e) => !e.retriable) ?? errors[0] ??
      new LogError("other", `Kafka request failed: ${root.message}`, { cause: root });
  }
  if (root instanceof KafkaJSError) return classify(root, brokers);
  return root === error || !(error instanceof KafkaJSError) ? error : root;
}

/** Runs a kafkajs call, its failure turned into the log's error (`kafkaLogError`). */
export async function withLogErrors<T>(brokers: string[], call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw kafkaLogError(error, brokers);
  }
}
