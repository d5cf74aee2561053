/**
 * Behaviours that fraudstream runs inside Web Workers, by name. The worker entry serves exactly
 * these; a worker spec names one of them.
 *
 * @module
 */

import { GENERATOR_WORKERS } from "./generator/workers.ts";
import { MODEL_WORKERS } from "../../model/workers.ts";
import { PRODUCER_WORKERS } from "./producer/encode_worker.ts";
import type { WorkerRegistry } from "../runtime/worker_host.ts";

/** Every worker-hosted behaviour of the program. */
export const WORKER_BEHAVIORS: WorkerRegistry = {
  ...GENERATOR_WORKERS,
  ...MODEL_WORKERS,
  ...PRODUCER_WORKERS,
};
