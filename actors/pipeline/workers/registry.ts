/**
 * The behaviours fraudstream runs inside Web Workers, by name. The worker entry serves exactly
 * these; the worker map checks that each has the types its specs and references expect.
 *
 * @module
 */

import { lazyStreamWriter, lazyUnitWorker } from "../generator/workers.ts";
import { encodeWorker } from "../producer/encode_worker.ts";
import type { WorkerRegistry } from "../../runtime/mod.ts";
import { growWorker } from "./grow.ts";
import type { Workers } from "./map.ts";
import { scoreWorker } from "./score.ts";

/** Every worker-hosted behaviour of the program. */
export const WORKER_BEHAVIORS: WorkerRegistry<Workers> = {
  "generator.unit": lazyUnitWorker,
  "generator.stream": lazyStreamWriter,
  "producer.encode": encodeWorker,
  "model.score": scoreWorker,
  "forest.grow": growWorker,
};
