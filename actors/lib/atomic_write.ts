/**
 * A file written under a temporary hidden name and renamed when complete, so that a reader never
 * sees half a file, and a rewrite after a crash starts from scratch.
 *
 * @module
 */

import { join } from "node:path";
import { FraudstreamError } from "./errors.ts";
import { partName } from "../pipeline/generator/plan.ts";

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
    this.#close();
    try {
      Deno.renameSync(this.partPath, this.path);
    } catch (error) {
      throw writeError(this.path, error);
    }
  }

  /** Closes and deletes the temporary file. */
  discard(): void {
    this.#close();
    try {
      Deno.removeSync(this.partPath);
    } catch {
      // already gone
    }
  }

  #close(): void {
    this.#file?.close();
    this.#file = undefined;
  }
}

/** A user-facing error for a file that cannot be written. */
export function writeError(path: string, error: unknown): FraudstreamError {
  const reason = error instanceof Error ? error.message : String(error);
  return new FraudstreamError(
    `cannot write '${path}': ${reason}; check that the output folder is writable and has space`,
  );
}
