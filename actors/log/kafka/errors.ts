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
import {
  LOG_ERROR_MESSAGES,
  PROTOCOL_ERROR_KINDS,
  unreachableMessage,
} from "../protocol_errors.ts";

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

/** A `LogError` for one kafkajs failure (not a wrapper). */
function classify(error: KafkaJSError, brokers: string[]): LogError {
  const at = brokers.join(",");
  if (UNREACHABLE.some((type) => error instanceof type)) {
    return new LogError(
      "unavailable",
      unreachableMessage(at, error.message),
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
    ? PROTOCOL_ERROR_KINDS[error.type] ?? otherwise
    : otherwise;
  return new LogError(kind, LOG_ERROR_MESSAGES[kind](at, error.message), {
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
