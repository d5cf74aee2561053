/**
 * The one way fraudstream writes a file or a folder atomically: under a temporary hidden name
 * beside it, renamed into place when complete, so that a reader sees the old version or the new
 * one, never half of one. `AtomicFile` streams a large file (a rewrite after a crash starts from
 * scratch, under the same temporary name); `writeFileAtomic` writes one at once; `writeDirAtomic`
 * swaps in a whole folder.
 *
 * @module
 */

import { basename, dirname, join, resolve } from "node:path";
import { FraudstreamError } from "./errors.ts";

/** Temporary name `AtomicFile` writes `file` under before renaming it (hidden, `.part`). */
export function partName(file: string): string {
  return `.${file}.part`;
}

/**
 * A hidden temporary name beside `path`, unique to this write (`.name.tmp-<pid>-<random>`): the
 * `.tmp-` in it is what readers of a folder (the producer, the model catalogue) skip.
 */
function temporaryBeside(path: string, kind = "tmp"): string {
  const stamp = `${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  return join(dirname(path), `.${basename(path)}.${kind}-${stamp}`);
}

/**
 * What `writeFileAtomic` writes: text, bytes, or a function that writes the file at the
 * temporary path it is given (e.g. a Parquet writer).
 */
export type FileContent = string | Uint8Array | ((temporary: string) => Promise<void> | void);

/**
 * Writes the file `path` atomically: `content` goes to a temporary hidden file beside it, which
 * is then renamed over `path`. On failure the temporary file is removed and `path` is untouched.
 *
 * @example
 * ```ts
 * await writeFileAtomic("report.json", JSON.stringify({ ok: true }) + "\n");
 * ```
 *
 * @throws the write's own error (a missing folder, no space): the caller words it for the user.
 */
export async function writeFileAtomic(path: string, content: FileContent): Promise<void> {
  const temporary = temporaryBeside(path);
  try {
    if (typeof content === "string") await Deno.writeTextFile(temporary, content);
    else if (content instanceof Uint8Array) await Deno.writeFile(temporary, content);
    else await content(temporary);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}

/** Options of `writeDirAtomic`. */
export interface DirAtomicOptions {
  /**
   * Called once the new folder is complete, just before it takes its place: it may check again
   * what is at `path` (it may have changed meanwhile) and throw to give up.
   */
  beforeCommit?: () => Promise<unknown>;
}

/**
 * Writes the folder `path` atomically: `fill` writes the files into a temporary hidden folder
 * beside it, which then takes `path`'s place; what was there (a folder or a file) is replaced only
 * then, and put back if the swap fails. No temporary folder is left behind.
 *
 * @example
 * ```ts
 * await writeDirAtomic("models/v2", async (dir) => {
 *   await Deno.writeTextFile(`${dir}/model.json`, "{}");
 * });
 * ```
 *
 * @throws the error of `fill`, of `beforeCommit`, or of the swap; `path` is then as it was.
 */
export async function writeDirAtomic(
  path: string,
  fill: (temporary: string) => Promise<void>,
  options: DirAtomicOptions = {},
): Promise<void> {
  const target = resolve(path);
  const temporary = temporaryBeside(target);
  try {
    await Deno.mkdir(temporary, { recursive: true });
    await fill(temporary);
    await options.beforeCommit?.();
    const existing = await Deno.lstat(target).then(() => true, () => false);
    if (!existing) {
      await Deno.rename(temporary, target);
      return;
    }
    const previous = temporaryBeside(target, "tmp-old");
    await Deno.rename(target, previous);
    try {
      await Deno.rename(temporary, target);
    } catch (error) {
      await Deno.rename(previous, target);
      throw error;
    }
    await Deno.remove(previous, { recursive: true });
  } finally {
    await Deno.remove(temporary, { recursive: true }).catch(() => {});
  }
}

/** A file being written; visible under its name only after `commit`. */
export class AtomicFile {
  /** Final path. */
  readonly path: string;
  /** Temporary path while writing. */
  readonly partPath: string;
  #file: Deno.FsFile | undefined;
  #bytes = 0;

  /** Starts writing `name` in `dir` (an older temporary file of the same name is truncated). */
  constructor(dir: string, name: string) {
    this.path = join(dir, name);
    this.partPath = join(dir, partName(name));
    try {
      this.#file = Deno.openSync(this.partPath, { write: true, create: true, truncate: true });
    } catch (error) {
      throw writeError(this.path, error);
    }
  }

  /** Bytes written so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Appends all of `bytes`. */
  write(bytes: Uint8Array): void {
    const file = this.#file;
    if (!file) throw new Error(`'${this.path}' is already closed`);
    try {
      let offset = 0;
      while (offset < bytes.length) offset += file.writeSync(bytes.subarray(offset));
    } catch (error) {
      throw writeError(this.path, error);
    }
    this.#bytes += bytes.length;
  }

  /** Closes the file and gives it its final name. */
  commit(): void {
    this.close();
    commitPart(this.partPath, this.path);
  }

  /**
   * Closes the file under its temporary name, for `commitPart` to give it its final name later
   * (from another thread, say).
   */
  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }

  /** Closes and deletes the temporary file. */
  discard(): void {
    this.close();
    try {
      Deno.removeSync(this.partPath);
    } catch {
      // already gone
    }
  }
}

/**
 * Makes the folder `dir` (and its parents) for a command's output files, unless it is there.
 *
 * @throws {FraudstreamError} when `dir` is a file (named as such, left as it is), or cannot be
 * made (`writeError`).
 */
export async function makeOutputFolder(dir: string): Promise<void> {
  const existing = await Deno.stat(dir).catch(() => undefined);
  if (existing && !existing.isDirectory) {
    throw new FraudstreamError(
      `'${dir}' is a file, not a folder; --out takes the folder the files are written into`,
    );
  }
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (error) {
    throw writeError(dir, error);
  }
}

/** A user-facing error for a file that cannot be written. */
export function writeError(path: string, error: unknown): FraudstreamError {
  const reason = error instanceof Error ? error.message : String(error);
  return new FraudstreamError(
    `cannot write '${path}': ${reason}; check that the output folder is writable and has space`,
  );
}

/**
 * Gives a file written with `AtomicFile` and closed its final name: renames `partPath` to `path`.
 *
 * @throws {FraudstreamError} naming `path` when it cannot be renamed (`writeError`).
 */
export function commitPart(partPath: string, path: string): void {
  try {
    Deno.renameSync(partPath, path);
  } catch (error) {
    throw writeError(path, error);
  }
}
