/**
 * Reads a text file as numbered lines, in chunks, without holding the whole file: the producer
 * publishes a chunk per transaction and can resume a file at any line.
 *
 * @module
 */

/** Consecutive lines of a file. */
export interface LineChunk {
  /** 1-based number of `lines[0]`. */
  first: number;
  lines: string[];
  /** True for the chunk that ends the file. */
  last: boolean;
}

/** Options of `readLines`. */
export interface ReadLinesOptions {
  /** First line to return, 1-based (default 1). */
  fromLine?: number;
  /** Most lines per chunk (default 5000). */
  chunkLines?: number;
}

const READ_SIZE = 1 << 20;

/** Yields the lines of `path` from `fromLine` on; a final line without a line break counts. */
export async function* readLines(
  path: string,
  options: ReadLinesOptions = {},
): AsyncGenerator<LineChunk> {
  const fromLine = options.fromLine ?? 1;
  const chunkLines = options.chunkLines ?? 5000;
  const decoder = new TextDecoder();
  const file = await Deno.open(path, { read: true });
  try {
    const buffer = new Uint8Array(READ_SIZE);
    let carry = "";
    let lineNumber = 0;
    let pending: string[] = [];
    let pendingFirst = 0;
    for (;;) {
      const read = await file.read(buffer);
      const text = read === null ? "" : decoder.decode(buffer.subarray(0, read), { stream: true });
      const parts = (carry + text).split("\n");
      carry = read === null ? "" : parts.pop()!;
      if (read === null && parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
      for (const line of parts) {
        lineNumber++;
        if (lineNumber < fromLine) continue;
        if (pending.length === 0) pendingFirst = lineNumber;
        pending.push(line);
        if (pending.length >= chunkLines) {
          yield { first: pendingFirst, lines: pending, last: false };
          pending = [];
        }
      }
      if (read === null) break;
    }
    yield { first: pending.length > 0 ? pendingFirst : lineNumber + 1, lines: pending, last: true };
  } finally {
    file.close();
  }
}
