/**
 * The input folder as a file source: complete `.csv` files, oldest first. Files being written
 * (hidden names, `.tmp`/`.part` suffixes) are not complete and are left alone, as generators
 * write to such a name and rename when done; and a file is taken up only once it has stopped
 * changing for the settle interval, in case a writer does not.
 *
 * @module
 */

import { join, relative } from "node:path";
import { FraudstreamError } from "../../lib/errors.ts";

/** A file found in the input folder. */
export interface InputFile {
  /** Absolute or cwd-relative path to open. */
  path: string;
  /** Path relative to the input folder: the file's identity in the ledger. */
  name: string;
  size: number;
  mtimeMs: number;
}

/** True for names of files that are still being written. */
export function isIncomplete(name: string): boolean {
  const base = name.split("/").pop()!;
  return base.startsWith(".") || /\.(tmp|part|partial)$/i.test(base) || /\.tmp-/.test(base);
}

/** Options of `scanInputFolder`. */
export interface ScanOptions {
  /**
   * Called for each `.csv` name that is not a file to read: a pipe, a device, a folder, or a link
   * to one of these or to nothing (reading a pipe would wait for ever). A link to a file is read.
   */
  onSkipped?: (name: string, reason: string) => void;
}

/** The input folder does not exist (yet: the producer waits for it). */
export class InputFolderMissingError extends FraudstreamError {
  override name = "InputFolderMissingError";

  constructor(folder: string) {
    super(
      `input folder '${folder}' does not exist; create it or point --input at the generator's output`,
    );
  }
}

/** Lists the complete `.csv` files below `dir` (recursively), oldest first, then by name. */
export async function scanInputFolder(
  dir: string,
  options: ScanOptions = {},
): Promise<InputFile[]> {
  const files: InputFile[] = [];
  const walk = async (current: string): Promise<void> => {
    for await (const entry of Deno.readDir(current)) {
      const path = join(current, entry.name);
      if (entry.isDirectory) {
        if (!entry.name.startsWith(".")) await walk(path);
        continue;
      }
      if (!entry.name.endsWith(".csv") || isIncomplete(entry.name)) continue;
      // Follows a link, so a linked file counts as the file.
      let info: Deno.FileInfo;
      try {
        info = await Deno.stat(path);
      } catch (error) {
        // A file removed since the listing is simply gone; a link that leads nowhere is named.
        if (entry.isSymlink) {
          options.onSkipped?.(
            relative(dir, path),
            error instanceof Deno.errors.NotFound
              ? "a link to a file that does not exist"
              : `a link that cannot be followed (${(error as Error).message})`,
          );
        }
        continue;
      }
      if (!info.isFile) {
        options.onSkipped?.(
          relative(dir, path),
          "not a regular file (a folder, pipe or device)",
        );
        continue;
      }
      files.push({
        path,
        name: relative(dir, path),
        size: info.size,
        mtimeMs: info.mtime?.getTime() ?? 0,
      });
    }
  };
  try {
    await walk(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw new InputFolderMissingError(dir);
    if (error instanceof Deno.errors.NotADirectory) {
      throw new FraudstreamError(
        `input '${dir}' is a file; --input takes the folder the CSV files arrive in`,
      );
    }
    throw error;
  }
  return files.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
}

/** What a `SettleFilter` last saw of a file. */
interface Sighting {
  size: number;
  mtimeMs: number;
  /** When the file was first seen with this size and time. */
  since: number;
  settled: boolean;
}

/**
 * Which files have stopped changing: a file is settled once its size and modification time have
 * stayed the same for `settleMs` (seen unchanged on scans that far apart, or last modified that
 * long ago). With 0, every file is settled at once.
 */
export class SettleFilter {
  #seen = new Map<string, Sighting>();

  /** A filter that waits `settleMs` for each file. */
  constructor(readonly settleMs: number) {}

  /** Files given on the last call that were not settled yet. */
  get pending(): number {
    let count = 0;
    for (const sighting of this.#seen.values()) if (!sighting.settled) count++;
    return count;
  }

  /**
   * The settled files among `files` (in their order); remembers the others' size and time for the
   * next call, and forgets files no longer given.
   */
  settled(files: InputFile[], now = Date.now()): InputFile[] {
    if (this.settleMs <= 0) return files;
    const seen = new Map<string, Sighting>();
    for (const file of files) {
      const before = this.#seen.get(file.name);
      const since = before?.size === file.size && before.mtimeMs === file.mtimeMs
        ? before.since
        : now;
      const settled = now - since >= this.settleMs || now - file.mtimeMs >= this.settleMs;
      seen.set(file.name, { size: file.size, mtimeMs: file.mtimeMs, since, settled });
    }
    this.#seen = seen;
    return files.filter((file) => seen.get(file.name)!.settled);
  }
}
