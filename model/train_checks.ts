/**
 * What `trainModel` refuses before it writes a model: data that would train on nothing or on one
 * class, or measure figures on no rows; and a run stopped by the user (Ctrl-C).
 *
 * @module
 */

import { FraudstreamError, throwIfInterrupted } from "../actors/lib/errors.ts";
import type { EncodedData } from "./transformed.ts";

/** The data cannot train a model, or not one whose figures mean anything; the message says why. */
export class TrainingDataError extends FraudstreamError {
  override name = "TrainingDataError";
}

/**
 * Refuses, before any tree grows, data that would give a model trained on nothing or on one
 * class, or figures measured on no rows.
 */
export function checkTrainable(
  data: EncodedData,
  split: {
    dataDir: string;
    badRows: number;
    holdout: number;
    trainRows: Uint32Array;
    test: { count: number };
    heldOut: boolean;
  },
): void {
  const { trainRows, holdout } = split;
  if (data.length === 0) {
    throw new TrainingDataError(
      `no valid transactions in ${split.dataDir}` +
        (split.badRows > 0 ? ` (${split.badRows} rows skipped as bad)` : "") +
        "; nothing to train on",
    );
  }
  const fewCards = `of ${data.cards.length} card${data.cards.length === 1 ? "" : "s"}`;
  if (trainRows.length === 0) {
    throw new TrainingDataError(
      `no rows to train on: holding out ${holdout * 100}% of the cards and of the time left ` +
        `none ${fewCards} for training; train on more cards, or with --holdout none`,
    );
  }
  if (split.heldOut && split.test.count === 0) {
    throw new TrainingDataError(
      `the test part is empty: holding out ${holdout * 100}% of the cards and of the time left ` +
        `no rows ${fewCards} to test on, so no figure would mean anything; train on more cards, ` +
        "or a final model on every row with --holdout none (no figures)",
    );
  }
  let frauds = 0;
  for (let k = 0; k < trainRows.length; k++) frauds += data.label[trainRows[k]];
  if (frauds === 0 || frauds === trainRows.length) {
    throw new TrainingDataError(
      `the ${trainRows.length} training rows ${frauds === 0 ? "hold no fraud" : "are all fraud"}` +
        ` (is_fraud is ${frauds === 0 ? 0 : 1} in every one): a model cannot learn to tell ` +
        "fraud from legitimate transactions; train on data with both",
    );
  }
}

/** Stops the training once `signal` is aborted (Ctrl-C): `InterruptedError`, exit 130. */
export function stopIfInterrupted(signal: AbortSignal | undefined): void {
  throwIfInterrupted(signal, "train was interrupted; no model was written");
}
