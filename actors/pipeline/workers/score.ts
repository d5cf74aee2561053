/**
 * The worker behaviour that scores encoded rows with a model it loads from its folder (and keeps
 * loaded, so swapping versions costs one load per worker).
 *
 * @module
 */

import { type LoadedModel, loadModel } from "../../../model/model_file.ts";
import type { BatchReasons } from "../../../model/reason_codes.ts";
import { explainAlerts } from "./score_reasons.ts";
import type { WorkerBehavior } from "../../runtime/mod.ts";
import { withTransfer } from "../../runtime/protocol.ts";

/** Rows to score with the model in `modelDir`. */
export interface ScoreRequest {
  modelDir: string;
  /**
   * Encoded features, row-major (64-bit for `spark-seed` models). Copied in (so a crashed
   * worker's request can be retried).
   */
  features: Float32Array | Float64Array;
  rows: number;
  /** Reason codes per alert (row scored at or above the threshold); none when absent or 0. */
  reasons?: number;
}

/** Scores and the version that produced them. */
export interface ScoreReply {
  scores: Float32Array;
  version: string;
  threshold: number;
  /** Reason codes of the alerts, when the request asked for them and there are alerts. */
  reasons?: BatchReasons;
}

/** Builds the scoring behaviour; the scores are moved to the main thread, not copied. */
export function scoreWorker(): WorkerBehavior<ScoreRequest, ScoreReply> {
  const models = new Map<string, Promise<LoadedModel>>();
  return {
    async handle(request) {
      let loading = models.get(request.modelDir);
      if (!loading) {
        loading = loadModel(request.modelDir);
        models.set(request.modelDir, loading);
        loading.catch(() => models.delete(request.modelDir));
        // Keep the two most recent versions: the current one and the one being swapped out.
        if (models.size > 2) models.delete(models.keys().next().value!);
      }
      const model = await loading;
      const scores = model.score(request.features, request.rows);
      const reply: ScoreReply = { scores, version: model.version, threshold: model.threshold };
      const reasons = explainAlerts(model, request, scores);
      if (reasons) reply.reasons = reasons;
      return withTransfer(reply, [scores.buffer as ArrayBuffer]);
    },
  };
}
