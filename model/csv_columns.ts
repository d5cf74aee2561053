/**
 * Reads Sparkov-format CSV files into columns of exactly the fields the model needs, streaming
 * each file in blocks so that data sets far larger than memory as text fit as columns. Each block
 * is read by the one CSV chunk reader (`csv_chunk.ts`), which checks every line with the one row
 * validator (`row_validator.ts`, which states the rules); no string is made per field, and one per
 * card. A row that is not valid is reported with its file, line and reason and skipped; it never
 * stops the reader.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { FraudstreamError, throwIfInterrupted } from "../actors/lib/errors.ts";
import { CardIndex } from "./card_index.ts";
import { cardNumber, type TransactionColumns } from "./columns.ts";
import { parseCsvChunk } from "./csv_chunk.ts";
import { readLineBlocks } from "./csv_lines.ts";
import { ageOnDay, weekdayOf } from "./time.ts";
import { type NumberColumn, resized } from "./typed_memory.ts";

/** A training set: one typed array per field of the model over its transactions, cards indexed. */
export interface TrainingColumns {
  length: number;
  /** Index into `cards`. */
  card: Uint32Array;
  /** Card numbers, by card index. */
  cards: string[];
  /** Event time, seconds on the data's civil clock. */
  time: Float64Array;
  amt: Float32Array;
  category: Uint8Array;
  hour: Uint8Array;
  weekday: Uint8Array;
  age: Uint8Array;
  gender: Uint8Array;
  cityPop: Float32Array;
  lat: Float32Array;
  long: Float32Array;
  merchLat: Float32Array;
  merchLong: Float32Array;
  /** `is_fraud`. */
  label: Uint8Array;
}

/** A row that could not be read. */
export interface BadRow {
  file: string;
  line: number;
  reason: string;
}

/**
 * The file `fraudstream generate` keeps in a training set's folder while it writes it, removed
 * once every file is written: a folder holding it is missing files (the run was interrupted or
 * failed), so it is no data set to train or evaluate on.
 */
export const INCOMPLETE_FILE = "_INCOMPLETE";

/** No Sparkov-format file was found where one was expected. */
export class NoDataError extends FraudstreamError {
  override name = "NoDataError";
}

const BLOCK = 8 << 20;

/** Growable columns. */
class ColumnBuilder {
  length = 0;
  #capacity: number;
  card: Uint32Array;
  time: Float64Array;
  amt: Float32Array;
  category: Uint8Array;
  hour: Uint8Array;
  weekday: Uint8Array;
  age: Uint8Array;
  gender: Uint8Array;
  cityPop: Float32Array;
  lat: Float32Array;
  long: Float32Array;
  merchLat: Float32Array;
  merchLong: Float32Array;
  label: Uint8Array;
  readonly cards: string[] = [];
  readonly cardIndex = new Map<string, number>();

  constructor(capacity = 1 << 16) {
    this.#capacity = capacity;
    this.card = new Uint32Array(capacity);
    this.time = new Float64Array(capacity);
    this.amt = new Float32Array(capacity);
    this.category = new Uint8Array(capacity);
    this.hour = new Uint8Array(capacity);
    this.weekday = new Uint8Array(capacity);
    this.age = new Uint8Array(capacity);
    this.gender = new Uint8Array(capacity);
    this.cityPop = new Float32Array(capacity);
    this.lat = new Float32Array(capacity);
    this.long = new Float32Array(capacity);
    this.merchLat = new Float32Array(capacity);
    this.merchLong = new Float32Array(capacity);
    this.label = new Uint8Array(capacity);
  }

  reserve(): number {
    if (this.length === this.#capacity) this.#grow();
    return this.length;
  }

  #grow(): void {
    const capacity = this.#capacity * 2;
    // Moved, not copied: the old buffers are freed at once.
    const grow = <T extends NumberColumn>(a: T): T => resized(a, capacity);
    this.card = grow(this.card);
    this.time = grow(this.time);
    this.amt = grow(this.amt);
    this.category = grow(this.category);
    this.hour = grow(this.hour);
    this.weekday = grow(this.weekday);
    this.age = grow(this.age);
    this.gender = grow(this.gender);
    this.cityPop = grow(this.cityPop);
    this.lat = grow(this.lat);
    this.long = grow(this.long);
    this.merchLat = grow(this.merchLat);
    this.merchLong = grow(this.merchLong);
    this.label = grow(this.label);
    this.#capacity = capacity;
  }

  /** The columns trimmed to their length (the builder is left empty). */
  finish(): TrainingColumns {
    const n = this.length;
    return {
      length: n,
      card: resized(this.card, n),
      cards: this.cards,
      time: resized(this.time, n),
      amt: resized(this.amt, n),
      category: resized(this.category, n),
      hour: resized(this.hour, n),
      weekday: resized(this.weekday, n),
      age: resized(this.age, n),
      gender: resized(this.gender, n),
      cityPop: resized(this.cityPop, n),
      lat: resized(this.lat, n),
      long: resized(this.long, n),
      merchLat: resized(this.merchLat, n),
      merchLong: resized(this.merchLong, n),
      label: resized(this.label, n),
    };
  }
}

/**
 * Appends the valid rows of a chunk's columns to `out`, each card numbered by `cards` in
 * first-seen order (its digits kept once, for `TrainingColumns.cards`).
 */
function appendRows(chunk: TransactionColumns, out: ColumnBuilder, cards: CardIndex): void {
  for (let i = 0; i < chunk.length; i++) {
    const row = out.reserve();
    const known = cards.size;
    const card = cards.slotOf(chunk.card[2 * i], chunk.card[2 * i + 1]);
    if (card === known) out.cards.push(cardNumber(chunk, i));
    const day = chunk.transDate[i];
    const second = chunk.transTime[i];
    out.card[row] = card;
    out.time[row] = day * 86_400 + second;
    out.amt[row] = chunk.amt[i];
    out.category[row] = chunk.category[i];
    out.hour[row] = Math.floor(second / 3600);
    out.weekday[row] = weekdayOf(day);
    out.age[row] = Math.max(0, Math.min(255, ageOnDay(chunk.dob[i], day)));
    out.gender[row] = chunk.gender[i];
    out.cityPop[row] = chunk.cityPop[i];
    out.lat[row] = chunk.lat[i];
    out.long[row] = chunk.long[i];
    out.merchLat[row] = chunk.merchLat[i];
    out.merchLong[row] = chunk.merchLong[i];
    out.label[row] = chunk.isFraud[i];
    out.length++;
  }
}

/** Options of `readColumns`. */
export interface ReadColumnsOptions {
  /** Receives every row that could not be read. */
  onBadRow?: (row: BadRow) => void;
  /** Receives the number of bytes read so far. */
  onProgress?: (bytes: number) => void;
  /** Stops the reading (Ctrl-C): `readColumns` then throws `InterruptedError`. */
  signal?: AbortSignal;
}

/**
 * Reads the given files into one set of columns, in file order.
 *
 * @throws {InterruptedError} when `options.signal` is aborted before the last block is read.
 */
export async function readColumns(
  files: string[],
  options: ReadColumnsOptions = {},
): Promise<TrainingColumns> {
  const out = new ColumnBuilder();
  const cards = new CardIndex();
  let total = 0;
  for (const path of files) {
    let fileBytes = 0;
    for await (const block of readLineBlocks(path, BLOCK)) {
      throwIfInterrupted(
        options.signal,
        "stopped while reading the CSV files; nothing was written",
      );
      const { buffer, starts, firstLine } = block;
      if (starts.length > 0) {
        const chunk = parseCsvChunk(buffer.subarray(starts[0], block.end), {
          startsFile: firstLine === 1,
        });
        appendRows(chunk.columns, out, cards);
        for (const { line, reason } of chunk.bad) {
          options.onBadRow?.({ file: path, line: firstLine + line, reason });
        }
      }
      options.onProgress?.(total + block.bytesRead);
      fileBytes = block.bytesRead;
    }
    total += fileBytes;
  }
  return out.finish();
}

/** Every Sparkov-format CSV file below `dir` (recursively), sorted by path. */
export async function findCsvFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  const incomplete: string[] = [];
  const walk = async (current: string) => {
    for await (const entry of Deno.readDir(current)) {
      const path = join(current, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && entry.name === INCOMPLETE_FILE) incomplete.push(path);
      else if (entry.isFile && entry.name.endsWith(".csv") && entry.name !== "customers.csv") {
        files.push(path);
      }
    }
  };
  try {
    await walk(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new NoDataError(`data folder '${dir}' does not exist`);
    }
    if (error instanceof Deno.errors.NotADirectory) {
      throw new NoDataError(`'${dir}' is a file; --data takes the folder holding the CSV files`);
    }
    throw error;
  }
  if (incomplete.length > 0) {
    const folder = dirname(incomplete[0]);
    throw new NoDataError(
      `'${folder}' was left incomplete by 'fraudstream generate' (interrupted or failed; ` +
        `${INCOMPLETE_FILE} marks it): some of its files are missing; generate it again, or ` +
        `delete ${incomplete[0]} to use the files it holds`,
    );
  }
  if (files.length === 0) {
    throw new NoDataError(
      `no transaction CSV files under '${dir}'; generate some with 'fraudstream generate'`,
    );
  }
  return files.sort();
}
