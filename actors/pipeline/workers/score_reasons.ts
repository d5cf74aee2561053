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
  const alerts: number[] = [];
  for (let i = 0; i < request.rows; i++) if (scores[i] >= model.threshold) alerts.push(i);
  if (alerts.length === 0) return undefined;
  // Explained together: the walk takes each group of trees through every alert at once.
  const reasons = model.explainer.reasonsOf(request.features, alerts, count);
  const rows = new Map<number, string>();
  alerts.forEach((row, k) => rows.set(row, JSON.stringify(reasons[k])));
  const { baseRate, nodeValues } = model.explainer;
  return { baseRate, nodeValues, rows };
}
