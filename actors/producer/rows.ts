/**
 * One line of a Sparkov-format CSV file into a validated transaction, or the reason it is not one.
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
