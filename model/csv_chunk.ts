/**
 * Sparkov CSV bytes straight into columns, validated as they are read: the one CSV reader of the
 * streaming path and of `train` and `evaluate`. A chunk is whole lines of UTF-8 (LF or CR LF; the
 * last may lack its break); each line is cut into its 26 fields (sixteen bytes a step in
 * WebAssembly, `line_cuts_wasm.ts`, where the engine has it) and checked by the one row
 * validator (`row_validator.ts`, which states the rules), its numbers, dates and codes written into
 * typed columns and its text left where it is: every text column is ranges into the chunk's own
 * bytes, decoded only by whoever needs the text. No object and no string is made per field or per
 * valid row; a bad line costs its reason.
 *
 * @example
 * ```ts
 * const { columns, line, bad } = parseCsvChunk(bytes, { startsFile: true });
 * columns.amt[0];     // the first valid row's amount
 * line[0];            // its line's index in the chunk (0 for the first line)
 * bad[0]?.reason;     // why the first bad line is not a transaction
 * ```
 *
 * @module
 */

import {
  allocateColumns,
  TEXT_COLUMNS,
  type TextColumn,
  type TransactionColumns,
} from "./columns.ts";
import { sliceRows } from "./column_rows.ts";
import { threadLineCutter } from "./line_cuts_wasm.ts";
import { checkFields, cutLine, FIELD_COUNT, fieldCountReason, LineCuts } from "./row_validator.ts";
import { COLUMNS, HEADER } from "./schema.ts";

/** Options of `parseCsvChunk`. */
export interface CsvChunkOptions {
  /**
   * The chunk starts its file: a UTF-8 byte order mark before its first line (as spreadsheet
   * tools write) is not part of that line, and a first line that is the Sparkov header is skipped.
   */
  startsFile?: boolean;
}

/** A line of a chunk that is not a transaction. */
export interface BadLine {
  /** Index of the line in the chunk, 0 for the first. */
  line: number;
  reason: string;
  /** The line is `bytes[start, end)` of the chunk, without its line break. */
  start: number;
  end: number;
}

/** A chunk read into columns. */
export interface ParsedChunk {
  /** The valid rows, in line order; text columns are ranges into the chunk. */
  columns: TransactionColumns;
  /** The digits of each valid row's `cc_num` (the partitioning key), as ranges into the chunk. */
  cardDigits: TextColumn;
  /** Index in the chunk of each valid row's line. */
  line: Int32Array;
  /** The lines that are not transactions, in line order (blank lines and the header are not). */
  bad: BadLine[];
  /** Lines in the chunk (a last line without a break counts). */
  lines: number;
}

/**
 * The shortest valid row: 25 separators and the shortest valid value of each field (a 12-digit
 * card, two dates, a time, a 32-digit id, the 4 letters of `home`, a digit for each number).
 */
const MIN_ROW_BYTES = 25 + 12 + 1 + 1 + 1 + 1 + 10 + 32 + 10 + 8 + 1 + 4 + 1 + 1 + 1 + 1;
const HEADER_BYTES = new TextEncoder().encode(HEADER);
const CC_NUM = COLUMNS.indexOf("cc_num");
/** The field of each text column, in `TEXT_COLUMNS` order. */
const TEXT_FIELDS = Int32Array.from(TEXT_COLUMNS, (name) => COLUMNS.indexOf(name));

/**
 * Reads the lines of `bytes` into new columns, checking every value (see the module notes). The
 * columns are views of arrays sized for the most valid rows the chunk could hold; a stream of
 * chunks reads faster through one `CsvChunkReader`, which reuses its arrays.
 */
export function parseCsvChunk(bytes: Uint8Array, options: CsvChunkOptions = {}): ParsedChunk {
  return new CsvChunkReader().read(bytes, options);
}

/** Reads chunk after chunk into the same arrays (grown when a chunk needs more). */
export class CsvChunkReader {
  #capacity = -1;
  #all: TransactionColumns = allocateColumns(0);
  #textStarts: Int32Array[] = [];
  #textEnds: Int32Array[] = [];
  #cardStart = new Int32Array(0);
  #cardEnd = new Int32Array(0);
  #lineOf = new Int32Array(0);
  readonly #cut = new LineCuts();

  /**
   * Reads the lines of `bytes` into columns, checking every value (see the module notes). The
   * result's arrays are this reader's: valid until its next `read`.
   */
  read(bytes: Uint8Array, options: CsvChunkOptions = {}): ParsedChunk {
    const total = bytes.length;
    // No valid row is shorter than MIN_ROW_BYTES: room for the most there can be.
    this.#reserve(Math.floor(total / (MIN_ROW_BYTES + 1)) + 1);
    const all = this.#all;
    for (const name of TEXT_COLUMNS) all.text[name].bytes = bytes;
    const textStarts = this.#textStarts;
    const textEnds = this.#textEnds;
    const cardStart = this.#cardStart;
    const cardEnd = this.#cardEnd;
    const lineOf = this.#lineOf;
    const cut = this.#cut;
    const cuts = cut.cuts;
    const bad: BadLine[] = [];
    const textCount = TEXT_FIELDS.length;
    let rows = 0;
    let index = 0;
    const cutter = threadLineCutter("chunks");
    cutter?.load(bytes);
    /** Lines the cutter cut last, and the next of them to read. */
    let cutLines = 0;
    let next = 0;
    for (let at = options.startsFile ? byteOrderMarkLength(bytes) : 0; at < total; index++) {
      const start = at;
      if (cutter) {
        if (next === cutLines) {
          cutLines = cutter.cut(start, total);
          next = 0;
        }
        cutter.read(next++, cut);
      } else {
        cutLine(bytes, start, total, cut);
      }
      at = cut.next;
      const end = cuts[FIELD_COUNT];
      if (cut.fields === 1 && isBlank(bytes, start, end)) continue;
      if (index === 0 && options.startsFile && isHeader(bytes, start, end)) continue;
      const reason = cut.fields === FIELD_COUNT
        ? checkFields(bytes, cuts, all, rows)
        : fieldCountReason(cut.fields);
      if (reason !== undefined) {
        bad.push({ line: index, reason, start, end });
        continue;
      }
      for (let k = 0; k < textCount; k++) {
        const f = TEXT_FIELDS[k];
        textStarts[k][rows] = cuts[f] + 1;
        textEnds[k][rows] = cuts[f + 1];
      }
      cardStart[rows] = cuts[CC_NUM] + 1;
      cardEnd[rows] = cuts[CC_NUM + 1];
      lineOf[rows] = index;
      rows++;
    }
    return {
      columns: sliceRows(all, 0, rows),
      cardDigits: { bytes, start: cardStart.subarray(0, rows), end: cardEnd.subarray(0, rows) },
      line: lineOf.subarray(0, rows),
      bad,
      lines: index,
    };
  }

  /** Arrays for at least `capacity` rows. */
  #reserve(capacity: number): void {
    if (capacity <= this.#capacity) return;
    this.#capacity = capacity;
    this.#all = allocateColumns(capacity);
    this.#textStarts = TEXT_COLUMNS.map((name) => this.#all.text[name].start);
    this.#textEnds = TEXT_COLUMNS.map((name) => this.#all.text[name].end);
    this.#cardStart = new Int32Array(capacity);
    this.#cardEnd = new Int32Array(capacity);
    this.#lineOf = new Int32Array(capacity);
  }
}

/** Whether `bytes[start, end)` is empty or ASCII white space alone. */
function isBlank(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c !== 0x20 && (c < 0x09 || c > 0x0d)) return false;
  }
  return true;
}

/** 3 when `bytes` starts with the UTF-8 byte order mark, else 0. */
function byteOrderMarkLength(bytes: Uint8Array): number {
  return bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
}

function isHeader(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start !== HEADER_BYTES.length) return false;
  for (let i = 0; i < HEADER_BYTES.length; i++) {
    if (bytes[start + i] !== HEADER_BYTES[i]) return false;
  }
  return true;
}
