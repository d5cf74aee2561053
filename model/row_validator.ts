/**
 * The one validator of Sparkov rows, whichever way a row comes in: a CSV line (the producer,
 * `train`, `evaluate`) or a decoded JSON or Arrow message (the consumer). It checks values, not
 * shapes:
 *
 * - `cc_num`: 12 to 19 ASCII digits. `trans_num`: 32 lowercase hexadecimal digits.
 * - `gender`: `M` or `F`. `category`: one of the 14 `CATEGORIES`. `is_fraud`: `0` or `1`.
 * - `dob`, `trans_date`: `YYYY-MM-DD` naming a real day of the Gregorian calendar, years 0001 to
 *   9999 (leap years: every fourth, but not centuries unless divisible by 400; `2024-02-29` is a
 *   day, `2023-02-29` and `2023-13-45` are not).
 * - `trans_time`: `HH:MM:SS` from `00:00:00` to `23:59:59`.
 * - `unix_time`: whole seconds, not negative, at most 14 hours (`UNIX_TIME_TOLERANCE_S`) from
 *   `trans_date` + `trans_time` read as UTC. Sparkov computed `unix_time` from the date and time in
 *   the generating machine's time zone (UTC-12 to UTC+14; the seed's files were made at UTC+1 and
 *   UTC+2, so their `unix_time` is one or two hours before the UTC reading); fraudstream's
 *   generator writes UTC (no difference). Any real time zone fits; a disagreement of a day or more
 *   does not.
 * - `amt`: more than 0 and at most 1,000,000 (`MAX_AMOUNT`); Sparkov's amounts are at least 1.00.
 * - `lat`, `merch_lat`: -90 to 90. `long`, `merch_long`: -180 to 180.
 * - `city_pop`: a whole number from 0 to 100,000,000 (`MAX_CITY_POP`).
 *
 * In CSV text, numbers are plain decimals: ASCII digits with at most one `.` between digits, and a
 * leading `-` only on the coordinates (`amt` is positive; `unix_time` and `city_pop` are digits
 * alone). So `0x10`, `1e308`, `' 12.00'`, `+3.5`, `.5` and `5.` are refused instead of being read as
 * numbers. A line is 26 fields separated by `|` (a trailing CR is dropped); the other fields are
 * free text. In JSON and Arrow messages the numbers are numbers already; the same ranges apply.
 *
 * A CSV line is checked in one pass: fields found with `indexOf`, numbers and dates read character
 * by character with integer arithmetic, no regular expression and no `Date` per row (parsing is
 * the producer's largest cost).
 *
 * @module
 */

import { CATEGORIES, type Category, COLUMNS, CSV_SEPARATOR, type Transaction } from "./schema.ts";
import { daysFromCivil } from "./time.ts";

/** Largest difference between `unix_time` and `trans_date` + `trans_time` read as UTC, in s. */
export const UNIX_TIME_TOLERANCE_S = 14 * 3600;
/** Largest `amt`. */
export const MAX_AMOUNT = 1_000_000;
/** Largest `city_pop`. */
export const MAX_CITY_POP = 100_000_000;

/** A row that is not a valid transaction. */
export interface RowError {
  reason: string;
}

const FIELD_COUNT = COLUMNS.length;
const SECONDS_PER_DAY = 86_400;
const ZERO = 0x30;
const NINE = 0x39;
const DASH = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const CR = 0x0d;
const M = 0x4d;
const F = 0x46;
const CATEGORY_INDEX = new Map<string, number>(CATEGORIES.map((c, i) => [c, i]));
/** Days of each month of a common year, January first. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Exact powers of ten. */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);

/** The numbers of a row that the range rules check (both paths fill one). */
interface RowNumbers {
  lat: number;
  long: number;
  cityPop: number;
  unixTime: number;
  amt: number;
  merchLat: number;
  merchLong: number;
  /** `trans_date` as days since 1970-01-01. */
  day: number;
  /** `trans_time` as seconds since midnight. */
  second: number;
}

/**
 * A CSV line's checked fields, as `checkLine` leaves them: the numbers parsed, the text as
 * positions in `line`. One is reused line after line.
 */
export class CheckedLine implements RowNumbers {
  /** The line checked last. */
  line = "";
  /** Field `f` is `line.substring(starts[f], ends[f])`. */
  readonly starts: Int32Array = new Int32Array(FIELD_COUNT);
  /** End (exclusive) of each field. */
  readonly ends: Int32Array = new Int32Array(FIELD_COUNT);
  lat = 0;
  long = 0;
  cityPop = 0;
  unixTime = 0;
  amt = 0;
  merchLat = 0;
  merchLong = 0;
  day = 0;
  second = 0;
  /** `trans_date` as the number `YYYYMMDD`. */
  date = 0;
  /** `dob` as the number `YYYYMMDD`. */
  dob = 0;
  /** Index into `CATEGORIES`. */
  category = 0;
  gender: "M" | "F" = "M";
  isFraud: 0 | 1 = 0;

  /** Text of field `f` (an index into `COLUMNS`). */
  field(f: number): string {
    return this.line.substring(this.starts[f], this.ends[f]);
  }
}

/**
 * Checks one CSV data line into `out`; returns the reason it is not a valid transaction, or
 * undefined when it is one.
 */
export function checkLine(line: string, out: CheckedLine): string | undefined {
  out.line = line;
  const starts = out.starts;
  const ends = out.ends;
  const end = line.charCodeAt(line.length - 1) === CR ? line.length - 1 : line.length;
  let at = 0;
  for (let f = 0; f < FIELD_COUNT - 1; f++) {
    const next = line.indexOf(CSV_SEPARATOR, at);
    if (next < 0 || next >= end) return fieldCountReason(line, end);
    starts[f] = at;
    ends[f] = next;
    at = next + 1;
  }
  const extra = line.indexOf(CSV_SEPARATOR, at);
  if (extra >= 0 && extra < end) return fieldCountReason(line, end);
  starts[FIELD_COUNT - 1] = at;
  ends[FIELD_COUNT - 1] = end;

  const ccLength = ends[1] - starts[1];
  if (ccLength < 12 || ccLength > 19 || !digits(line, starts[1], ends[1])) {
    return "cc_num must be 12 to 19 digits";
  }
  const gender = ends[4] - starts[4] === 1 ? line.charCodeAt(starts[4]) : 0;
  if (gender !== M && gender !== F) return "gender must be M or F";
  out.gender = gender === M ? "M" : "F";
  out.lat = decimal(line, starts[9], ends[9], true);
  out.long = decimal(line, starts[10], ends[10], true);
  if (Number.isNaN(out.lat) || Number.isNaN(out.long)) return "lat/long must be plain decimals";
  out.cityPop = wholeNumber(line, starts[11], ends[11]);
  out.dob = calendarDate(line, starts[13], ends[13]);
  if (out.dob < 0) return "dob must be a real calendar date YYYY-MM-DD";
  if (!isHex32(line, starts[16], ends[16])) return "trans_num must be 32 lowercase hex digits";
  out.date = calendarDate(line, starts[17], ends[17]);
  if (out.date < 0) return "trans_date must be a real calendar date YYYY-MM-DD";
  out.second = secondOfDay(line, starts[18], ends[18]);
  if (out.second < 0) return "trans_time must be HH:MM:SS from 00:00:00 to 23:59:59";
  out.day = dayNumber(out.date);
  out.unixTime = wholeNumber(line, starts[19], ends[19]);
  const category = CATEGORY_INDEX.get(line.substring(starts[20], ends[20]));
  if (category === undefined) return `unknown category '${line.substring(starts[20], ends[20])}'`;
  out.category = category;
  out.amt = decimal(line, starts[21], ends[21], false);
  if (Number.isNaN(out.amt)) return "amt must be a plain decimal number";
  const fraud = ends[22] - starts[22] === 1 ? line.charCodeAt(starts[22]) : 0;
  if (fraud !== ZERO && fraud !== ZERO + 1) return "is_fraud must be 0 or 1";
  out.isFraud = fraud === ZERO ? 0 : 1;
  out.merchLat = decimal(line, starts[24], ends[24], true);
  out.merchLong = decimal(line, starts[25], ends[25], true);
  if (Number.isNaN(out.merchLat) || Number.isNaN(out.merchLong)) {
    return "merch_lat/merch_long must be plain decimals";
  }
  return numbersProblem(out);
}

function fieldCountReason(line: string, end: number): string {
  const found = line.substring(0, end).split(CSV_SEPARATOR).length;
  return `expected ${FIELD_COUNT} fields separated by '|', found ${found}`;
}

const scratch = new CheckedLine();

/** Parses and validates one CSV data line into a transaction, or the reason it is not one. */
export function parseTransactionLine(line: string): Transaction | RowError {
  const reason = checkLine(line, scratch);
  if (reason !== undefined) return { reason };
  const { starts: s, ends: e } = scratch;
  return {
    ssn: line.substring(s[0], e[0]),
    cc_num: line.substring(s[1], e[1]),
    first: line.substring(s[2], e[2]),
    last: line.substring(s[3], e[3]),
    gender: scratch.gender,
    street: line.substring(s[5], e[5]),
    city: line.substring(s[6], e[6]),
    state: line.substring(s[7], e[7]),
    zip: line.substring(s[8], e[8]),
    lat: scratch.lat,
    long: scratch.long,
    city_pop: scratch.cityPop,
    job: line.substring(s[12], e[12]),
    dob: line.substring(s[13], e[13]),
    acct_num: line.substring(s[14], e[14]),
    profile: line.substring(s[15], e[15]),
    trans_num: line.substring(s[16], e[16]),
    trans_date: line.substring(s[17], e[17]),
    trans_time: line.substring(s[18], e[18]),
    unix_time: scratch.unixTime,
    category: CATEGORIES[scratch.category] as Category,
    amt: scratch.amt,
    is_fraud: scratch.isFraud,
    merchant: line.substring(s[23], e[23]),
    merch_lat: scratch.merchLat,
    merch_long: scratch.merchLong,
  };
}

const numbers: RowNumbers = {
  lat: 0,
  long: 0,
  cityPop: 0,
  unixTime: 0,
  amt: 0,
  merchLat: 0,
  merchLong: 0,
  day: 0,
  second: 0,
};

/**
 * Checks the values of a transaction whose fields have the right types (a decoded JSON or Arrow
 * message); returns the reason it is not valid, or undefined.
 */
export function transactionProblem(row: Transaction): string | undefined {
  const cc = row.cc_num;
  if (cc.length < 12 || cc.length > 19 || !digits(cc, 0, cc.length)) {
    return "cc_num must be 12 to 19 digits";
  }
  if (row.gender !== "M" && row.gender !== "F") return "gender must be M or F";
  if (calendarDate(row.dob, 0, row.dob.length) < 0) {
    return "dob must be a real calendar date YYYY-MM-DD";
  }
  if (!isHex32(row.trans_num, 0, row.trans_num.length)) {
    return "trans_num must be 32 lowercase hex digits";
  }
  const date = calendarDate(row.trans_date, 0, row.trans_date.length);
  if (date < 0) return "trans_date must be a real calendar date YYYY-MM-DD";
  numbers.second = secondOfDay(row.trans_time, 0, row.trans_time.length);
  if (numbers.second < 0) return "trans_time must be HH:MM:SS from 00:00:00 to 23:59:59";
  if (!CATEGORY_INDEX.has(row.category)) return `unknown category '${row.category}'`;
  if (row.is_fraud !== 0 && row.is_fraud !== 1) return "is_fraud must be 0 or 1";
  numbers.day = dayNumber(date);
  numbers.lat = row.lat;
  numbers.long = row.long;
  numbers.cityPop = row.city_pop;
  numbers.unixTime = row.unix_time;
  numbers.amt = row.amt;
  numbers.merchLat = row.merch_lat;
  numbers.merchLong = row.merch_long;
  return numbersProblem(numbers);
}

/** The range rules, shared by both paths; NaN fails every one. */
function numbersProblem(n: RowNumbers): string | undefined {
  if (!(Math.abs(n.lat) <= 90) || !(Math.abs(n.long) <= 180)) return "lat/long out of range";
  if (!(Number.isInteger(n.cityPop) && n.cityPop >= 0 && n.cityPop <= MAX_CITY_POP)) {
    return `city_pop must be a whole number from 0 to ${MAX_CITY_POP}`;
  }
  if (!(Number.isInteger(n.unixTime) && n.unixTime >= 0)) {
    return "unix_time must be whole seconds, not negative";
  }
  const apart = n.unixTime - (n.day * SECONDS_PER_DAY + n.second);
  if (!(Math.abs(apart) <= UNIX_TIME_TOLERANCE_S)) {
    const hours = Math.round(Math.abs(apart) / 360) / 10;
    return `unix_time is ${hours} h away from trans_date and trans_time (at most ${
      UNIX_TIME_TOLERANCE_S / 3600
    } h)`;
  }
  if (!(n.amt > 0 && n.amt <= MAX_AMOUNT)) {
    return `amt must be more than 0 and at most ${MAX_AMOUNT}`;
  }
  if (!(Math.abs(n.merchLat) <= 90) || !(Math.abs(n.merchLong) <= 180)) {
    return "merch_lat/merch_long out of range";
  }
  return undefined;
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

/** `text[start, end)` as a number when it is ASCII digits alone; NaN otherwise. */
function wholeNumber(text: string, start: number, end: number): number {
  return digits(text, start, end) ? decimal(text, start, end, false) : Number.NaN;
}

/**
 * `text[start, end)` as a number when it is a plain decimal (`-` first only if `signed`, digits,
 * at most one `.` between digits); NaN otherwise. Read exactly as `Number` reads it: up to 15
 * digits form an exact integer and the power of ten is exact, so the one division rounds once,
 * correctly; longer ones (rare) are left to `Number`, the form being known.
 */
function decimal(text: string, start: number, end: number, signed: boolean): number {
  let i = start;
  const negative = signed && text.charCodeAt(i) === DASH;
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
  if (count === 0 || fraction === 0) return Number.NaN;
  if (count > 15) return Number(text.substring(start, end));
  const value = fraction > 0 ? mantissa / POW10[fraction] : mantissa;
  return negative ? -value : value;
}

/** The two digits at `at` as a number, or -1. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - ZERO;
  const b = text.charCodeAt(at + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/** `text[start, end)` as `YYYYMMDD` when it is `YYYY-MM-DD` naming a real day; -1 otherwise. */
function calendarDate(text: string, start: number, end: number): number {
  if (end - start !== 10 || text.charCodeAt(start + 4) !== DASH) return -1;
  if (text.charCodeAt(start + 7) !== DASH) return -1;
  const high = twoDigits(text, start);
  const low = twoDigits(text, start + 2);
  const month = twoDigits(text, start + 5);
  const day = twoDigits(text, start + 8);
  if (high < 0 || low < 0 || month < 1 || month > 12 || day < 1) return -1;
  const year = high * 100 + low;
  if (year === 0) return -1;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const last = month === 2 && leap ? 29 : MONTH_DAYS[month - 1];
  return day <= last ? year * 10_000 + month * 100 + day : -1;
}

/** Days since 1970-01-01 of a `YYYYMMDD` number. */
function dayNumber(date: number): number {
  const year = Math.floor(date / 10_000);
  return daysFromCivil(year, Math.floor(date / 100) % 100, date % 100);
}

/** `text[start, end)` as seconds since midnight when it is `HH:MM:SS` of a day; -1 otherwise. */
function secondOfDay(text: string, start: number, end: number): number {
  if (end - start !== 8 || text.charCodeAt(start + 2) !== COLON) return -1;
  if (text.charCodeAt(start + 5) !== COLON) return -1;
  const hour = twoDigits(text, start);
  const minute = twoDigits(text, start + 3);
  const second = twoDigits(text, start + 6);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return -1;
  return hour * 3600 + minute * 60 + second;
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
