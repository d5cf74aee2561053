/**
 * Transactions still waiting in a run's input folder: written by the generator, not yet in the
 * log. They are not lost (a producer publishes them when it runs), so a report counts them apart
 * from what is gone.
 *
 * @module
 */

import { parseCsvChunk } from "../../../model/csv_chunk.ts";
import { textsOf } from "../../../model/columns.ts";
import { InputFolderMissingError, scanInputFolder } from "../../pipeline/producer/files.ts";

/**
 * The distinct transaction ids in the complete CSV files under `input` (those `scanInputFolder`
 * lists; a file still being written is not yet sent) that `published` (a set, or a map by id)
 * does not hold.
 *
 * @example
 * ```ts
 * const waiting = await waitingRows("/tmp/run-input", new Set(["a1..."]));
 * ```
 */
export async function waitingRows(
  input: string,
  published: { has(id: string): boolean },
): Promise<number> {
  const waiting = new Set<string>();
  // The files a producer would take up: complete CSV files, hidden folders left out.
  const files = await scanInputFolder(input).catch((error) => {
    if (error instanceof InputFolderMissingError) return [];
    throw error;
  });
  for (const { path } of files) {
    const bytes = await Deno.readFile(path).catch((error) => {
      // A producer took the file during the walk: its rows went to the log after the topics
      // were read, so they count as lost, never as waiting (a failing run errs on that side).
      if (error instanceof Deno.errors.NotFound) return new Uint8Array(0);
      throw error;
    });
    for (const id of textsOf(parseCsvChunk(bytes).columns, "trans_num")) {
      if (!published.has(id)) waiting.add(id);
    }
  }
  return waiting.size;
}
