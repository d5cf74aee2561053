/**
 * The one validator of Sparkov rows, whichever way a row comes in: CSV bytes (the producer,
 * `train`, `evaluate`, through `csv_chunk.ts`), a CSV line as a string, a decoded JSON message
 * (the consumer) or typed columns decoded from another producer's Arrow message. It checks
 * values, not shapes:
 *
 * - `cc_num`: 12 to 19 ASCII digits, the first not 0 (the pipeline keeps a card number as an
 *   unsigned 64-bit integer, which would drop leading zeros). `trans_num`: 32 lowercase
 *   hexadecimal digits.
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
 * free text. In JSON messages and columns the numbers are numbers already; the same ranges apply.
 *
 * One implementation serves every entry point: text is read from bytes by `value_bytes.ts` (a
 * string is first written into a scratch byte buffer), and the range rules run on the values in
 * columns (`valuesProblem`), so a CSV row, a JSON row and a column row meet the same rules.
 *
 * @module
 */

import { allocateColumns, type TransactionColumns } from "./columns.ts";
import { CATEGORIES, type Category, COLUMNS, type Transaction } from "./schema.ts";
import {
  bitCode,
  calendarDay,
  categoryIndex,
  FIRST_DAY,
  genderCode,
  isLowerHex32,
  LAST_DAY,
  NOT_A_DAY,
  plainDecimal,
  readCardNumber,
  secondOfDay,
  wholeNumber,
} from "./value_bytes.ts";

/** Largest difference between `unix_time` and `trans_date` + `trans_time` read as UTC, in s. */
export const UNIX_TIME_TOLERANCE_S = 14 * 3600;
/** Largest `amt`. */
export const MAX_AMOUNT = 1_000_000;
/** Largest `city_pop`. */
export const MAX_CITY_POP = 100_000_000;
/** Fields of a CSV line. */
export const FIELD_COUNT = COLUMNS.length;

/** A row that is not a valid transaction. */
export interface RowError {
  reason: string;
}

/** A row of columns that is not a valid transaction. */
export interface ColumnProblem {
  /** The row's index in the columns. */
  row: number;
  reason: string;
}

const SECONDS_PER_DAY = 86_400;
const PIPE = 0x7c;
const CR = 0x0d;
const LF = 0x0a;
const REASON = {
  card: "cc_num must be 12 to 19 digits, the first not 0",
  gender: "gender must be M or F",
  dob: "dob must be a real calendar date YYYY-MM-DD",
  transNum: "trans_num must be 32 lowercase hex digits",
  date: "trans_date must be a real calendar date YYYY-MM-DD",
  time: "trans_time must be HH:MM:SS from 00:00:00 to 23:59:59",
  fraud: "is_fraud must be 0 or 1",
} as const;
const field = (name: typeof COLUMNS[number]) => COLUMNS.indexOf(name);
const [CC_NUM, GENDER, LAT, LONG, CITY_POP, DOB, TRANS_NUM, TRANS_DATE, TRANS_TIME] = [
  field("cc_num"),
  field("gender"),
  field("lat"),
  field("long"),
  field("city_pop"),
  field("dob"),
  field("trans_num"),
  field("trans_date"),
  field("trans_time"),
];
const [UNIX_TIME, CATEGORY, AMT, IS_FRAUD, MERCH_LAT, MERCH_LONG] = [
  field("unix_time"),
  field("category"),
  field("amt"),
  field("is_fraud"),
  field("merch_lat"),
  field("merch_long"),
];
/** Card numbers of 12 to 19 digits: 10^11 <= value < 10^19, as 32-bit words. */
const CARD_MIN = [Number(10n ** 11n >> 32n), Number(10n ** 11n & 0xffffffffn)];
const CARD_LIMIT = [Number(10n ** 19n >> 32n), Number(10n ** 19n & 0xffffffffn)];
const decoder = new TextDecoder();
const CATEGORY_REASON = "unknown category '";

function categoryReason(name: string): string {
  return `${CATEGORY_REASON}${name}'`;
}

/** Where the fields of a line are, as `cutLine` leaves them; one is reused line after line. */
export class LineCuts {
  /**
   * Field `f` (below `FIELD_COUNT`) is `bytes[cuts[f] + 1, cuts[f + 1])` when the line has
   * `FIELD_COUNT` fields; `cuts[FIELD_COUNT]` is the line's end (without its line break) always.
   */
  readonly cuts: Int32Array = new Int32Array(FIELD_COUNT + 1);
  /** Fields found on the line (separators + 1). */
  fields = 0;
  /** Where the next line starts: just past the line feed, or the limit. */
  next = 0;
  #bytes?: Uint8Array;
  #view?: DataView;

  /** A view of `bytes` for reading four of them at a time (kept while the same bytes are cut). */
  viewOf(bytes: Uint8Array): DataView {
    if (this.#bytes !== bytes) {
      this.#bytes = bytes;
      this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    return this.#view!;
  }
}

/** Four bytes of one value each, and the two constants of a zero-byte test of four bytes. */
const PIPES = 0x7c7c7c7c;
const LFS = 0x0a0a0a0a;
const ONES = 0x01010101;
const HIGHS = 0x80808080 | 0;

/**
 * Cuts the line that starts at `bytes[start]` and runs to its line feed or to `limit` into its
 * fields (a CR before the line feed or the limit is not part of the line).
 */
export function cutLine(bytes: Uint8Array, start: number, limit: number, out: LineCuts): void {
  const cuts = out.cuts;
  let found = 0;
  let i = start;
  cuts[0] = start - 1;
  const view = out.viewOf(bytes);
  scan: while (i < limit) {
    // Four bytes at a time while none of them is a separator or a line feed (a word has a zero
    // byte where `(x - 0x01010101) & ~x & 0x80808080` is not 0, exactly), then those four one by
    // one.
    if (i + 4 <= limit) {
      const word = view.getInt32(i, true);
      const pipes = word ^ PIPES;
      const feeds = word ^ LFS;
      if (((((pipes - ONES) & ~pipes) | ((feeds - ONES) & ~feeds)) & HIGHS) === 0) {
        i += 4;
        continue;
      }
    }
    const end = Math.min(limit, i + 4);
    for (; i < end; i++) {
      const c = bytes[i];
      if (c === PIPE) {
        if (found < FIELD_COUNT - 1) cuts[found + 1] = i;
        found++;
      } else if (c === LF) break scan;
    }
  }
  out.next = i < limit ? i + 1 : limit;
  cuts[FIELD_COUNT] = i > start && bytes[i - 1] === CR ? i - 1 : i;
  out.fields = found + 1;
}

/** The reason for a line of `found` fields. */
export function fieldCountReason(found: number): string {
  return `expected ${FIELD_COUNT} fields separated by '|', found ${found}`;
}

/**
 * Checks the fields of a CSV line cut by `cutLine` (all `FIELD_COUNT` of them) and writes its
 * values into row `row` of `columns` (every column but the text ranges); returns the reason it is
 * not a valid transaction, or undefined when it is one. The row's values are meaningless after a
 * reason.
 */
export function checkFields(
  bytes: Uint8Array,
  cuts: Int32Array,
  columns: TransactionColumns,
  row: number,
): string | undefined {
  if (!readCardNumber(bytes, cuts[CC_NUM] + 1, cuts[CC_NUM + 1], columns.card, 2 * row)) {
    return REASON.card;
  }
  const gender = genderCode(bytes, cuts[GENDER] + 1, cuts[GENDER + 1]);
  if (gender < 0) return REASON.gender;
  columns.gender[row] = gender;
  const lat = plainDecimal(bytes, cuts[LAT] + 1, cuts[LAT + 1], true);
  const long = plainDecimal(bytes, cuts[LONG] + 1, cuts[LONG + 1], true);
  if (Number.isNaN(lat) || Number.isNaN(long)) return "lat/long must be plain decimals";
  columns.lat[row] = lat;
  columns.long[row] = long;
  columns.cityPop[row] = wholeNumber(bytes, cuts[CITY_POP] + 1, cuts[CITY_POP + 1]);
  const dob = calendarDay(bytes, cuts[DOB] + 1, cuts[DOB + 1]);
  if (dob === NOT_A_DAY) return REASON.dob;
  columns.dob[row] = dob;
  if (!isLowerHex32(bytes, cuts[TRANS_NUM] + 1, cuts[TRANS_NUM + 1])) return REASON.transNum;
  const day = calendarDay(bytes, cuts[TRANS_DATE] + 1, cuts[TRANS_DATE + 1]);
  if (day === NOT_A_DAY) return REASON.date;
  columns.transDate[row] = day;
  const second = secondOfDay(bytes, cuts[TRANS_TIME] + 1, cuts[TRANS_TIME + 1]);
  if (second < 0) return REASON.time;
  columns.transTime[row] = second;
  columns.unixTime[row] = wholeNumber(bytes, cuts[UNIX_TIME] + 1, cuts[UNIX_TIME + 1]);
  const category = categoryIndex(bytes, cuts[CATEGORY] + 1, cuts[CATEGORY + 1]);
  if (category < 0) {
    return categoryReason(decoder.decode(bytes.subarray(cuts[CATEGORY] + 1, cuts[CATEGORY + 1])));
  }
  columns.category[row] = category;
  const amt = plainDecimal(bytes, cuts[AMT] + 1, cuts[AMT + 1], false);
  if (Number.isNaN(amt)) return "amt must be a plain decimal number";
  columns.amt[row] = amt;
  const fraud = bitCode(bytes, cuts[IS_FRAUD] + 1, cuts[IS_FRAUD + 1]);
  if (fraud < 0) return REASON.fraud;
  columns.isFraud[row] = fraud;
  const merchLat = plainDecimal(bytes, cuts[MERCH_LAT] + 1, cuts[MERCH_LAT + 1], true);
  const merchLong = plainDecimal(bytes, cuts[MERCH_LONG] + 1, cuts[MERCH_LONG + 1], true);
  if (Number.isNaN(merchLat) || Number.isNaN(merchLong)) {
    return "merch_lat/merch_long must be plain decimals";
  }
  columns.merchLat[row] = merchLat;
  columns.merchLong[row] = merchLong;
  return valuesProblem(columns, row);
}

/**
 * The range rules on the numbers of row `i` of `columns` (coordinates, `city_pop`, `unix_time`
 * against `trans_date` + `trans_time`, `amt`), shared by every entry point; NaN fails every one.
 */
export function valuesProblem(columns: TransactionColumns, i: number): string | undefined {
  if (!(Math.abs(columns.lat[i]) <= 90) || !(Math.abs(columns.long[i]) <= 180)) {
    return "lat/long out of range";
  }
  const cityPop = columns.cityPop[i];
  if (!(Number.isInteger(cityPop) && cityPop >= 0 && cityPop <= MAX_CITY_POP)) {
    return `city_pop must be a whole number from 0 to ${MAX_CITY_POP}`;
  }
  const unixTime = columns.unixTime[i];
  if (!(Number.isInteger(unixTime) && unixTime >= 0)) {
    return "unix_time must be whole seconds, not negative";
  }
  const apart = unixTime - (columns.transDate[i] * SECONDS_PER_DAY + columns.transTime[i]);
  if (!(Math.abs(apart) <= UNIX_TIME_TOLERANCE_S)) {
    const hours = Math.round(Math.abs(apart) / 360) / 10;
    return `unix_time is ${hours} h away from trans_date and trans_time (at most ${
      UNIX_TIME_TOLERANCE_S / 3600
    } h)`;
  }
  const amt = columns.amt[i];
  if (!(amt > 0 && amt <= MAX_AMOUNT)) return `amt must be more than 0 and at most ${MAX_AMOUNT}`;
  if (!(Math.abs(columns.merchLat[i]) <= 90) || !(Math.abs(columns.merchLong[i]) <= 180)) {
    return "merch_lat/merch_long out of range";
  }
  return undefined;
}

/**
 * Checks row `i` of typed columns decoded from a message (another producer's): the card number
 * has 12 to 19 digits, the codes are in range, the days are real dates of years 0001 to 9999, the
 * time is a second of a day, `trans_num` is 32 lowercase hex digits, then the range rules.
 * Returns the reason it is not valid, or undefined.
 */
export function rowProblem(columns: TransactionColumns, i: number): string | undefined {
  const low = columns.card[2 * i];
  const high = columns.card[2 * i + 1];
  if (high < CARD_MIN[0] || (high === CARD_MIN[0] && low < CARD_MIN[1])) return REASON.card;
  if (high > CARD_LIMIT[0] || (high === CARD_LIMIT[0] && low >= CARD_LIMIT[1])) {
    return REASON.card;
  }
  const gender = columns.gender[i];
  if (gender !== 0 && gender !== 1) return REASON.gender;
  if (!isDay(columns.dob[i])) return REASON.dob;
  const transNum = columns.text.trans_num;
  if (!isLowerHex32(transNum.bytes, transNum.start[i], transNum.end[i])) return REASON.transNum;
  if (!isDay(columns.transDate[i])) return REASON.date;
  const second = columns.transTime[i];
  if (!(Number.isInteger(second) && second >= 0 && second < SECONDS_PER_DAY)) return REASON.time;
  if (!(columns.category[i] < CATEGORIES.length)) {
    return `unknown category index ${columns.category[i]}`;
  }
  const fraud = columns.isFraud[i];
  if (fraud !== 0 && fraud !== 1) return REASON.fraud;
  return valuesProblem(columns, i);
}

function isDay(day: number): boolean {
  return Number.isInteger(day) && day >= FIRST_DAY && day <= LAST_DAY;
}

/** The rows of typed columns that are not valid transactions (`rowProblem`), in row order. */
export function checkColumns(columns: TransactionColumns): ColumnProblem[] {
  const problems: ColumnProblem[] = [];
  for (let row = 0; row < columns.length; row++) {
    const reason = rowProblem(columns, row);
    if (reason !== undefined) problems.push({ row, reason });
  }
  return problems;
}

/** A scratch row: the bytes of the strings checked and one row of columns for their values. */
const scratch = {
  bytes: new Uint8Array(1024),
  line: new LineCuts(),
  columns: allocateColumns(1),
};
const encoder = new TextEncoder();

/**
 * Writes `line` into the scratch bytes one byte per UTF-16 code unit, so a field's byte range is
 * its range in the string: ASCII as itself, anything else as 0xFF, which no rule accepts (every
 * checked field is ASCII; the free-text fields are not checked). Returns the line's length.
 */
function lineIntoScratch(line: string): number {
  const length = line.length;
  if (scratch.bytes.length < length) scratch.bytes = new Uint8Array(length * 2);
  const bytes = scratch.bytes;
  const { read, written } = encoder.encodeInto(line, bytes);
  if (read === length && written === length) return length; // ASCII: encoded as it stands.
  for (let i = 0; i < length; i++) {
    const c = line.charCodeAt(i);
    bytes[i] = c < 0x80 ? c : 0xff;
  }
  return length;
}

/** Parses and validates one CSV data line into a transaction, or the reason it is not one. */
export function parseTransactionLine(line: string): Transaction | RowError {
  const length = lineIntoScratch(line);
  const { bytes, columns } = scratch;
  const cuts = scratch.line.cuts;
  cutLine(bytes, 0, length, scratch.line);
  if (scratch.line.next < length) return { reason: "a line feed inside the line" };
  if (scratch.line.fields !== FIELD_COUNT) return { reason: fieldCountReason(scratch.line.fields) };
  const reason = checkFields(bytes, cuts, columns, 0);
  const text = (f: number) => line.substring(cuts[f] + 1, cuts[f + 1]);
  if (reason !== undefined) {
    // The category named as the line has it (the scratch bytes hold non-ASCII as 0xFF).
    return { reason: reason.startsWith(CATEGORY_REASON) ? categoryReason(text(CATEGORY)) : reason };
  }
  return {
    ssn: text(0),
    cc_num: text(CC_NUM),
    first: text(2),
    last: text(3),
    gender: columns.gender[0] === 1 ? "M" : "F",
    street: text(5),
    city: text(6),
    state: text(7),
    zip: text(8),
    lat: columns.lat[0],
    long: columns.long[0],
    city_pop: columns.cityPop[0],
    job: text(12),
    dob: text(DOB),
    acct_num: text(14),
    profile: text(15),
    trans_num: text(TRANS_NUM),
    trans_date: text(TRANS_DATE),
    trans_time: text(TRANS_TIME),
    unix_time: columns.unixTime[0],
    category: CATEGORIES[columns.category[0]] as Category,
    amt: columns.amt[0],
    is_fraud: columns.isFraud[0] === 1 ? 1 : 0,
    merchant: text(23),
    merch_lat: columns.merchLat[0],
    merch_long: columns.merchLong[0],
  };
}

/** Longest text any checked field may have: longer ones are cut here, still refused. */
const CHECKED_FIELD_LIMIT = 40;

/**
 * Writes `text` into the scratch bytes at `at` as `lineIntoScratch` does, at most
 * `CHECKED_FIELD_LIMIT` units of it (a longer text fails its rule either way); returns its end.
 */
function fieldIntoScratch(text: string, at: number): number {
  const length = Math.min(text.length, CHECKED_FIELD_LIMIT);
  const bytes = scratch.bytes;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    bytes[at + i] = c < 0x80 ? c : 0xff;
  }
  return at + length;
}

/**
 * Checks the values of a transaction whose fields have the right types (a decoded JSON message);
 * returns the reason it is not valid, or undefined.
 */
export function transactionProblem(row: Transaction): string | undefined {
  const { bytes, columns } = scratch;
  const ccEnd = fieldIntoScratch(row.cc_num, 0);
  if (!readCardNumber(bytes, 0, ccEnd, columns.card, 0)) return REASON.card;
  const genderEnd = fieldIntoScratch(row.gender, ccEnd);
  if (genderCode(bytes, ccEnd, genderEnd) < 0) return REASON.gender;
  const dobEnd = fieldIntoScratch(row.dob, genderEnd);
  if (calendarDay(bytes, genderEnd, dobEnd) === NOT_A_DAY) return REASON.dob;
  const transNumEnd = fieldIntoScratch(row.trans_num, dobEnd);
  if (!isLowerHex32(bytes, dobEnd, transNumEnd)) return REASON.transNum;
  const dateEnd = fieldIntoScratch(row.trans_date, transNumEnd);
  const day = calendarDay(bytes, transNumEnd, dateEnd);
  if (day === NOT_A_DAY) return REASON.date;
  const timeEnd = fieldIntoScratch(row.trans_time, dateEnd);
  const second = secondOfDay(bytes, dateEnd, timeEnd);
  if (second < 0) return REASON.time;
  const categoryEnd = fieldIntoScratch(row.category, timeEnd);
  if (categoryIndex(bytes, timeEnd, categoryEnd) < 0) return categoryReason(row.category);
  if (row.is_fraud !== 0 && row.is_fraud !== 1) return REASON.fraud;
  columns.transDate[0] = day;
  columns.transTime[0] = second;
  columns.lat[0] = row.lat;
  columns.long[0] = row.long;
  columns.cityPop[0] = row.city_pop;
  columns.unixTime[0] = row.unix_time;
  columns.amt[0] = row.amt;
  columns.merchLat[0] = row.merch_lat;
  columns.merchLong[0] = row.merch_long;
  return valuesProblem(columns, 0);
}
