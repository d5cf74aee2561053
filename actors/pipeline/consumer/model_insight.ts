/**
 * What `consume` and `run` show beside their scoring: the alerting model against the shadow model
 * (`--shadow-model`) and the drift of the live traffic from the model's reference distribution, both
 * following the partition actors' `committed` events.
 *
 * @module
 */

import type { Config } from "../../../config/config.ts";
import type { DriftStatus } from "../../observe/dashboard/drift_status.ts";
import type { ShadowFigures } from "../../observe/dashboard/shadow_figures.ts";
import type { PipelineEmitter } from "../events.ts";
import { type DriftMonitor, driftSettings, startDriftMonitor } from "./drift.ts";
import type { ModelScoring } from "./model_scoring.ts";
import { ShadowComparison, shadowSummary } from "./shadow_comparison.ts";

/** The shadow comparison and drift monitor of a scoring role. */
export interface ModelInsight {
  /** For the dashboard and `/metrics`. */
  figures(): { shadow?: ShadowFigures; drift?: DriftStatus };
  /** The shadow comparison of every pair of versions, for the `--report` JSON. */
  shadowReport(): ShadowFigures["pairs"] | undefined;
  /** The closing line on the shadow model, when there is one. */
  summary(): string | undefined;
}

/**
 * Starts following `events` for the shadow comparison and (unless `--drift-sample 0`) the drift
 * monitor, and says which shadow model scores.
 *
 * @throws {FraudstreamError} a drift reference that cannot be used (the role does not start).
 */
export async function startModelInsight(
  config: Config,
  options: { scoring: ModelScoring; events: PipelineEmitter; say: (line: string) => void },
): Promise<ModelInsight> {
  const { scoring, events, say } = options;
  if (scoring.shadow) say(`shadow model ${scoring.shadow.version} (${scoring.shadow.dir})`);
  const drift: DriftMonitor | undefined = config.driftSample === 0
    ? undefined
    : await startDriftMonitor({ ...driftSettings(config), events, model: scoring.current, say });
  const comparison = new ShadowComparison();
  comparison.follow(events);
  return {
    figures: () => ({ shadow: comparison.figures(), drift: drift?.status() }),
    shadowReport: () => comparison.figures()?.pairs,
    summary: () => {
      const shadow = comparison.figures();
      return shadow && shadowSummary(shadow.current);
    },
  };
}
