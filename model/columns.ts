/**
 * A batch of transactions as typed columns: the form every stage of the streaming path passes on
 * (CSV bytes -> columns -> Arrow message -> column views -> feature matrix), so no stage makes an
 * object or a string per field per row. Numbers are parsed once; the card number is an unsigned
 * 64-bit integer (two 32-bit words, as Arrow's `uint64` lays it out); dates are day numbers and
 * times seconds of the day; text the pipeline does not read (names, street, job, merchant...) stays
 * UTF-8 bytes, decoded only for an alert or a dead letter.
 *
 * A column batch may be a view over someone else's buffers (an Arrow message body, a CSV chunk):
 * treat it as read-only unless you allocated it.
 *
 * @example
 * ```ts
 * const columns = transactionsToColumns(rows);
 * columns.amt[0];                 // the first row's amount
 * textAt(columns, "merchant", 0); // its merchant, decoded
 * cardNumber(columns, 0);         // its card number, as the digits
 * ```
 *
 * @module
 */

import { CATEGORIES, type Category, type Transaction } from "./schema.ts";
import { civilFromDays, daysFromCivil } from "./time.ts";

/** Text columns, in file order: kept as UTF-8 bytes. */
export const TEXT_COLUMNS = [
  "ssn",
  "first",
  "last",
  "street",
  "city",
  "state",
  "zip",
  "job",
  "acct_num",
  "profile",
  "trans_num",
  "merchant",
] as const;

/** The name of a text column. */
export type TextColumnName = typeof TEXT_COLUMNS[number];

/** A text column: row `i` is the UTF-8 text `bytes[start[i], end[i])`. */
export interface TextColumn {
  bytes: Uint8Array;
  start: Int32Array;
  end: Int32Array;
}

/** Transactions as columns; every array holds `length` rows (`card` two words a row). */
export interface TransactionColumns {
  length: number;
  /** Card number: row `i`'s low 32 bits at `2i`, high 32 bits at `2i + 1`. */
  card: Uint32Array;
  /** 0 for F, 1 for M. */
  gender: Uint8Array;
  lat: Float64Array;
  long: Float64Array;
  cityPop: Float64Array;
  /** Date of birth, days since 1970-01-01. */
  dob: Int32Array;
  /** `trans_date`, days since 1970-01-01. */
  transDate: Int32Array;
  /** `trans_time`, seconds since midnight. */
  transTime: Int32Array;
  unixTime: Float64Array;
  /** Index in `CATEGORIES`. */
  category: Uint8Array;
  amt: Float64Array;
  /** 0 or 1. */
  isFraud: Uint8Array;
  merchLat: Float64Array;
  merchLong: Float64Array;
  text: Record<TextColumnName, TextColumn>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const TWO_POW_32 = 2 ** 32;

/** Empty columns for `length` rows; text columns share no bytes yet (`bytes` is empty). */
export function allocateColumns(length: number): TransactionColumns {
  const text = {} as Record<TextColumnName, TextColumn>;
  for (const name of TEXT_COLUMNS) {
    text[name] = {
      bytes: new Uint8Array(0),
      start: new Int32Array(length),
      end: new Int32Array(length),
    };
  }
  return { ...allocateNumbers(length), text };
}

/** The columns other than text, empty, for `length` rows. */
export function allocateNumbers(length: number): Omit<TransactionColumns, "text"> {
  return {
    length,
    card: new Uint32Array(2 * length),
    gender: new Uint8Array(length),
    lat: new Float64Array(length),
    long: new Float64Array(length),
    cityPop: new Float64Array(length),
    dob: new Int32Array(length),
    transDate: new Int32Array(length),
    transTime: new Int32Array(length),
    unixTime: new Float64Array(length),
    category: new Uint8Array(length),
    amt: new Float64Array(length),
    isFraud: new Uint8Array(length),
    merchLat: new Float64Array(length),
    merchLong: new Float64Array(length),
  };
}

/** The text of column `name` in row `i`. */
export function textAt(columns: TransactionColumns, name: TextColumnName, i: number): string {
  const column = columns.text[name];
  return decoder.decode(column.bytes.subarray(column.start[i], column.end[i]));
}

/** The text of column `name` in every row, in row order. */
export function textsOf(columns: TransactionColumns, name: TextColumnName): string[] {
  return Array.from({ length: columns.length }, (_, i) => textAt(columns, name, i));
}

/** The card number of row `i` as its decimal digits. */
export function cardNumber(columns: TransactionColumns, i: number): string {
  const low = columns.card[2 * i];
  const high = columns.card[2 * i + 1];
  if (high < 0x200000) return String(high * TWO_POW_32 + low); // below 2^53: exact as a double
  return ((BigInt(high) << 32n) | BigInt(low)).toString();
}

/**
 * The two 32-bit words of a card number given as 12 to 19 decimal digits (low word first);
 * undefined when it is not such a number or does not fit 64 bits.
 */
export function cardWords(digits: string): [number, number] | undefined {
  if (!/^[1-9][0-9]{11,18}$/.test(digits)) return undefined;
  const value = BigInt(digits);
  if (value >= 1n << 64n) return undefined;
  return [Number(value & 0xffffffffn), Number(value >> 32n)];
}

/** `YYYY-MM-DD` of a day number. */
export function dateText(day: number): string {
  const [year, month, date] = civilFromDays(day);
  return `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(date)}`;
}

/** `HH:MM:SS` of a second of the day. */
export function timeText(second: number): string {
  return `${pad2(Math.floor(second / 3600))}:${pad2(Math.floor(second / 60) % 60)}:${
    pad2(second % 60)
  }`;
}

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

/** The fields of a transaction that its alert shows. */
export type AlertFields = Pick<
  Transaction,
  | "trans_num"
  | "cc_num"
  | "amt"
  | "category"
  | "merchant"
  | "trans_date"
  | "trans_time"
  | "unix_time"
>;

/**
 * The fields of row `i` that its alert shows: two texts decoded instead of the dozen of
 * `transactionAt` (names, street and job are never read for an alert).
 */
export function alertFieldsAt(columns: TransactionColumns, i: number): AlertFields {
  return {
    trans_num: textAt(columns, "trans_num", i),
    cc_num: cardNumber(columns, i),
    amt: columns.amt[i],
    category: CATEGORIES[columns.category[i]] as Category,
    merchant: textAt(columns, "merchant", i),
    trans_date: dateText(columns.transDate[i]),
    trans_time: timeText(columns.transTime[i]),
    unix_time: columns.unixTime[i],
  };
}

/** Row `i` as a transaction object (for a dead letter, or the JSON wire format). */
export function transactionAt(columns: TransactionColumns, i: number): Transaction {
  return {
    ssn: textAt(columns, "ssn", i),
    cc_num: cardNumber(columns, i),
    first: textAt(columns, "first", i),
    last: textAt(columns, "last", i),
    gender: columns.gender[i] === 1 ? "M" : "F",
    street: textAt(columns, "street", i),
    city: textAt(columns, "city", i),
    state: textAt(columns, "state", i),
    zip: textAt(columns, "zip", i),
    lat: columns.lat[i],
    long: columns.long[i],
    city_pop: columns.cityPop[i],
    job: textAt(columns, "job", i),
    dob: dateText(columns.dob[i]),
    acct_num: textAt(columns, "acct_num", i),
    profile: textAt(columns, "profile", i),
    trans_num: textAt(columns, "trans_num", i),
    trans_date: dateText(columns.transDate[i]),
    trans_time: timeText(columns.transTime[i]),
    unix_time: columns.unixTime[i],
    category: CATEGORIES[columns.category[i]] as Category,
    amt: columns.amt[i],
    is_fraud: columns.isFraud[i] === 1 ? 1 : 0,
    merchant: textAt(columns, "merchant", i),
    merch_lat: columns.merchLat[i],
    merch_long: columns.merchLong[i],
  };
}

/**
 * Transactions (already validated: see `row_validator.ts`) as columns; the text of each column
 * in one buffer.
 *
 * @throws {RangeError} a row whose card number, date, time or category is not valid.
 */
export function transactionsToColumns(rows: readonly Transaction[]): TransactionColumns {
  const columns = allocateColumns(rows.length);
  for (const name of TEXT_COLUMNS) {
    const { bytes, offsets } = utf8Column(rows.map((row) => row[name]));
    const column = columns.text[name];
    column.bytes = bytes;
    column.start = offsets.subarray(0, rows.length);
    column.end = offsets.subarray(1);
  }
  rows.forEach((row, i) => {
    const words = cardWords(row.cc_num);
    const category = CATEGORY_INDEX.get(row.category);
    const dob = dayOfText(row.dob);
    const day = dayOfText(row.trans_date);
    const second = secondOfText(row.trans_time);
    if (!words || category === undefined || dob === undefined || day === undefined) {
      throw new RangeError(`transaction ${row.trans_num} is not valid`);
    }
    if (second === undefined) throw new RangeError(`transaction ${row.trans_num} is not valid`);
    columns.card[2 * i] = words[0];
    columns.card[2 * i + 1] = words[1];
    columns.gender[i] = row.gender === "M" ? 1 : 0;
    columns.lat[i] = row.lat;
    columns.long[i] = row.long;
    columns.cityPop[i] = row.city_pop;
    columns.dob[i] = dob;
    columns.transDate[i] = day;
    columns.transTime[i] = second;
    columns.unixTime[i] = row.unix_time;
    columns.category[i] = category;
    columns.amt[i] = row.amt;
    columns.isFraud[i] = row.is_fraud;
    columns.merchLat[i] = row.merch_lat;
    columns.merchLong[i] = row.merch_long;
  });
  return columns;
}

const CATEGORY_INDEX = new Map<string, number>(CATEGORIES.map((c, i) => [c, i]));

function dayOfText(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return match ? daysFromCivil(+match[1], +match[2], +match[3]) : undefined;
}

function secondOfText(text: string): number | undefined {
  const match = /^(\d{2}):(\d{2}):(\d{2})$/.exec(text);
  return match ? +match[1] * 3600 + +match[2] * 60 + +match[3] : undefined;
}

/** Strings as one UTF-8 buffer and `length + 1` offsets. */
function utf8Column(values: string[]): { bytes: Uint8Array; offsets: Int32Array } {
  const offsets = new Int32Array(values.length + 1);
  let capacity = 0;
  for (const value of values) capacity += value.length * 3;
  const bytes = new Uint8Array(capacity);
  let at = 0;
  values.forEach((value, i) => {
    at += encoder.encodeInto(value, bytes.subarray(at)).written;
    offsets[i + 1] = at;
  });
  return { bytes: bytes.subarray(0, at), offsets };
}
