/**
 * Specs of the program's workers, typed by its worker map, and the module that hosts them: this
 * folder's `entry.ts` when running from source, or the program's own file once `main.ts` says so
 * (a bundled single-file build serves its workers from itself).
 *
 * @module
 */

import { type WorkerSpecs, workerSpecs } from "../../runtime/mod.ts";
import type { Workers } from "./map.ts";

let entry: URL | string = new URL("./entry.ts", import.meta.url);

/** Makes `module` the host of the program's workers; `main.ts` passes its own URL. */
export function setWorkerEntry(module: URL | string): void {
  entry = module;
}

/** The module hosting the program's workers. */
export function workerEntry(): URL | string {
  return entry;
}

/** Spec builders of the program's workers: `workers.pool("model.score", …)`. */
export const workers: WorkerSpecs<Workers> = workerSpecs<Workers>({ entry: workerEntry });
