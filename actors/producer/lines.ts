/**
 * Reads a text file as numbered lines, in chunks of bytes, without holding the whole file: the
 * producer publishes a chunk per transaction and can resume a file at any line. A chunk stays
 * bytes until an encoder worker decodes it, so handing it over costs no copy.
 *
 * @module
 */

/** Consecutive lines of a file. */
export interface LineChunk {
  /** 1-based number of the chunk's first line. */
  first: number;
  /** The lines, each with its line break (the file's last line may lack one). */
  bytes: Uint8Array;
  /** Number of lines in `bytes`. */
  count: number;
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
const NEWLINE = 0x0a;
const decoder = new TextDecoder();

/** The lines of a chunk as text, without their line breaks (a `\r` before one is kept). */
export function chunkLines(chunk: LineChunk): string[] {
  if (chunk.count === 0) return [];
  return decoder.decode(chunk.bytes).split("\n", chunk.count);
}

/** Yields the lines of `path` from `fromLine` on; a final line without a line break counts. */
export async function* readLines(
  path: string,
  options: ReadLinesOptions = {},
): AsyncGenerator<LineChunk> {
  const fromLine = options.fromLine ?? 1;
  const chunkLines = options.chunkLines ?? 5000;
  const file = await Deno.open(path, { read: true });
  try {
    let buffer = new Uint8Array(READ_SIZE);
    let filled = 0;
    let lineNumber = 0;
    /** The chunk being gathered: its pieces (copied out of `buffer`), lines and first line. */
    const parts: Uint8Array[] = [];
    let count = 0;
    let first = 0;
    const take = (last: boolean): LineChunk => {
      const chunk = {
        first: count > 0 ? first : lineNumber + 1,
        bytes: concat(parts),
        count,
        last,
      };
      parts.length = 0;
      count = 0;
      return chunk;
    };
    for (;;) {
      // A line longer than the buffer: make room for the rest of it.
      if (filled === buffer.length) {
        const grown = new Uint8Array(buffer.length * 2);
        grown.set(buffer);
        buffer = grown;
      }
      const read = await file.read(buffer.subarray(filled));
      const eof = read === null;
      if (!eof) filled += read;
      let start = 0;
      /** Where the chunk's lines in this buffer begin, or -1. */
      let pieceStart = -1;
      while (start < filled) {
        const newline = buffer.indexOf(NEWLINE, start);
        if ((newline === -1 || newline >= filled) && !eof) break;
        const end = newline === -1 || newline >= filled ? filled : newline + 1;
        lineNumber++;
        if (lineNumber >= fromLine) {
          if (pieceStart < 0) pieceStart = start;
          if (count === 0) first = lineNumber;
          count++;
          if (count >= chunkLines) {
            parts.push(buffer.slice(pieceStart, end));
            pieceStart = -1;
            yield take(false);
          }
        }
        start = end;
      }
      if (pieceStart >= 0) parts.push(buffer.slice(pieceStart, start));
      buffer.copyWithin(0, start, filled);
      filled -= start;
      if (eof) break;
    }
    yield take(true);
  } finally {
    file.close();
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let total = 0;
  for (const part of parts) total += part.byteLength;
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}
