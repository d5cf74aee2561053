/**
 * One line of a Sparkov-format CSV file into a validated transaction, or the reason it is not one.
 *
 * Lines as the generator writes them take a fast path (fields found with `indexOf`, checked and
 * read character by character); anything it does not recognise, valid or not, goes through the
 * plain parser, which gives the same result or the reason. Parsing was measured to be the
 * producer's largest cost.
 *
 * @module
 */

import {
  CATEGORIES,
  type Category,
  COLUMNS,
  CSV_SEPARATOR,
  HEADER,
  type Transaction,
} from "../../model/schema.ts";

/** A line that is not a valid transaction. */
export interface RowError {
  reason: string;
}

const CATEGORY_SET = new Set<string>(CATEGORIES);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}:\d{2}$/;
const DIGITS = /^\d+$/;
const HEX32 = /^[0-9a-f]{32}$/;

/** Whether `line` is the header of a Sparkov file. */
export function isHeader(line: string): boolean {
  return stripCr(line) === HEADER;
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

function number(text: string): number {
  return text === "" ? Number.NaN : Number(text);
}

/** Parses and validates one data line. */
export function parseTransactionLine(line: string): Transaction | RowError {
  return parseUsualLine(line) ?? parsePlainLine(line);
}

/** The plain parser: splits the line and checks each field; gives the reason for a bad row. */
export function parsePlainLine(line: string): Transaction | RowError {
  const f = stripCr(line).split(CSV_SEPARATOR);
  if (f.length !== COLUMNS.length) {
    return { reason: `expected ${COLUMNS.length} fields separated by '|', found ${f.length}` };
  }
  const lat = number(f[9]);
  const long = number(f[10]);
  const cityPop = number(f[11]);
  const unixTime = number(f[19]);
  const amt = number(f[21]);
  const merchLat = number(f[24]);
  const merchLong = number(f[25]);
  if (!DIGITS.test(f[1]) || f[1].length < 12 || f[1].length > 19) {
    return { reason: "cc_num must be 12 to 19 digits" };
  }
  if (f[4] !== "M" && f[4] !== "F") return { reason: "gender must be M or F" };
  if (!(Math.abs(lat) <= 90) || !(Math.abs(long) <= 180)) {
    return { reason: "lat/long out of range" };
  }
  if (!Number.isInteger(cityPop) || cityPop < 0) {
    return { reason: "city_pop must be a whole number" };
  }
  if (!DATE.test(f[13])) return { reason: "dob must be YYYY-MM-DD" };
  if (!HEX32.test(f[16])) return { reason: "trans_num must be 32 hex digits" };
  if (!DATE.test(f[17])) return { reason: "trans_date must be YYYY-MM-DD" };
  if (!TIME.test(f[18])) return { reason: "trans_time must be HH:MM:SS" };
  if (!Number.isInteger(unixTime)) return { reason: "unix_time must be whole seconds" };
  if (!CATEGORY_SET.has(f[20])) return { reason: `unknown category '${f[20]}'` };
  if (!Number.isFinite(amt) || amt < 0) return { reason: "amt must be a non-negative number" };
  if (f[22] !== "0" && f[22] !== "1") return { reason: "is_fraud must be 0 or 1" };
  if (!(Math.abs(merchLat) <= 90) || !(Math.abs(merchLong) <= 180)) {
    return { reason: "merch_lat/merch_long out of range" };
  }
  return {
    ssn: f[0],
    cc_num: f[1],
    first: f[2],
    last: f[3],
    gender: f[4] as "M" | "F",
    street: f[5],
    city: f[6],
    state: f[7],
    zip: f[8],
    lat,
    long,
    city_pop: cityPop,
    job: f[12],
    dob: f[13],
    acct_num: f[14],
    profile: f[15],
    trans_num: f[16],
    trans_date: f[17],
    trans_time: f[18],
    unix_time: unixTime,
    category: f[20] as Category,
    amt,
    is_fraud: f[22] === "1" ? 1 : 0,
    merchant: f[23],
    merch_lat: merchLat,
    merch_long: merchLong,
  };
}

const ZERO = 0x30;
const NINE = 0x39;
const DASH = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const FIELD_COUNT = COLUMNS.length;
/** Separator positions of the line being parsed (one parse at a time per thread). */
const seps = new Int32Array(FIELD_COUNT + 1);
/** Exact powers of ten for the decimal fast path. */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/**
 * The fast path: a line whose every field has the usual form (plain decimals, digits, dates,
 * lowercase hex) as a transaction; undefined for anything else, left to the plain parser.
 */
function parseUsualLine(line: string): Transaction | undefined {
  const end = line.charCodeAt(line.length - 1) === 0x0d ? line.length - 1 : line.length;
  seps[0] = -1;
  let at = 0;
  for (let f = 1; f < FIELD_COUNT; f++) {
    const next = line.indexOf(CSV_SEPARATOR, at);
    if (next < 0 || next >= end) return undefined;
    seps[f] = next;
    at = next + 1;
  }
  const last = line.indexOf(CSV_SEPARATOR, at);
  if (last >= 0 && last < end) return undefined;
  seps[FIELD_COUNT] = end;
  const from = (f: number) => seps[f] + 1;
  const to = (f: number) => seps[f + 1];
  const ccLength = to(1) - from(1);
  if (ccLength < 12 || ccLength > 19 || !digits(line, from(1), to(1))) return undefined;
  if (to(4) - from(4) !== 1) return undefined;
  const gender = line.charCodeAt(from(4));
  if (gender !== 0x4d && gender !== 0x46) return undefined;
  const lat = decimal(line, from(9), to(9));
  const long = decimal(line, from(10), to(10));
  if (!(Math.abs(lat) <= 90) || !(Math.abs(long) <= 180)) return undefined;
  if (!digits(line, from(11), to(11))) return undefined;
  const cityPop = decimal(line, from(11), to(11));
  if (!isDate(line, from(13), to(13))) return undefined;
  if (!isHex32(line, from(16), to(16))) return undefined;
  if (!isDate(line, from(17), to(17)) || !isTime(line, from(18), to(18))) return undefined;
  const unixStart = line.charCodeAt(from(19)) === DASH ? from(19) + 1 : from(19);
  if (!digits(line, unixStart, to(19))) return undefined;
  const unixTime = decimal(line, from(19), to(19));
  const category = line.substring(from(20), to(20));
  if (!CATEGORY_SET.has(category)) return undefined;
  const amt = decimal(line, from(21), to(21));
  if (!(amt >= 0)) return undefined;
  if (to(22) - from(22) !== 1) return undefined;
  const fraud = line.charCodeAt(from(22));
  if (fraud !== ZERO && fraud !== ZERO + 1) return undefined;
  const merchLat = decimal(line, from(24), to(24));
  const merchLong = decimal(line, from(25), to(25));
  if (!(Math.abs(merchLat) <= 90) || !(Math.abs(merchLong) <= 180)) return undefined;
  if (Number.isNaN(cityPop) || Number.isNaN(unixTime)) return undefined;
  return {
    ssn: line.substring(0, to(0)),
    cc_num: line.substring(from(1), to(1)),
    first: line.substring(from(2), to(2)),
    last: line.substring(from(3), to(3)),
    gender: gender === 0x4d ? "M" : "F",
    street: line.substring(from(5), to(5)),
    city: line.substring(from(6), to(6)),
    state: line.substring(from(7), to(7)),
    zip: line.substring(from(8), to(8)),
    lat,
    long,
    city_pop: cityPop,
    job: line.substring(from(12), to(12)),
    dob: line.substring(from(13), to(13)),
    acct_num: line.substring(from(14), to(14)),
    profile: line.substring(from(15), to(15)),
    trans_num: line.substring(from(16), to(16)),
    trans_date: line.substring(from(17), to(17)),
    trans_time: line.substring(from(18), to(18)),
    unix_time: unixTime,
    category: category as Category,
    amt,
    is_fraud: fraud === ZERO ? 0 : 1,
    merchant: line.substring(from(23), to(23)),
    merch_lat: merchLat,
    merch_long: merchLong,
  };
}

/** Whether `text[start, end)` is one or more ASCII digits. */
function digits(text: string, start: number, end: number): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < ZERO || c > NINE) return false;
  }
  return true;
}

/**
 * `text[start, end)` as `-?digits(.digits)?` read exactly as `Number` reads it (at most 15
 * digits: the digits form an exact integer and the power of ten is exact, so the one division
 * rounds once, correctly); NaN for any other form.
 */
function decimal(text: string, start: number, end: number): number {
  let i = start;
  const negative = text.charCodeAt(i) === DASH;
  if (negative) i++;
  let mantissa = 0;
  let count = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
      count++;
      if (fraction >= 0) fraction++;
    } else if (c === DOT && fraction < 0 && count > 0) fraction = 0;
    else return Number.NaN;
  }
  if (count === 0 || count > 15 || fraction === 0) return Number.NaN;
  const value = fraction > 0 ? mantissa / POW10[fraction] : mantissa;
  return negative ? -value : value;
}

/** Whether `text[start, end)` is `YYYY-MM-DD` (digits only, as the plain parser checks). */
function isDate(text: string, start: number, end: number): boolean {
  return end - start === 10 && digits(text, start, start + 4) &&
    text.charCodeAt(start + 4) === DASH && digits(text, start + 5, start + 7) &&
    text.charCodeAt(start + 7) === DASH && digits(text, start + 8, end);
}

/** Whether `text[start, end)` is `HH:MM:SS` (digits only). */
function isTime(text: string, start: number, end: number): boolean {
  return end - start === 8 && digits(text, start, start + 2) &&
    text.charCodeAt(start + 2) === COLON && digits(text, start + 3, start + 5) &&
    text.charCodeAt(start + 5) === COLON && digits(text, start + 6, end);
}

/** Whether `text[start, end)` is 32 lowercase hexadecimal digits. */
function isHex32(text: string, start: number, end: number): boolean {
  if (end - start !== 32) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= ZERO && c <= NINE) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}
