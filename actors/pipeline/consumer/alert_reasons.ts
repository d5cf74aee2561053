/**
 * The reason codes of a committed alert as the dashboard lists them: feature, contribution and
 * the value in words (shown as text, never as markup).
 *
 * @module
 */

import { type BatchReasons, reasonCodesOf } from "../../../model/reason_codes.ts";
import type { AlertSummary } from "../../observe/dashboard/status.ts";

/** `{ reasons }` of row `row` of a batch, or nothing when it has none. */
export function alertReasons(
  batch: BatchReasons | undefined,
  row: number,
): Pick<AlertSummary, "reasons"> {
  const reasons = reasonCodesOf(batch, row);
  if (!reasons) return {};
  return {
    reasons: reasons.map(({ feature, contribution, text }) => ({ feature, contribution, text })),
  };
}
