/**
 * The lines of a text file, read in large blocks and handed over as byte ranges (no string per
 * line unless the caller wants one; the line feeds found sixteen bytes a step in WebAssembly,
 * `line_cuts_wasm.ts`): the fast path under the CSV readers of training and
 * evaluation, where reading was measured to be the bottleneck. With a line limit, a longer line is
 * read through without being held and reported by its start, length and hash instead.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { threadLineCutter } from "./line_cuts_wasm.ts";

const NEWLINE = 0x0a;
const CR = 0x0d;

/** A line longer than the limit, read through without being held. */
export interface OverlongLine {
  /** Its number (1-based) in the file. */
  line: number;
  /** Its length in bytes, without its line feed. */
  bytes: number;
  /** Its first `keepBytes` bytes (a copy). */
  head: Uint8Array;
  /** SHA-256 of the whole line without its line feed, in hexadecimal. */
  sha256: string;
  /** Offset in the file just past its line feed (or the file's end). */
  end: number;
}

/**
 * The complete lines of one block: `buffer[starts[i], ends[i])`, without the line break. A block
 * that reports an overlong line has no other line.
 */
export interface LineBlock {
  /** Valid until the next block is requested. */
  buffer: Uint8Array;
  starts: number[];
  ends: number[];
  /** Number (1-based) of the block's first line in the file. */
  firstLine: number;
  /** Offset in `buffer` just past the block's last line and its line break. */
  end: number;
  /** Offset in the file of `buffer[0]`. */
  offset: number;
  /** Bytes of the file read so far. */
  bytesRead: number;
  /** A line over `maxLineBytes` (only with a limit); the block then has no other line. */
  overlong?: OverlongLine;
}

/** How long a line `readLineBlocks` holds. */
export interface LineLimit {
  /** Longest line held, in bytes without its line feed (default: no limit). */
  maxLineBytes?: number;
  /** Bytes of an overlong line's start kept in its report (default 4096). */
  keepBytes?: number;
}

/**
 * Yields the lines of `path` block by block (LF or CR LF; the last line may lack a break). A line
 * over `limit.maxLineBytes` comes as a block of its own with `overlong` set, and the buffer never
 * grows past the block size and the limit.
 */
export async function* readLineBlocks(
  path: string,
  blockBytes = 8 << 20,
  limit: LineLimit = {},
): AsyncGenerator<LineBlock> {
  const maxLine = limit.maxLineBytes ?? Number.POSITIVE_INFINITY;
  const keep = limit.keepBytes ?? 4096;
  const file = await Deno.open(path, { read: true });
  try {
    let buffer = new Uint8Array(blockBytes);
    let filled = 0;
    let line = 1;
    let bytesRead = 0;
    // The line feeds are found in WebAssembly where the engine can (a call finds thousands), by
    // the thread's one finder, which another reader of the thread may load its own block into
    // while this one waits at a `yield`.
    const finder = threadLineCutter("file blocks");
    const overlong = (digest: LineDigest, end: number): LineBlock => ({
      buffer,
      starts: [],
      ends: [],
      firstLine: line,
      end: 0,
      offset: bytesRead - filled,
      bytesRead,
      overlong: digest.finish(line++, end),
    });
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
      const offset = bytesRead - filled;
      let starts: number[] = [];
      let ends: number[] = [];
      let start = 0;
      // The finder may hold another reader's block after a `yield` (see `finder` above): the
      // block is loaded again after each.
      let feeds = 0;
      let nextFeed = 0;
      const loadBlock = () => {
        finder?.load(buffer.subarray(0, filled));
        feeds = nextFeed = 0;
      };
      loadBlock();
      for (;;) {
        let end: number;
        if (finder) {
          if (nextFeed === feeds) {
            feeds = finder.feeds(start, filled);
            nextFeed = 0;
          }
          end = nextFeed < feeds ? finder.feedAt(nextFeed++) : -1;
        } else {
          end = buffer.indexOf(NEWLINE, start);
        }
        if (end === -1 || end >= filled) {
          if (!eof || start >= filled) break;
          end = filled;
        }
        if (end - start > maxLine) {
          // Too long, though within the buffer: the lines before it, then its report.
          if (starts.length > 0) {
            yield { buffer, starts, ends, firstLine: line, end: start, offset, bytesRead };
            line += starts.length;
            starts = [];
            ends = [];
          }
          const digest = new LineDigest(keep);
          digest.add(buffer.subarray(start, end));
          yield overlong(digest, offset + Math.min(end + 1, filled));
          loadBlock();
        } else {
          starts.push(start);
          ends.push(end > start && buffer[end - 1] === CR ? end - 1 : end);
        }
        start = end + 1;
      }
      const end = Math.min(start, filled);
      if (starts.length > 0) {
        yield { buffer, starts, ends, firstLine: line, end, offset, bytesRead };
        line += starts.length;
      }
      buffer.copyWithin(0, end, filled);
      filled -= end;
      if (eof) break;
      if (filled > maxLine) {
        // The line in the buffer has no break yet and is already too long: read it through.
        const digest = new LineDigest(keep);
        let ended = false;
        for (;;) {
          const feed = buffer.subarray(0, filled).indexOf(NEWLINE);
          if (feed >= 0) {
            digest.add(buffer.subarray(0, feed));
            buffer.copyWithin(0, feed + 1, filled);
            filled -= feed + 1;
            break;
          }
          digest.add(buffer.subarray(0, filled));
          filled = 0;
          const more = await file.read(buffer);
          if (more === null) {
            ended = true;
            break;
          }
          filled = more;
          bytesRead += more;
        }
        yield overlong(digest, bytesRead - filled);
        if (ended) break;
      }
    }
  } finally {
    file.close();
  }
}

/** The start, length and hash of a line fed piece by piece. */
class LineDigest {
  readonly #hash = createHash("sha256");
  readonly #head: Uint8Array;
  #kept = 0;
  #bytes = 0;

  constructor(keep: number) {
    this.#head = new Uint8Array(keep);
  }

  add(piece: Uint8Array): void {
    this.#hash.update(piece);
    this.#bytes += piece.byteLength;
    const take = Math.min(piece.byteLength, this.#head.byteLength - this.#kept);
    if (take > 0) {
      this.#head.set(piece.subarray(0, take), this.#kept);
      this.#kept += take;
    }
  }

  finish(line: number, end: number): OverlongLine {
    return {
      line,
      bytes: this.#bytes,
      head: this.#head.slice(0, this.#kept),
      sha256: this.#hash.digest("hex"),
      end,
    };
  }
}
