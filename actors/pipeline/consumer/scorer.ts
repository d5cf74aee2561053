/**
 * What a partition actor needs from the model: scoring column batches of one partition in order
 * while keeping each card's history, and that history as records to commit and restore.
 *
 * @module
 */

import type { TransactionColumns } from "../../../model/columns.ts";
import type { BatchReasons } from "../../../model/reason_codes.ts";
import type { CardStateChanges } from "../workers/score.ts";
import type { ActorAddress, ActorRef } from "../../runtime/mod.ts";

/** Scores of a batch. */
export interface ScoreResult {
  /** Fraud probability per row, in row order. */
  scores: Float32Array;
  /** Alert threshold of the model that scored. */
  threshold: number;
  /** Version of the model that scored. */
  modelVersion: string;
  /** Reason codes of the rows at or above the threshold (absent when there are none). */
  reasons?: BatchReasons;
  /** The same rows scored by the shadow model (`--shadow-model`), which never alerts. */
  shadow?: ShadowScores;
  /** The rows' encoded features as scored (row-major), for the drift monitor. */
  features?: Float32Array | Float64Array;
  /**
   * The states of the cards the batch changed, as records (none when it changed none, or the
   * scorer keeps no card state), and every card's state too when `score` was asked for it.
   */
  cardStates: CardStateChanges;
}

/** What `PartitionScorer.score` is asked besides the rows. */
export interface ScoreOptions {
  /** Also give every card's state (a snapshot), in records. */
  snapshot?: boolean;
}

/** Scores of a batch by the shadow model: compared with the alerting model's, never alerted on. */
export interface ShadowScores {
  /** Fraud probability per row, in row order. */
  scores: Float32Array;
  /** The shadow model's own threshold (what it would alert at). */
  threshold: number;
  /** Version of the shadow model. */
  modelVersion: string;
}

/**
 * Scores one partition's transactions in order; owns that partition's card states, which it
 * gives out and takes back as records (`card-state` topic values), each small enough for one log
 * record. A scorer that keeps no card state gives no records.
 */
export interface PartitionScorer {
  /**
   * Restores the card states from records of earlier batches' `cardStates` (a snapshot's, then
   * the deltas after it, in the order they were made); returns the number of cards in them.
   * Called once, before the first `score`, with no records for a partition that has none.
   */
  restore(records: readonly Uint8Array[]): Promise<number>;
  /** Scores the rows of `columns` in order, updating the card states. */
  score(columns: TransactionColumns, options?: ScoreOptions): Promise<ScoreResult>;
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
