/**
 * Waiting for a local cluster to answer: every node registered and accepting clients, or an error
 * that says how each node's log ends.
 *
 * @module
 */

import { Kafka, logLevel } from "kafkajs";
import { FraudstreamError, throwIfInterrupted } from "../../lib/errors.ts";
import { poll } from "../../lib/async.ts";
import { silenceNegativeTimeoutWarnings } from "../../log/kafka/logging.ts";

/** A node's process exited while its cluster started (a port taken since it was checked, say). */
export class NodeExitedError extends FraudstreamError {
  constructor(message: string, readonly nodes: readonly number[]) {
    super(message);
  }
}

/**
 * Waits until the cluster reports `expectNodes` brokers; the error names the logs to read.
 *
 * @example
 * ```ts
 * await waitForCluster({ brokers: ["127.0.0.1:19092"], expectNodes: 1, timeoutMs: 60_000 });
 * ```
 *
 * @throws {NodeExitedError} when a node's process exits first (`options.exited`).
 * @throws {FraudstreamError} when the cluster has not answered within `timeoutMs`.
 * @throws {InterruptedError} when `options.signal` aborts first.
 */
export async function waitForCluster(
  options: {
    brokers: string[];
    expectNodes: number;
    timeoutMs: number;
    logs?: string[];
    /** Ends the wait (Ctrl-C). */
    signal?: AbortSignal;
    /** The ids of the nodes whose process has exited (asked each round; none when absent). */
    exited?: () => Promise<number[]>;
  },
): Promise<void> {
  silenceNegativeTimeoutWarnings();
  const kafka = new Kafka({
    clientId: "fraudstream-kafka-up",
    brokers: options.brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    retry: { retries: 0 },
  });
  let last = "no answer yet";
  let exited: number[] = [];
  const up = await poll(async () => {
    exited = (await options.exited?.()) ?? [];
    if (exited.length > 0) return true;
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length >= options.expectNodes && cluster.controller !== null) {
        // A node is listed once registered, which can be before its listener accepts clients.
        const closed = await closedAddresses(options.brokers);
        if (closed.length === 0) return true;
        last = `${closed.join(", ")} not accepting connections yet`;
      } else last = `${cluster.brokers.length} of ${options.expectNodes} brokers up`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    } finally {
      await admin.disconnect().catch(() => {});
    }
    return false;
  }, { timeoutMs: options.timeoutMs, pollMs: 500, signal: options.signal });
  if (up && exited.length === 0) return;
  throwIfInterrupted(options.signal, "interrupted while waiting for the Kafka cluster");
  const logs = options.logs?.length ? `; see ${options.logs.join(", ")}` : "";
  // The logs may be gone by the time someone reads this (a test's cluster is deleted): their ends.
  const ends = await Promise.all((options.logs ?? []).map(logEnd));
  if (exited.length > 0) {
    throw new NodeExitedError(
      `Kafka node ${exited.join(", ")} exited while the cluster at ${
        options.brokers.join(",")
      } started${logs}${ends.join("")}`,
      exited,
    );
  }
  throw new FraudstreamError(
    `the Kafka cluster at ${options.brokers.join(",")} did not answer within ${
      Math.round(options.timeoutMs / 1000)
    } s (${last})${logs}${ends.join("")}`,
  );
}

/** The last lines of a node's log (each cut to 300 characters), as lines to append to an error. */
async function logEnd(path: string): Promise<string> {
  const text = await Deno.readTextFile(path).catch(() => "");
  const lines = text.split("\n").filter((line) => line.trim() !== "").slice(-3);
  return lines.length === 0
    ? `\n${path}: empty or unreadable`
    : `\n${path} ends:\n` + lines.map((line) => `  ${line.slice(0, 300)}`).join("\n");
}

/** The `host:port` addresses among `addresses` that refuse a TCP connection. */
async function closedAddresses(addresses: string[]): Promise<string[]> {
  const closed: string[] = [];
  for (const address of addresses) {
    const at = address.lastIndexOf(":");
    try {
      const connection = await Deno.connect({
        hostname: address.slice(0, at),
        port: Number(address.slice(at + 1)),
      });
      connection.close();
    } catch {
      closed.push(address);
    }
  }
  return closed;
}
