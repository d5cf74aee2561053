/**
 * The model's worker behaviours, for the program's worker registry.
 *
 * @module
 */

import type { WorkerRegistry } from "../actors/runtime/worker_host.ts";
import { GROW_WORKER, growWorker } from "./forest/grow_worker.ts";
import { SCORE_WORKER, scoreWorker } from "./score_worker.ts";

/** Worker behaviours of the model library. */
export const MODEL_WORKERS: WorkerRegistry = {
  [GROW_WORKER]: growWorker,
  [SCORE_WORKER]: scoreWorker,
};
