/**
 * Reads Sparkov-format CSV files into columns of exactly the fields the model needs, parsing
 * bytes directly (no string per field), streaming each file in blocks so that data sets far
 * larger than memory as text fit as columns. A malformed row is reported with its file and line
 * and skipped; it never stops the reader.
 *
 * @module
 */

import { join } from "node:path";
import { FraudstreamError } from "../config/errors.ts";
import { readLineBlocks } from "./csv_lines.ts";
import { CATEGORIES, COLUMNS, HEADER } from "./schema.ts";
import { daysFromCivil, weekdayOf } from "./time.ts";
import { type NumberColumn, resized } from "./typed_memory.ts";

/** The model's fields of many transactions, one typed array per field. */
export interface TransactionColumns {
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

/** No Sparkov-format file was found where one was expected. */
export class NoDataError extends FraudstreamError {
  override name = "NoDataError";
}

const PIPE = 0x7c;
const BLOCK = 8 << 20;
const FIELD_COUNT = COLUMNS.length;
const HEADER_BYTES = new TextEncoder().encode(HEADER);
const decoder = new TextDecoder();
const CATEGORY_INDEX = new Map<string, number>(CATEGORIES.map((c, i) => [c, i]));

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
  finish(): TransactionColumns {
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

/** Parses a decimal number in `bytes[start, end)`; NaN when it is not one. */
function parseNumber(bytes: Uint8Array, start: number, end: number): number {
  if (start >= end) return Number.NaN;
  let i = start;
  let negative = false;
  if (bytes[i] === 0x2d) {
    negative = true;
    i++;
  }
  let value = 0;
  let digits = 0;
  while (i < end && bytes[i] >= 0x30 && bytes[i] <= 0x39) {
    value = value * 10 + (bytes[i] - 0x30);
    i++;
    digits++;
  }
  if (i < end && bytes[i] === 0x2e) {
    i++;
    let scale = 1;
    while (i < end && bytes[i] >= 0x30 && bytes[i] <= 0x39) {
      value = value * 10 + (bytes[i] - 0x30);
      scale *= 10;
      i++;
      digits++;
    }
    value /= scale;
  }
  if (i !== end || digits === 0) {
    // Rare forms (exponents): let the platform parser decide.
    const text = decoder.decode(bytes.subarray(start, end));
    return text.trim() === "" ? Number.NaN : Number(text);
  }
  return negative ? -value : value;
}

function digits(bytes: Uint8Array, at: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) {
    const d = bytes[at + i] - 0x30;
    if (d < 0 || d > 9) return Number.NaN;
    value = value * 10 + d;
  }
  return value;
}

/** Parses `YYYY-MM-DD` at `at` into [year, month, day], or undefined. */
function parseDate(
  bytes: Uint8Array,
  at: number,
  end: number,
): [number, number, number] | undefined {
  if (end - at !== 10 || bytes[at + 4] !== 0x2d || bytes[at + 7] !== 0x2d) return undefined;
  const year = digits(bytes, at, 4);
  const month = digits(bytes, at + 5, 2);
  const day = digits(bytes, at + 8, 2);
  if (!(month >= 1 && month <= 12 && day >= 1 && day <= 31)) return undefined;
  return [year, month, day];
}

/** Appends one line's fields to `out`; returns a reason when the line is not a valid row. */
function parseLine(
  bytes: Uint8Array,
  start: number,
  end: number,
  out: ColumnBuilder,
): string | undefined {
  const fieldStart = FIELD_STARTS;
  let field = 0;
  fieldStart[0] = start;
  for (let i = start; i < end; i++) {
    if (bytes[i] === PIPE) {
      field++;
      if (field >= FIELD_COUNT) return `more than ${FIELD_COUNT} fields`;
      fieldStart[field] = i + 1;
    }
  }
  if (field !== FIELD_COUNT - 1) {
    return `expected ${FIELD_COUNT} fields separated by '|', found ${field + 1}`;
  }
  fieldStart[FIELD_COUNT] = end + 1;
  const fieldEnd = (f: number) => fieldStart[f + 1] - 1;

  const row = out.reserve();
  const card = decoder.decode(bytes.subarray(fieldStart[1], fieldEnd(1)));
  if (!/^\d{12,19}$/.test(card)) return "cc_num must be 12 to 19 digits";
  let cardId = out.cardIndex.get(card);
  if (cardId === undefined) {
    cardId = out.cards.length;
    out.cards.push(card);
    out.cardIndex.set(card, cardId);
  }
  const gender = bytes[fieldStart[4]];
  if (fieldEnd(4) - fieldStart[4] !== 1 || (gender !== 0x4d && gender !== 0x46)) {
    return "gender must be M or F";
  }
  const date = parseDate(bytes, fieldStart[17], fieldEnd(17));
  const dob = parseDate(bytes, fieldStart[13], fieldEnd(13));
  if (!date) return "trans_date must be YYYY-MM-DD";
  if (!dob) return "dob must be YYYY-MM-DD";
  const t = fieldStart[18];
  if (fieldEnd(18) - t !== 8 || bytes[t + 2] !== 0x3a || bytes[t + 5] !== 0x3a) {
    return "trans_time must be HH:MM:SS";
  }
  const hour = digits(bytes, t, 2);
  const second = hour * 3600 + digits(bytes, t + 3, 2) * 60 + digits(bytes, t + 6, 2);
  if (!(hour <= 23 && second < 86_400)) return "trans_time must be HH:MM:SS";
  const category = CATEGORY_INDEX.get(decoder.decode(bytes.subarray(fieldStart[20], fieldEnd(20))));
  if (category === undefined) return "unknown category";
  const amt = parseNumber(bytes, fieldStart[21], fieldEnd(21));
  if (!(amt >= 0)) return "amt must be a non-negative number";
  const fraud = bytes[fieldStart[22]];
  if (fieldEnd(22) - fieldStart[22] !== 1 || (fraud !== 0x30 && fraud !== 0x31)) {
    return "is_fraud must be 0 or 1";
  }
  const lat = parseNumber(bytes, fieldStart[9], fieldEnd(9));
  const long = parseNumber(bytes, fieldStart[10], fieldEnd(10));
  const merchLat = parseNumber(bytes, fieldStart[24], fieldEnd(24));
  const merchLong = parseNumber(bytes, fieldStart[25], fieldEnd(25));
  if (!(Math.abs(lat) <= 90 && Math.abs(long) <= 180)) return "lat/long out of range";
  if (!(Math.abs(merchLat) <= 90 && Math.abs(merchLong) <= 180)) {
    return "merch_lat/merch_long out of range";
  }
  const cityPop = parseNumber(bytes, fieldStart[11], fieldEnd(11));
  if (!(cityPop >= 0)) return "city_pop must be a whole number";

  const day = daysFromCivil(date[0], date[1], date[2]);
  let age = date[0] - dob[0] -
    (date[1] < dob[1] || (date[1] === dob[1] && date[2] < dob[2]) ? 1 : 0);
  age = Math.max(0, Math.min(255, age));
  out.card[row] = cardId;
  out.time[row] = day * 86_400 + second;
  out.amt[row] = amt;
  out.category[row] = category;
  out.hour[row] = hour;
  out.weekday[row] = weekdayOf(day);
  out.age[row] = age;
  out.gender[row] = gender === 0x4d ? 1 : 0;
  out.cityPop[row] = cityPop;
  out.lat[row] = lat;
  out.long[row] = long;
  out.merchLat[row] = merchLat;
  out.merchLong[row] = merchLong;
  out.label[row] = fraud === 0x31 ? 1 : 0;
  out.length++;
  return undefined;
}

const FIELD_STARTS = new Int32Array(FIELD_COUNT + 1);

function isHeader(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start !== HEADER_BYTES.length) return false;
  for (let i = 0; i < HEADER_BYTES.length; i++) {
    if (bytes[start + i] !== HEADER_BYTES[i]) return false;
  }
  return true;
}

/** Options of `readColumns`. */
export interface ReadColumnsOptions {
  /** Receives every row that could not be read. */
  onBadRow?: (row: BadRow) => void;
  /** Receives the number of bytes read so far. */
  onProgress?: (bytes: number) => void;
}

/** Reads the given files into one set of columns, in file order. */
export async function readColumns(
  files: string[],
  options: ReadColumnsOptions = {},
): Promise<TransactionColumns> {
  const out = new ColumnBuilder();
  let total = 0;
  for (const path of files) {
    let fileBytes = 0;
    for await (const block of readLineBlocks(path, BLOCK)) {
      const { buffer, starts, ends, firstLine } = block;
      for (let i = 0; i < starts.length; i++) {
        const start = starts[i];
        const end = ends[i];
        const line = firstLine + i;
        if (end === start || (line === 1 && isHeader(buffer, start, end))) continue;
        const reason = parseLine(buffer, start, end, out);
        if (reason) options.onBadRow?.({ file: path, line, reason });
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
  const walk = async (current: string) => {
    for await (const entry of Deno.readDir(current)) {
      const path = join(current, entry.name);
      if (entry.isDirectory) await walk(path);
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
    throw error;
  }
  if (files.length === 0) {
    throw new NoDataError(
      `no transaction CSV files under '${dir}'; generate some with 'fraudstream generate'`,
    );
  }
  return files.sort();
}
