/**
 * Input files that changed after they were published. A file that grew is published on from
 * where its published lines end, so appended rows are not lost; any other change (rewritten,
 * truncated, modified in place) cannot be undone in the log and is only reported. Either way the
 * change is reported: nothing written to the input folder vanishes silently.
 *
 * @module
 */

import type { InputFile } from "./files.ts";
import type { LedgerEntry } from "./ledger.ts";

/** How a published file differs from what was published of it. */
export interface FileChange {
  /** `grew`: longer than what was published, to be published on; `rewritten`: anything else. */
  kind: "grew" | "rewritten";
  /** What happened, for the status line. */
  message: string;
}

/** Whether `a` is a later position in a file than `b`. */
export function isLaterEntry(a: LedgerEntry, b: LedgerEntry): boolean {
  return a.line > b.line || (a.line === b.line && (a.bytes ?? 0) > (b.bytes ?? 0));
}

/**
 * How `file` changed since `entry` marked it wholly published; undefined when it did not (or for
 * an entry of an older version, which does not say where the published lines end).
 */
export function changeSince(file: InputFile, entry: LedgerEntry): FileChange | undefined {
  if (!entry.done || entry.bytes === undefined) return undefined;
  if (file.size > entry.bytes) {
    return {
      kind: "grew",
      message: `input file ${file.name} grew by ${file.size - entry.bytes} bytes after it was ` +
        `published; publishing the lines added from line ${entry.line} on (writers should write ` +
        `under a hidden or .tmp name and rename when done)`,
    };
  }
  if (file.size < entry.bytes || (entry.mtimeMs !== undefined && file.mtimeMs !== entry.mtimeMs)) {
    return {
      kind: "rewritten",
      message: `input file ${file.name} changed after it was published (${entry.bytes} bytes ` +
        `published, ${file.size} now); its new content is NOT published: write a new file instead`,
    };
  }
  return undefined;
}

/**
 * Where to publish a grown file from: the line after the last one published, or that line again
 * when it had no line break yet (it was cut while being written, and is now longer), with the
 * warning that says so.
 */
export async function resumeGrown(
  file: InputFile,
  entry: LedgerEntry,
): Promise<{ entry: LedgerEntry; warning?: string }> {
  const resumed = { ...entry };
  const end = entry.bytes ?? 0;
  if (end === 0 || entry.line <= 1) return { entry: resumed };
  const last = new Uint8Array(1);
  const handle = await Deno.open(file.path, { read: true });
  try {
    await handle.seek(end - 1, Deno.SeekMode.Start);
    const read = await handle.read(last);
    if (read === 1 && last[0] === 0x0a) return { entry: resumed };
  } finally {
    handle.close();
  }
  const cut = entry.line - 1;
  return {
    entry: { ...resumed, line: cut },
    warning: `input file ${file.name}: line ${cut} was published before its end was written; ` +
      `it is published again whole (its cut copy is in the log or the dead letters)`,
  };
}
