/**
 * What a partition actor needs from the model: scoring transactions of one partition in order while
 * keeping each card's history, and restoring that history from its snapshots.
 *
 * @module
 */

import type { Transaction } from "../../../model/schema.ts";
import type { ActorAddress, ActorRef } from "../../runtime/mod.ts";

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
 * Finds an actor of the consumer's tree by its typed address, relative to the consumer's
 * supervisor (e.g. a member of the `scorers` pool).
 */
export type ConsumerActors = <M, R>(address: ActorAddress<M, R>) => ActorRef<M, R>;

/** Creates the scorer of one partition; `actors` finds the actors it works with. */
export type PartitionScorerFactory = (
  partition: number,
  actors: ConsumerActors,
) => Promise<PartitionScorer>;
