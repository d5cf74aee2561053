/**
 * The input folder as a file source: complete `.csv` files, oldest first. Files being written
 * (hidden names, `.tmp`/`.part` suffixes) are not complete and are left alone, as generators
 * write to such a name and rename when done.
 *
 * @module
 */

import { join, relative } from "node:path";
import { FraudstreamError } from "../../config/errors.ts";

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

/** Lists the complete `.csv` files below `dir` (recursively), oldest first, then by name. */
export async function scanInputFolder(dir: string): Promise<InputFile[]> {
  const files: InputFile[] = [];
  const walk = async (current: string): Promise<void> => {
    for await (const entry of Deno.readDir(current)) {
      const path = join(current, entry.name);
      if (entry.isDirectory) {
        if (!entry.name.startsWith(".")) await walk(path);
        continue;
      }
      if (!entry.isFile || !entry.name.endsWith(".csv") || isIncomplete(entry.name)) continue;
      const info = await Deno.stat(path).catch(() => undefined);
      if (!info) continue;
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
    if (error instanceof Deno.errors.NotFound) {
      throw new FraudstreamError(
        `input folder '${dir}' does not exist; create it or point --input at the generator's output`,
      );
    }
    throw error;
  }
  return files.sort((a, b) => a.mtimeMs - b.mtimeMs || a.name.localeCompare(b.name));
}
