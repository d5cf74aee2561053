/**
 * The first bytes of a file, read without reading the rest: enough to tell what wrote it (a
 * header line, a title) before it is replaced.
 *
 * @module
 */

/**
 * Up to `length` bytes from the start of `path` (fewer when the file is shorter).
 *
 * @example
 * ```ts
 * const head = new TextDecoder().decode(await readFileStart("scores.csv", 64));
 * ```
 * @throws {Deno.errors.NotFound} and the other errors of opening or reading `path`.
 */
export async function readFileStart(path: string, length: number): Promise<Uint8Array> {
  const file = await Deno.open(path);
  try {
    const start = new Uint8Array(length);
    let read = 0;
    while (read < length) {
      const n = await file.read(start.subarray(read));
      if (n === null) break;
      read += n;
    }
    return start.subarray(0, read);
  } finally {
    file.close();
  }
}
