/**
 * The folder of a run's batch files: made fresh for the run, written by its generator, read by its
 * producer (which deletes each file once it is wholly published), and at the end removed only when
 * nothing in it waits to be published. Generated transactions are never deleted unpublished: a
 * folder that still holds complete batch files is kept, and the run says where.
 *
 * @module
 */

import { join } from "node:path";
import { isIncomplete } from "../producer/files.ts";

/** Prefix of the folders `makeBatchFolder` creates in the system's temporary folder. */
export const BATCH_FOLDER_PREFIX = "fraudstream-run-";

/** Creates a new, empty batch folder in the system's temporary folder. */
export function makeBatchFolder(): Promise<string> {
  return Deno.makeTempDir({ prefix: BATCH_FOLDER_PREFIX });
}

/** What became of a batch folder when its run ended. */
export type FolderFate =
  | { kept: false }
  | { kept: true; path: string; files: number };

/**
 * Complete batch files in `dir` (`.csv` files not being written), at any depth; 0 when `dir` does
 * not exist. Synchronous, so that it also works while the process is being forced to exit.
 */
export function waitingBatchFiles(dir: string): number {
  let count = 0;
  try {
    for (const entry of Deno.readDirSync(dir)) {
      if (entry.isDirectory) count += waitingBatchFiles(join(dir, entry.name));
      else if (entry.isFile && entry.name.endsWith(".csv") && !isIncomplete(entry.name)) count++;
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return count;
}

/**
 * Removes `dir` with what is left in it (files being written, nothing complete), unless complete
 * batch files wait in it: then it is kept as it is. Synchronous, so that a forced exit runs it too.
 */
export function releaseBatchFolder(dir: string): FolderFate {
  const files = waitingBatchFiles(dir);
  if (files > 0) return { kept: true, path: dir, files };
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return { kept: false };
}
