/**
 * The topics fraudstream works with: their names, and every topic of a deployment with its
 * partitions and replication factor.
 *
 * @module
 */

import type { Config } from "../../config/config.ts";
import type { TopicSpec } from "../log/types.ts";
import { LEDGER_TOPIC } from "./producer/ledger.ts";

/** Fixed topic names (the transactions topic is configurable). */
export const TOPICS = {
  alerts: "fraud-alerts",
  scores: "scores",
  deadLetters: "transactions-dlq",
  cardState: "card-state",
  ledger: LEDGER_TOPIC,
} as const;

/** Every topic of a deployment, with its partitions and replication factor. */
export function topicSpecs(
  config: Pick<Config, "topic" | "partitions" | "replicationFactor">,
): TopicSpec[] {
  const replicationFactor = config.replicationFactor;
  const partitioned = (name: string, compact = false): TopicSpec => ({
    name,
    partitions: config.partitions,
    replicationFactor,
    compact,
  });
  return [
    partitioned(config.topic),
    partitioned(TOPICS.alerts),
    partitioned(TOPICS.scores),
    partitioned(TOPICS.deadLetters),
    partitioned(TOPICS.cardState, true),
    { name: TOPICS.ledger, partitions: 1, replicationFactor, compact: true },
  ];
}
