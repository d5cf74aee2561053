/**
 * What a partition actor needs from the model: scoring transactions of one partition in order while
 * keeping each card's history, and restoring that history from its snapshots.
 *
 * @module
 */

import type { Transaction } from "../../../model/schema.ts";
import type { ActorRef } from "../../runtime/mod.ts";

/** Scores of a batch and the card states it changed. */
export interface ScoreResult {
  /** Fraud probability per row, in row order. */
  scores: Float32Array;
  /** Alert threshold of the model that scored. */
  threshold: number;
  /** Version of the model that scored. */
  modelVersion: string;
  /** New state of every card the batch touched, by card number. */
  changed: Map<string, Uint8Array>;
}

/** Scores one partition's transactions in order; owns that partition's card states. */
export interface PartitionScorer {
  /** Restores one card's state from its snapshot. */
  restore(card: string, state: Uint8Array): void;
  /** Scores `rows` in order, updating the card states. */
  score(rows: Transaction[]): Promise<ScoreResult>;
  /** Frees what the scorer holds. */
  close(): void;
}

/**
 * Creates the scorer of one partition; `actors` finds actors of the consumer's tree by path
 * (relative to the consumer's supervisor, e.g. `scorers/score-0`).
 */
export type PartitionScorerFactory = (
  partition: number,
  actors: (path: string) => ActorRef<never, unknown>,
) => Promise<PartitionScorer>;
