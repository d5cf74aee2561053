/**
 * Transactions still waiting in a run's input folder: written by the generator, not yet in the
 * log. They are not lost (a producer publishes them when it runs), so a report counts them apart
 * from what is gone.
 *
 * @module
 */

import { join } from "node:path";
import { parseCsvChunk } from "../../../model/csv_chunk.ts";
import { textsOf } from "../../../model/columns.ts";
import { isIncomplete } from "../../pipeline/producer/files.ts";

/**
 * The distinct transaction ids in the complete CSV files under `input` (every depth; a file still
 * being written is not yet sent) that `published` (a set, or a map by id) does not hold.
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
  for await (const path of csvFiles(input)) {
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

/** The complete CSV files under `dir`, at every depth. */
async function* csvFiles(dir: string): AsyncGenerator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(dir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* csvFiles(path);
    else if (entry.isFile && entry.name.endsWith(".csv") && !isIncomplete(entry.name)) yield path;
  }
}
