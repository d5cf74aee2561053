/**
 * Reads a text file as numbered lines, in chunks of bytes, without holding the whole file: the
 * producer publishes a chunk per transaction and can resume a file at any line. A chunk stays
 * bytes until an encoder worker decodes it. The file is read through `readLineBlocks`; a line over
 * the limit is not held but stands in its chunk as an empty line, its report beside it.
 *
 * @module
 */

import { type OverlongLine, readLineBlocks } from "../../../model/csv_lines.ts";
import { DEAD_LETTER_RAW_BYTES } from "../codec/raw_excerpt.ts";

/** Consecutive lines of a file. */
export interface LineChunk {
  /** 1-based number of the chunk's first line. */
  first: number;
  /**
   * The lines, each with its line break (the file's last line may lack one), in a buffer of their
   * own (it can be transferred to a worker).
   */
  bytes: Uint8Array;
  /** Number of lines in `bytes`. */
  count: number;
  /** True for the chunk that ends the file. */
  last: boolean;
  /** Offset in the file just past the chunk's last line (and its line break, if any). */
  end: number;
  /** Lines over the limit: each stands in `bytes` as an empty line. */
  overlong?: OverlongLine[];
}

/** Options of `readLines`. */
export interface ReadLinesOptions {
  /** First line to return, 1-based (default 1). */
  fromLine?: number;
  /** Most lines per chunk (default `DEFAULT_CHUNK_LINES`). */
  chunkLines?: number;
  /** Longest line read, in bytes without its line feed (default: no limit). */
  maxLineBytes?: number;
  /** Buffers of chunks already encoded, to gather the next chunks in (default: new ones). */
  buffers?: ChunkBuffers;
}

/** Lines per chunk unless configured (the producer's, by encoding: `CHUNK_LINES`). */
export const DEFAULT_CHUNK_LINES = 5000;

/** The producer's longest line unless configured (`--max-line-bytes`), in bytes. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024;

const READ_SIZE = 1 << 20;
const decoder = new TextDecoder();
/** What stands for an overlong line in its chunk: an empty line. */
const EMPTY_LINE = new Uint8Array([0x0a]);

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
  const chunkLines = options.chunkLines ?? DEFAULT_CHUNK_LINES;
  /**
   * The chunk being gathered: its bytes (copied out of the blocks into a buffer of the chunk's
   * own, sized after the chunk before it), lines and first line.
   */
  const gathered = new ChunkBytes(options.buffers);
  const overlong: OverlongLine[] = [];
  let count = 0;
  let first = 0;
  let lineNumber = 0;
  /** Offset in the file just past the last line read. */
  let end = 0;
  const take = (last: boolean): LineChunk => {
    const chunk: LineChunk = {
      first: count > 0 ? first : lineNumber + 1,
      bytes: gathered.take(),
      count,
      last,
      end,
    };
    if (overlong.length > 0) chunk.overlong = overlong.splice(0);
    count = 0;
    return chunk;
  };
  const blocks = readLineBlocks(path, READ_SIZE, {
    maxLineBytes: options.maxLineBytes,
    keepBytes: DEAD_LETTER_RAW_BYTES,
  });
  for await (const block of blocks) {
    const { buffer, starts } = block;
    if (block.overlong) {
      lineNumber = block.overlong.line;
      end = block.overlong.end;
      if (lineNumber < fromLine) continue;
      if (count === 0) first = lineNumber;
      gathered.add(EMPTY_LINE);
      overlong.push(block.overlong);
      if (++count >= chunkLines) yield take(false);
      continue;
    }
    /** Where the chunk's lines in this block begin, or -1. */
    let pieceStart = -1;
    for (let i = 0; i < starts.length; i++) {
      lineNumber = block.firstLine + i;
      // A line's bytes, with its break, run to the next line's start (or the block's end).
      const lineEnd = i + 1 < starts.length ? starts[i + 1] : block.end;
      end = block.offset + lineEnd;
      if (lineNumber < fromLine) continue;
      if (pieceStart < 0) pieceStart = starts[i];
      if (count === 0) first = lineNumber;
      count++;
      if (count >= chunkLines) {
        gathered.add(buffer.subarray(pieceStart, lineEnd));
        pieceStart = -1;
        yield take(false);
      }
    }
    if (pieceStart >= 0) gathered.add(buffer.subarray(pieceStart, block.end));
  }
  yield take(true);
}

/** The smallest buffer a chunk's bytes are gathered in. */
const MIN_CHUNK_BYTES = 64 * 1024;

/** Spent buffers a reader keeps at most. */
const KEPT_BUFFERS = 4;

/**
 * Buffers of chunks that are done with (their encoder moved them back), for `readLines` to
 * gather later chunks in: a fresh buffer of megabytes costs a page fault every 4 KiB as it is
 * first written, and the garbage collector's attention when it is dropped.
 *
 * @example
 * ```ts
 * const buffers = new ChunkBuffers();
 * for await (const chunk of readLines("batch.csv", { buffers })) {
 *   // ... once nothing reads chunk.bytes any more:
 *   buffers.give(chunk.bytes);
 * }
 * ```
 */
export class ChunkBuffers {
  /** Smallest first. */
  readonly #kept: ArrayBuffer[] = [];
  /** The most bytes a chunk gathered in these buffers took. */
  #largestChunk = 0;

  /**
   * Keeps the whole buffer of `bytes` for a later chunk (of more than four, the largest four); no
   * one may read or write it after.
   */
  give(bytes: Uint8Array): void {
    const buffer = bytes.buffer;
    if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < MIN_CHUNK_BYTES) return;
    this.#kept.push(buffer);
    this.#kept.sort((a, b) => a.byteLength - b.byteLength);
    if (this.#kept.length > KEPT_BUFFERS) this.#kept.shift();
  }

  /**
   * A buffer to gather a chunk in, of at least `bytes` bytes and the largest chunk's: the largest
   * kept one when it is that large (its old bytes still in it), else a new one a sixteenth larger.
   */
  take(bytes: number): Uint8Array {
    const wanted = Math.max(MIN_CHUNK_BYTES, bytes, this.#largestChunk);
    const largest = this.#kept.at(-1);
    if (largest && largest.byteLength >= wanted) return new Uint8Array(this.#kept.pop()!);
    return new Uint8Array(wanted + (wanted >> 4));
  }

  /** Records that a chunk of `bytes` bytes was gathered: later buffers are at least as large. */
  gathered(bytes: number): void {
    this.#largestChunk = Math.max(this.#largestChunk, bytes);
  }
}

/**
 * The bytes of a chunk being gathered, copied once into a buffer that the chunk then owns (so it
 * can move to a worker), taken from `buffers` when the chunk's first line comes: a chunk with no
 * lines (the end of a file of whole chunks) takes none.
 */
class ChunkBytes {
  readonly #buffers: ChunkBuffers;
  #bytes: Uint8Array | undefined;
  #length = 0;

  constructor(buffers = new ChunkBuffers()) {
    this.#buffers = buffers;
  }

  /** Appends a copy of `piece`. */
  add(piece: Uint8Array): void {
    const needed = this.#length + piece.byteLength;
    if (!this.#bytes) this.#bytes = this.#buffers.take(needed);
    else if (needed > this.#bytes.byteLength) {
      const grown = new Uint8Array(Math.max(needed, 2 * this.#bytes.byteLength));
      grown.set(this.#bytes.subarray(0, this.#length));
      this.#bytes = grown;
    }
    this.#bytes.set(piece, this.#length);
    this.#length = needed;
  }

  /** The bytes gathered, in a buffer no later chunk writes to. */
  take(): Uint8Array {
    const bytes = this.#bytes?.subarray(0, this.#length) ?? new Uint8Array(0);
    this.#buffers.gathered(this.#length);
    this.#bytes = undefined;
    this.#length = 0;
    return bytes;
  }
}
