/**
 * The reason codes a scoring worker adds to its reply: for the rows scored at or above the
 * model's threshold only, so rows that raise no alert cost nothing more.
 *
 * @module
 */

import type { LoadedModel } from "../../../model/model_file.ts";
import type { BatchReasons } from "../../../model/reason_codes.ts";

/**
 * The top `request.reasons` reason codes of every alert among `scores`; undefined when none are
 * asked for or no row reached the threshold.
 */
export function explainAlerts(
  model: LoadedModel,
  request: { features: Float32Array | Float64Array; rows: number; reasons?: number },
  scores: Float32Array,
): BatchReasons | undefined {
  const count = request.reasons ?? 0;
  if (count <= 0) return undefined;
  const rows = new Map<number, string>();
  for (let i = 0; i < request.rows; i++) {
    if (scores[i] >= model.threshold) {
      rows.set(i, JSON.stringify(model.explainer.reasons(request.features, i, count)));
    }
  }
  if (rows.size === 0) return undefined;
  const { baseRate, nodeValues } = model.explainer;
  return { baseRate, nodeValues, rows };
}
