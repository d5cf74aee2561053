/**
 * A large batch is scored in slices, each its own request to the partition's scoring worker, so
 * that the worker scores the first slices while the partition's thread still computes the
 * features of the next: this module cuts a batch into slices and joins the slices' replies into
 * the batch's.
 *
 * @module
 */

import type { BatchReasons } from "../../../model/reason_codes.ts";
import type { ScoreReply } from "../workers/score.ts";

/** Rows of one scoring request: a batch of more rows is scored in slices of this many. */
export const SCORE_SLICE_ROWS = 4096;

/**
 * The row ranges `[from, to)` of a batch of `rows` rows, in order, `sliceRows` at most each (one
 * range for a batch of up to `sliceRows`, none for an empty one).
 *
 * @example
 * ```ts
 * scoreSlices(10_000, 4096); // [[0, 4096], [4096, 8192], [8192, 10000]]
 * ```
 */
export function scoreSlices(rows: number, sliceRows = SCORE_SLICE_ROWS): [number, number][] {
  const slices: [number, number][] = [];
  for (let from = 0; from < rows; from += sliceRows) {
    slices.push([from, Math.min(rows, from + sliceRows)]);
  }
  return slices;
}

/**
 * The replies to the slices of one batch, in slice order, as the reply for the whole batch:
 * scores, features and shadow scores joined, reason codes by their row in the batch. The slices
 * were scored by the same model version (the partition names it in each request).
 */
export function joinReplies(
  replies: readonly ScoreReply[],
  slices: [number, number][],
): ScoreReply {
  if (replies.length === 1) return replies[0];
  const [first] = replies;
  let reasons: BatchReasons | undefined;
  replies.forEach((reply, k) => {
    if (!reply.reasons) return;
    reasons ??= { ...reply.reasons, rows: new Map() };
    const [from] = slices[k];
    for (const [row, codes] of reply.reasons.rows) reasons.rows.set(from + row, codes);
  });
  return {
    scores: joined(replies.map((reply) => reply.scores)),
    features: joined(replies.map((reply) => reply.features)),
    version: first.version,
    threshold: first.threshold,
    ...(reasons ? { reasons } : {}),
    ...(first.shadow
      ? {
        shadow: {
          ...first.shadow,
          scores: joined(replies.map((reply) => reply.shadow!.scores)),
        },
      }
      : {}),
  };
}

/** `parts` one after the other in one array of their type. */
function joined<T extends Float32Array | Float64Array>(parts: T[]): T {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new (parts[0].constructor as new (length: number) => T)(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
