/**
 * What kafkajs says, filtered: its log entries become status lines only when they tell the user
 * something (not debug and info chatter, not warnings about choices made on purpose, not errors
 * kafkajs retries itself), and the Node-compatible timers' warnings about kafkajs's negative
 * timeouts are dropped.
 *
 * kafkajs log entries carry their message as text only (no error class or type), so the entries
 * left out are recognised by their text.
 *
 * @module
 */

import process from "node:process";
import { type logCreator, logLevel as KafkaLogLevel } from "kafkajs";

/**
 * kafkajs warnings that describe choices made on purpose: retries are bounded so a failing
 * transaction aborts and its actor restarts (exactly-once holds through the abort), and the
 * partitioner is the Java-compatible default.
 */
const EXPECTED_WARNINGS = [
  /Limiting retries for the idempotent producer/,
  /switched default partitioner/,
];

/**
 * kafkajs errors that kafkajs itself retries: a transaction's sends to several partitions at once
 * each register their partition with the coordinator, which answers CONCURRENT_TRANSACTIONS to all
 * but one until the first is done. Should the retries run out, the send fails and its actor's crash
 * is reported instead.
 */
const RETRIED_ERRORS = [/another concurrent operation on the same transaction/];

/** How often the same kafkajs message may be repeated, in ms. */
const LOG_REPEAT_MS = 15_000;

/**
 * The line to print for a kafkajs log entry, or undefined for one not worth printing (debug and
 * info, warnings about choices made on purpose, errors kafkajs retries).
 */
export function kafkaLogLine(
  level: KafkaLogLevel,
  log: { message?: unknown; error?: unknown },
): string | undefined {
  if (level > KafkaLogLevel.WARN) return undefined;
  const message = String(log.message);
  if (EXPECTED_WARNINGS.some((pattern) => pattern.test(message))) return undefined;
  // A failed response's message names only the request; the reason is beside it.
  const reason = typeof log.error === "string" && !message.includes(log.error) ? log.error : "";
  if (RETRIED_ERRORS.some((pattern) => pattern.test(`${message} ${reason}`))) return undefined;
  const kind = level === KafkaLogLevel.ERROR ? "error" : "warning";
  return `kafka ${kind}: ${message}${reason ? ` (${reason})` : ""}`;
}

/**
 * A kafkajs log creator passing the lines worth printing to `onLog`, each repeated at most once
 * every 15 s (retries repeat the same complaint many times a second).
 */
export function kafkaLogCreator(onLog: ((line: string) => void) | undefined): logCreator {
  const lastPrinted = new Map<string, number>();
  return () => ({ level, log }) => {
    const line = onLog && kafkaLogLine(level, log);
    if (!line) return;
    const now = Date.now();
    if (now - (lastPrinted.get(line) ?? -Infinity) < LOG_REPEAT_MS) return;
    lastPrinted.set(line, now);
    onLog!(line);
  };
}

let negativeTimeoutsSilenced = false;

/**
 * Drops the Node-compatible timers' `TimeoutNegativeWarning`: kafkajs sets timers from throttle
 * times that can be negative; the timers clamp them to 1 ms and print a warning each time, which
 * tells a user nothing. Every other warning passes. Installed once per process.
 */
export function silenceNegativeTimeoutWarnings(): void {
  if (negativeTimeoutsSilenced) return;
  negativeTimeoutsSilenced = true;
  const emit = process.emitWarning.bind(process);
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const kind = typeof rest[0] === "string"
      ? rest[0]
      : (rest[0] as { type?: string } | undefined)?.type ?? (warning as Error).name;
    if (kind === "TimeoutNegativeWarning") return;
    emit(warning as string, ...(rest as []));
  }) as typeof process.emitWarning;
}
