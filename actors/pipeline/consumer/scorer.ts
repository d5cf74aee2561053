/**
 * What a partition actor needs from the model: scoring column batches of one partition in order
 * while keeping each card's history, and that history as records to commit and restore.
 *
 * @module
 */

import type { TransactionColumns } from "../../../model/columns.ts";
import type { BatchReasons } from "../../../model/reason_codes.ts";
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
   * Applies a record of `takeChanges` or `snapshot`, in the order they were made; returns the
   * number of cards in it.
   */
  restore(record: Uint8Array): number;
  /** Scores the rows of `columns` in order, updating the card states. */
  score(columns: TransactionColumns): Promise<ScoreResult>;
  /** The states of the cards changed since the last call, as records (none when none changed). */
  takeChanges(): Uint8Array[];
  /** Every card's state, as records. */
  snapshot(): Uint8Array[];
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
