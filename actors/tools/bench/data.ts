/**
 * The benchmark's data: a training set from the generator (same seed, same rows), in event-time
 * order, held in memory as Sparkov CSV lines, and written out as batch files the producer picks
 * up (each under a hidden name first, so it never reads half a file).
 *
 * @module
 */

import { join } from "node:path";
import { generateTrainingSet } from "../../pipeline/generator/mod.ts";
import { AtomicFile } from "../../lib/atomic_write.ts";
import { COLUMNS, CSV_SEPARATOR, HEADER } from "../../../model/schema.ts";
import { lowerHexValue } from "../../../model/value_bytes.ts";

const decoder = new TextDecoder();

/**
 * Transactions in event-time order, as CSV lines without the header, held as bytes: millions of
 * strings in the bench's heap would have the garbage collector mark them all through every
 * measured run, work no pipeline does. The first 8 of the 32 hex digits of a line's `trans_num` are
 * its index (`rowOfId`), the rest as the generator drew them: still unique ids, whose row the bench
 * reads back from a committed batch without a lookup.
 *
 * @example
 * ```ts
 * const data = await benchData({ rows: 1000, seed: 42 });
 * writeBatchFile(dir, "b-0.csv", data.lines(0, 500));
 * ```
 */
export class BenchData {
  /** Number of transactions. */
  readonly rows: number;
  /** The lines, each with its line feed, back to back. */
  readonly #bytes: Uint8Array;
  /** Where each line starts in `#bytes`, then where the last one ends. */
  readonly #starts: Float64Array;
  /** A hash of each line's `cc_num`. */
  readonly #cardHashes: Uint32Array;

  constructor(bytes: Uint8Array, starts: Float64Array, cardHashes: Uint32Array) {
    this.rows = cardHashes.length;
    this.#bytes = bytes;
    this.#starts = starts;
    this.#cardHashes = cardHashes;
  }

  /** The lines of rows `from` to `to` (exclusive), each with its line feed (a view). */
  lines(from: number, to: number): Uint8Array {
    if (from < 0 || to > this.rows || from > to) {
      throw new RangeError(
        `the bench data holds rows 0 to ${this.rows - 1}, not ${from} to ${to - 1}`,
      );
    }
    return this.#bytes.subarray(this.#starts[from], this.#starts[to]);
  }

  /** The lines of rows `from` to `to` (exclusive) as strings, without their line feeds. */
  strings(from = 0, to: number = this.rows): string[] {
    if (from === to) return [];
    return decoder.decode(this.lines(from, to)).split("\n", to - from);
  }

  /** The lines of `rows`, in that order, in one new buffer. */
  gather(rows: ArrayLike<number>): Uint8Array {
    let length = 0;
    for (let i = 0; i < rows.length; i++) {
      length += this.#starts[rows[i] + 1] - this.#starts[rows[i]];
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (let i = 0; i < rows.length; i++) {
      const line = this.lines(rows[i], rows[i] + 1);
      out.set(line, at);
      at += line.length;
    }
    return out;
  }

  /** A hash of the card number of row `row`: the same for every row of a card. */
  cardHash(row: number): number {
    return this.#cardHashes[row];
  }
}

/** Options of `benchData`. */
export interface BenchDataOptions {
  /** Transactions needed. */
  rows: number;
  seed: number;
  signal?: AbortSignal;
}

/** Days of transactions generated; customers are chosen to give enough rows. */
const DAYS = 90;
/** Sparkov's customers make about 2.4 transactions a day; generate with a margin. */
const ROWS_PER_CUSTOMER = 2.4 * DAYS * 0.8;

const UNIX_TIME = COLUMNS.indexOf("unix_time");
const TRANS_NUM = COLUMNS.indexOf("trans_num");
const CC_NUM = COLUMNS.indexOf("cc_num");

/** Generates a training set large enough for `rows` transactions and keeps the first `rows`. */
export async function benchData(options: BenchDataOptions): Promise<BenchData> {
  let customers = Math.max(10, Math.ceil(options.rows / ROWS_PER_CUSTOMER));
  for (;;) {
    const dir = await Deno.makeTempDir({ prefix: "fraudstream-bench-data-" });
    try {
      await generateTrainingSet({
        customers,
        seed: options.seed,
        start: "2024-01-01",
        end: "2024-03-30",
        outDir: dir,
        signal: options.signal,
      });
      const parsed = await readTransactions(dir);
      if (parsed.length >= options.rows) return toData(parsed.slice(0, options.rows));
      customers *= 2;
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  }
}

interface ParsedLine {
  line: string;
  time: number;
  id: string;
  card: string;
}

/** Every transaction line of the CSV files in `dir`, by event time then id. */
async function readTransactions(dir: string): Promise<ParsedLine[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".csv")) names.push(entry.name);
  }
  names.sort();
  const parsed: ParsedLine[] = [];
  for (const name of names) {
    const lines = (await Deno.readTextFile(join(dir, name))).split("\n");
    if (lines[0] !== HEADER) continue; // customers.csv
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      if (line === "") continue;
      const fields = line.split(CSV_SEPARATOR);
      parsed.push({
        line,
        time: Number(fields[UNIX_TIME]),
        id: fields[TRANS_NUM],
        card: fields[CC_NUM],
      });
    }
  }
  return parsed.sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const encoder = new TextEncoder();

function toData(parsed: ParsedLine[]): BenchData {
  const starts = new Float64Array(parsed.length + 1);
  const cardHashes = new Uint32Array(parsed.length);
  let bytes = new Uint8Array(parsed.reduce((sum, { line }) => sum + line.length + 1, 0));
  let at = 0;
  parsed.forEach(({ line, id, card }, row) => {
    const fields = line.split(CSV_SEPARATOR);
    fields[TRANS_NUM] = row.toString(16).padStart(8, "0") + id.slice(8);
    const text = `${fields.join(CSV_SEPARATOR)}\n`;
    for (;;) {
      const { read, written } = encoder.encodeInto(text, bytes.subarray(at));
      if (read === text.length) {
        at += written;
        break;
      }
      // Text outside ASCII takes more bytes than characters.
      const grown = new Uint8Array(2 * bytes.length + 4 * text.length);
      grown.set(bytes.subarray(0, at));
      bytes = grown;
    }
    starts[row + 1] = at;
    cardHashes[row] = stringHash(card);
  });
  return new BenchData(bytes.subarray(0, at), starts, cardHashes);
}

/** Java's `String.hashCode` of `text`, unsigned. */
function stringHash(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) >>> 0;
  return hash;
}

/**
 * The row index of the bench's id whose hex digits are at `start` in `bytes` (its first 8, in
 * lowercase as the generator writes them).
 */
export function rowOfId(bytes: Uint8Array, start: number): number {
  let row = 0;
  for (let i = start; i < start + 8; i++) row = row * 16 + lowerHexValue(bytes[i]);
  return row;
}

/**
 * Writes the header and `lines` (CSV lines with their line feeds) as `name` in `dir`, visible only
 * once complete.
 */
export function writeBatchFile(dir: string, name: string, lines: Uint8Array): void {
  const file = new AtomicFile(dir, name);
  try {
    file.write(encoder.encode(`${HEADER}\n`));
    file.write(lines);
    file.commit();
  } catch (error) {
    file.discard();
    throw error;
  }
}

/** Indexes `from` .. `to` (excluded) in files of at most `perFile` rows. */
export function* fileSlices(
  from: number,
  to: number,
  perFile: number,
): Generator<[number, number]> {
  for (let start = from; start < to; start += perFile) yield [start, Math.min(to, start + perFile)];
}
