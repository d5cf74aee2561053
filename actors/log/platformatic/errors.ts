/**
 * @platformatic/kafka failures as `LogError`s, recognised by their error code (`PLT_KFK_*`) and,
 * for the broker's answers, by their protocol error name; whether one is worth retrying is the
 * client's own `canRetry`. A failure after retries (a `MultipleErrors` of every attempt's) is
 * judged by the attempt that retrying does not mend, else by the last one.
 *
 * @module
 */

import { FraudstreamError } from "../../lib/errors.ts";
import {
  LOG_ERROR_MESSAGES,
  PROTOCOL_ERROR_KINDS,
  unreachableMessage,
} from "../protocol_errors.ts";
import { LogError, type LogErrorKind } from "../types.ts";

/** The fields of a @platformatic/kafka error this file reads. */
interface ClientError extends Error {
  code: string;
  apiId?: string;
  canRetry?: boolean;
  errors?: unknown[];
}

/** Codes of @platformatic/kafka's errors (its `errorCodes`), by what they mean here. */
const CODE_KINDS: Record<string, LogErrorKind> = {
  PLT_KFK_AUTHENTICATION: "authentication",
  PLT_KFK_UNSUPPORTED_API: "invalid",
  PLT_KFK_UNSUPPORTED: "invalid",
  PLT_KFK_USER: "invalid",
};

function isClientError(error: unknown): error is ClientError {
  return error instanceof Error && typeof (error as ClientError).code === "string" &&
    (error as ClientError).code.startsWith("PLT_KFK_");
}

/**
 * The errors a failure stands for: itself, the leaves of the attempts it gathers, or, for a
 * connection that failed, the reason it failed for (credentials refused while connecting).
 */
function leaves(error: ClientError, depth = 0): ClientError[] {
  if (depth > 5) return [error];
  if (error.code === "PLT_KFK_NETWORK" && isClientError(error.cause)) {
    return leaves(error.cause, depth + 1);
  }
  if (!Array.isArray(error.errors) || error.errors.length === 0) return [error];
  const out = error.errors.filter(isClientError).flatMap((e) => leaves(e, depth + 1));
  return out.length > 0 ? out : [error];
}

/** A `LogError` for one @platformatic/kafka failure (not a gathering of several). */
function classify(error: ClientError, brokers: string[]): LogError {
  const at = brokers.join(",");
  if (error.code === "PLT_KFK_NETWORK" || error.code === "PLT_KFK_TIMEOUT") {
    return new LogError("unavailable", unreachableMessage(at, error.message), { cause: error });
  }
  const retriable = error.canRetry === true;
  // Anything else the client would retry is the cluster not being ready.
  const otherwise: LogErrorKind = retriable ? "unavailable" : "other";
  const kind = error.code === "PLT_KFK_PROTOCOL"
    ? PROTOCOL_ERROR_KINDS[error.apiId ?? ""] ?? otherwise
    : CODE_KINDS[error.code] ?? otherwise;
  return new LogError(kind, LOG_ERROR_MESSAGES[kind](at, error.message), {
    retriable,
    cause: error,
  });
}

/**
 * `error` as the log's error: a @platformatic/kafka failure becomes a `LogError` of its kind;
 * fraudstream's own errors, and failures that are not the client's, are returned as they are.
 */
export function platformaticLogError(error: unknown, brokers: string[]): unknown {
  if (error instanceof FraudstreamError || !isClientError(error)) return error;
  const errors = leaves(error).map((e) => classify(e, brokers));
  return errors.find((e) => !e.retriable) ?? errors.at(-1)!;
}

/** Whether `error` is, or gathers, the broker's answer `name` (a protocol error name). */
export function hasProtocolError(error: unknown, name: string): boolean {
  return isClientError(error) &&
    leaves(error).some((e) => e.code === "PLT_KFK_PROTOCOL" && e.apiId === name);
}

/** Whether `error` is, or gathers, the client's refusal of a request as asked (`UserError`). */
export function hasUsageError(error: unknown): boolean {
  return isClientError(error) && leaves(error).some((e) => e.code === "PLT_KFK_USER");
}

/** Runs a client call, its failure turned into the log's error (`platformaticLogError`). */
export async function withLogErrors<T>(brokers: string[], call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw platformaticLogError(error, brokers);
  }
}
