/**
 * Counters of a consumer, kept outside the actors so restarts do not reset them.
 *
 * @module
 */

import { Histogram } from "../../observe/metrics/histogram.ts";

/** What the consumer measured. */
export interface ConsumerMetrics {
  batches: number;
  /** Transactions scored and committed. */
  scored: number;
  alerts: number;
  /** Undecodable messages sent to the dead-letter topic. */
  deadLetters: number;
  /** Card states applied at partition assignment (a card once per record that holds it). */
  restoredStates: number;
  /** Records behind the end of each partition after its last committed batch. */
  lag: number[];
  /** Time from a record's append to its batch's commit, in ms. */
  latencyMs: Histogram;
  /** Time to score and commit one batch, in ms. */
  batchMs: Histogram;
  /** Model version of the last batch. */
  modelVersion?: string;
}

/** Zeroed consumer counters. */
export function consumerMetrics(): ConsumerMetrics {
  return {
    batches: 0,
    scored: 0,
    alerts: 0,
    deadLetters: 0,
    restoredStates: 0,
    lag: [],
    latencyMs: new Histogram(),
    batchMs: new Histogram(),
  };
}
