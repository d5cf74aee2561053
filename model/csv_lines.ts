/**
 * The lines of a text file, read in large blocks and handed over as byte ranges (no string per
 * line unless the caller wants one): the fast path under the CSV readers of training and
 * evaluation, where reading was measured to be the bottleneck.
 *
 * @module
 */

const NEWLINE = 0x0a;
const CR = 0x0d;

/** The complete lines of one block: `buffer[starts[i], ends[i])`, without the line break. */
export interface LineBlock {
  /** Valid until the next block is requested. */
  buffer: Uint8Array;
  starts: number[];
  ends: number[];
  /** Number (1-based) of the block's first line in the file. */
  firstLine: number;
  /** Offset in `buffer` just past the block's last line and its line break. */
  end: number;
  /** Bytes of the file read so far. */
  bytesRead: number;
}

/** Yields the lines of `path` block by block (LF or CR LF; the last line may lack a break). */
export async function* readLineBlocks(
  path: string,
  blockBytes = 8 << 20,
): AsyncGenerator<LineBlock> {
  const file = await Deno.open(path, { read: true });
  try {
    let buffer = new Uint8Array(blockBytes);
    let filled = 0;
    let line = 1;
    let bytesRead = 0;
    for (;;) {
      if (filled === buffer.length) {
        const grown = new Uint8Array(buffer.length * 2);
        grown.set(buffer);
        buffer = grown;
      }
      const read = await file.read(buffer.subarray(filled));
      const eof = read === null;
      if (!eof) {
        filled += read;
        bytesRead += read;
      }
      const starts: number[] = [];
      const ends: number[] = [];
      let start = 0;
      for (;;) {
        let end = buffer.indexOf(NEWLINE, start);
        if (end === -1 || end >= filled) {
          if (!eof || start >= filled) break;
          end = filled;
        }
        starts.push(start);
        ends.push(end > start && buffer[end - 1] === CR ? end - 1 : end);
        start = end + 1;
      }
      const end = Math.min(start, filled);
      if (starts.length > 0) {
        yield { buffer, starts, ends, firstLine: line, end, bytesRead };
        line += starts.length;
      }
      buffer.copyWithin(0, end, filled);
      filled -= end;
      if (eof) break;
    }
  } finally {
    file.close();
  }
}
