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
   * Encoded features, row-major (64-bit for `spark-seed` models). Moved in and back out with the
   * reply, so a request whose worker crashed is not sent again: its caller fails instead.
   */
  features: Float32Array | Float64Array;
  rows: number;
  /** Reason codes per alert (row scored at or above the threshold); none when absent or 0. */
  reasons?: number;
  /** Also score the same rows with the model in this folder (a shadow model: never alerts). */
  shadowDir?: string;
}

/** What a scoring worker is started with. */
export interface ScoreWorkerArgs {
  /**
   * Model folders loaded and compiled before the worker says it is ready (the model and shadow
   * model in use), so that no request, the first one to each worker included, waits for either.
   */
  preload?: string[];
}

/** Scores and the version that produced them. */
export interface ScoreReply {
  scores: Float32Array;
  /** The request's features, moved back. */
  features: Float32Array | Float64Array;
  version: string;
  threshold: number;
  /** Reason codes of the alerts, when the request asked for them and there are alerts. */
  reasons?: BatchReasons;
  /** The shadow model's scores, version and threshold, when the request named one. */
  shadow?: { scores: Float32Array; version: string; threshold: number };
}

/**
 * Models a worker keeps loaded, least recently used dropped first: the one that alerts, a shadow
 * model, and a version being swapped in.
 */
const LOADED_MODELS = 3;

/**
 * Builds the scoring behaviour; the scores, and the features the request moved in, are moved to
 * the main thread, not copied.
 */
export function scoreWorker(
  args: ScoreWorkerArgs = {},
): WorkerBehavior<ScoreRequest, ScoreReply> {
  const models = new Map<string, Promise<LoadedModel>>();
  const load = (dir: string) => {
    let loading = models.get(dir);
    // Most recently used last.
    if (loading) models.delete(dir);
    else {
      // Compiled at once: a worker's first request (or a swapped-in version's) does not wait
      // for it.
      loading = loadModel(dir).then((model) => {
        model.prepare();
        return model;
      });
      loading.catch(() => models.delete(dir));
    }
    models.set(dir, loading);
    if (models.size > LOADED_MODELS) models.delete(models.keys().next().value!);
    return loading;
  };
  return {
    async init() {
      await Promise.all((args.preload ?? []).map(load));
    },
    async handle(request) {
      const model = await load(request.modelDir);
      const scores = model.score(request.features, request.rows);
      const reply: ScoreReply = {
        scores,
        features: request.features,
        version: model.version,
        threshold: model.threshold,
      };
      const reasons = explainAlerts(model, request, scores);
      if (reasons) reply.reasons = reasons;
      if (request.shadowDir !== undefined) {
        const shadow = await load(request.shadowDir);
        // The same model in both roles (e.g. the shadow promoted) scores once.
        const shadowScores = shadow === model
          ? scores.slice()
          : shadow.score(request.features, request.rows);
        reply.shadow = {
          scores: shadowScores,
          version: shadow.version,
          threshold: shadow.threshold,
        };
      }
      const transfer = [scores.buffer as ArrayBuffer, request.features.buffer as ArrayBuffer];
      if (reply.shadow) transfer.push(reply.shadow.scores.buffer as ArrayBuffer);
      return withTransfer(reply, transfer);
    },
  };
}
