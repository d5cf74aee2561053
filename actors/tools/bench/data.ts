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

/**
 * Transactions in event-time order, as CSV lines without the header. The first 8 of the 32 hex
 * digits of a line's `trans_num` are its index (`rowOfId`), the rest as the generator drew them:
 * still unique ids, whose row the bench reads back from a committed batch without a lookup.
 */
export interface BenchData {
  lines: string[];
  /** `cc_num` of each line (the partitioning key). */
  cards: string[];
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

function toData(parsed: ParsedLine[]): BenchData {
  const lines = parsed.map(({ line, id }, row) => {
    const fields = line.split(CSV_SEPARATOR);
    fields[TRANS_NUM] = row.toString(16).padStart(8, "0") + id.slice(8);
    return fields.join(CSV_SEPARATOR);
  });
  return { lines, cards: parsed.map((p) => p.card) };
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

const encoder = new TextEncoder();
/**
 * Lines joined into one string per write: all of a large batch at once would pass the longest
 * string the runtime makes (about 2^29 characters, some 2 million lines).
 */
const LINES_PER_WRITE = 10_000;

/** Writes `lines` (with the header) as `name` in `dir`, visible only once complete. */
export function writeBatchFile(dir: string, name: string, lines: readonly string[]): void {
  const file = new AtomicFile(dir, name);
  try {
    file.write(encoder.encode(`${HEADER}\n`));
    for (let start = 0; start < lines.length; start += LINES_PER_WRITE) {
      const end = Math.min(lines.length, start + LINES_PER_WRITE);
      file.write(encoder.encode(`${lines.slice(start, end).join("\n")}\n`));
    }
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
