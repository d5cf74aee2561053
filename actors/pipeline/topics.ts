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

/** The topics a pipeline writes besides its transactions topic. */
export interface OutputTopics {
  alerts: string;
  scores: string;
  deadLetters: string;
  cardState: string;
  /** The producers' ledger (`producer/ledger.ts`). */
  ledger: string;
}

/**
 * Output topics of their own for a benchmark on transactions topic `topic` (`<topic>-fraud-alerts`
 * and so on), so that it writes nothing into a deployment's alerts, scores, dead letters, card
 * states or producers' ledger, and its topics can be deleted with it.
 */
export function outputTopicsOf(topic: string): OutputTopics {
  return {
    alerts: `${topic}-${TOPICS.alerts}`,
    scores: `${topic}-${TOPICS.scores}`,
    deadLetters: `${topic}-${TOPICS.deadLetters}`,
    cardState: `${topic}-${TOPICS.cardState}`,
    ledger: `${topic}-${TOPICS.ledger}`,
  };
}

/**
 * Every topic of a deployment, with its partitions and replication factor: the output topics are
 * `outputs` (default the fixed names, `TOPICS`).
 */
export function topicSpecs(
  config: Pick<Config, "topic" | "partitions" | "replicationFactor">,
  outputs: OutputTopics = TOPICS,
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
    partitioned(outputs.alerts),
    partitioned(outputs.scores),
    partitioned(outputs.deadLetters),
    partitioned(outputs.cardState, true),
    { name: outputs.ledger, partitions: 1, replicationFactor, compact: true },
  ];
}
