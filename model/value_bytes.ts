/**
 * Readers of the values of a Sparkov row from its UTF-8 bytes, one per kind of field: plain
 * decimals, whole numbers, calendar dates, times of day, card numbers, lowercase hexadecimal,
 * categories and codes. Each reads `bytes[start, end)` in one pass with integer arithmetic (no
 * string, no regular expression, no `Date`) and says when the field is not of its form. They are
 * the row validator's (`row_validator.ts`) only readers of text, whichever way a row comes in.
 *
 * @module
 */

import { CATEGORIES } from "./schema.ts";
import { daysFromCivil } from "./time.ts";

/** What `calendarDay` returns for a field that is not a real date (no valid day is this low). */
export const NOT_A_DAY = -0x80000000;
/** Day number of 0001-01-01, the first day a date field may name. */
export const FIRST_DAY: number = daysFromCivil(1, 1, 1);
/** Day number of 9999-12-31, the last day a date field may name. */
export const LAST_DAY: number = daysFromCivil(9999, 12, 31);

const ZERO = 0x30;
const NINE = 0x39;
const DASH = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const LOWER_A = 0x61;
const LOWER_F = 0x66;
const M = 0x4d;
const F = 0x46;
const TWO_POW_16 = 2 ** 16;
const TWO_POW_MINUS_16 = 2 ** -16;
const TWO_POW_32 = 2 ** 32;
const TWO_POW_MINUS_32 = 2 ** -32;
/** Days of each month of a common year, January first. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Exact powers of ten. */
const POW10 = Array.from({ length: 16 }, (_, k) => 10 ** k);
/** 1 for the bytes of `0`-`9` and `a`-`f`, 0 for any other byte. */
const LOWER_HEX = new Uint8Array(256);
for (let c = ZERO; c <= NINE; c++) LOWER_HEX[c] = 1;
for (let c = LOWER_A; c <= LOWER_F; c++) LOWER_HEX[c] = 1;
/** Each category's name as bytes, by index. */
const CATEGORY_BYTES = CATEGORIES.map((name) => new TextEncoder().encode(name));

/** Where a category name of `length` bytes from `first` to `last` would be in `CATEGORY_SLOTS`. */
function categorySlot(length: number, first: number, last: number): number {
  return (length * 3 + first + last * 21) & 31;
}

/** The category index of each slot (a name's length, first and last byte pick it), or -1. */
const CATEGORY_SLOTS = new Int8Array(32).fill(-1);
CATEGORY_BYTES.forEach((name, k) => {
  const slot = categorySlot(name.length, name[0], name[name.length - 1]);
  if (CATEGORY_SLOTS[slot] >= 0) {
    throw new Error(`categories ${k} and ${CATEGORY_SLOTS[slot]} collide`);
  }
  CATEGORY_SLOTS[slot] = k;
});

/** Whether `bytes[start, end)` is one or more ASCII digits. */
export function isDigits(bytes: Uint8Array, start: number, end: number): boolean {
  if (start >= end) return false;
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c < ZERO || c > NINE) return false;
  }
  return true;
}

/** `bytes[start, end)` as a number when it is ASCII digits alone; NaN otherwise. */
export function wholeNumber(bytes: Uint8Array, start: number, end: number): number {
  return isDigits(bytes, start, end) ? plainDecimal(bytes, start, end, false) : Number.NaN;
}

/**
 * `bytes[start, end)` as a number when it is a plain decimal (`-` first only if `signed`, digits,
 * at most one `.` between digits); NaN otherwise. Read exactly as `Number` reads it: up to 15
 * digits form an exact integer and the power of ten is exact, so the one division rounds once,
 * correctly; longer ones (rare) are left to `Number`, the form being known.
 */
export function plainDecimal(
  bytes: Uint8Array,
  start: number,
  end: number,
  signed: boolean,
): number {
  let i = start;
  const negative = signed && i < end && bytes[i] === DASH;
  if (negative) i++;
  let mantissa = 0;
  let count = 0;
  let fraction = -1;
  for (; i < end; i++) {
    const c = bytes[i];
    if (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
      count++;
      if (fraction >= 0) fraction++;
    } else if (c === DOT && fraction < 0 && count > 0) fraction = 0;
    else return Number.NaN;
  }
  if (count === 0 || fraction === 0) return Number.NaN;
  if (count > 15) return Number(String.fromCharCode(...bytes.subarray(start, end)));
  const value = fraction > 0 ? mantissa / POW10[fraction] : mantissa;
  return negative ? -value : value;
}

/** The two ASCII digits at `at` as a number, or -1. */
function twoDigits(bytes: Uint8Array, at: number): number {
  const a = bytes[at] - ZERO;
  const b = bytes[at + 1] - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * `bytes[start, end)` as a day number (days since 1970-01-01) when it is `YYYY-MM-DD` naming a
 * real day of the proleptic Gregorian calendar from 0001-01-01 to 9999-12-31; `NOT_A_DAY`
 * otherwise.
 */
export function calendarDay(bytes: Uint8Array, start: number, end: number): number {
  if (end - start !== 10 || bytes[start + 4] !== DASH || bytes[start + 7] !== DASH) {
    return NOT_A_DAY;
  }
  const high = twoDigits(bytes, start);
  const low = twoDigits(bytes, start + 2);
  const month = twoDigits(bytes, start + 5);
  const day = twoDigits(bytes, start + 8);
  if (high < 0 || low < 0 || month < 1 || month > 12 || day < 1) return NOT_A_DAY;
  const year = high * 100 + low;
  if (year === 0) return NOT_A_DAY;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const last = month === 2 && leap ? 29 : MONTH_DAYS[month - 1];
  return day <= last ? daysFromCivil(year, month, day) : NOT_A_DAY;
}

/** `bytes[start, end)` as seconds since midnight when it is `HH:MM:SS` of a day; -1 otherwise. */
export function secondOfDay(bytes: Uint8Array, start: number, end: number): number {
  if (end - start !== 8 || bytes[start + 2] !== COLON || bytes[start + 5] !== COLON) return -1;
  const hour = twoDigits(bytes, start);
  const minute = twoDigits(bytes, start + 3);
  const second = twoDigits(bytes, start + 6);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return -1;
  return hour * 3600 + minute * 60 + second;
}

/** Whether `bytes[start, end)` is 32 lowercase hexadecimal digits. */
export function isLowerHex32(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start !== 32) return false;
  // A table and no early exit: the digits of a valid id are random, a branch per digit is not.
  let valid = 1;
  for (let i = start; i < end; i++) valid &= LOWER_HEX[bytes[i]];
  return valid === 1;
}

/**
 * The value of a lowercase hexadecimal digit's byte `c`, one already checked (`isLowerHex32`):
 * other bytes give meaningless values. Without a branch: on random ids a branch on digit or
 * letter is mispredicted half the time, which made the seen-ids window three times slower.
 *
 * @example
 * ```ts
 * lowerHexValue(0x37); // 7 ("7")
 * lowerHexValue(0x63); // 12 ("c")
 * ```
 */
export function lowerHexValue(c: number): number {
  // "0"-"9" are 0x30-0x39 (bit 6 clear), "a"-"f" 0x61-0x66: low nibble 1-6, plus 9.
  return (c & 0xf) + 9 * (c >> 6);
}

/**
 * Reads a card number, 12 to 19 ASCII digits of which the first is not 0, into the two 32-bit
 * words of its unsigned 64-bit value (`card[at]` the low word, `card[at + 1]` the high word; 19
 * digits always fit 64 bits); false, leaving the words undefined, when it is not such a number.
 *
 * @example
 * ```ts
 * const card = new Uint32Array(2);
 * readCardNumber(new TextEncoder().encode("4294967296000"), 0, 13, card, 0); // true
 * // 4,294,967,296,000 = 1000 * 2^32: card[0] === 0, card[1] === 1000
 * ```
 */
export function readCardNumber(
  bytes: Uint8Array,
  start: number,
  end: number,
  card: Uint32Array,
  at: number,
): boolean {
  const length = end - start;
  if (length < 12 || length > 19 || bytes[start] === ZERO) return false;
  // The value is head * 10^8 + tail: the last 8 digits in a small integer, the 4 to 11 before
  // them in a double (below 10^11, exact). One split per number instead of a 64-bit step per
  // digit past the 15th measured 2.6 times as fast.
  const split = end - 8;
  let head = 0;
  for (let i = start; i < split; i++) {
    const d = bytes[i] - ZERO;
    if (d < 0 || d > 9) return false;
    head = head * 10 + d;
  }
  let tail = 0;
  for (let i = split; i < end; i++) {
    const d = bytes[i] - ZERO;
    if (d < 0 || d > 9) return false;
    tail = tail * 10 + d;
  }
  // head = upper * 2^16 + lower, so head * 10^8 + tail = upper * 10^8 * 2^16 + (lower * 10^8 +
  // tail): below 2^48 and 2^43 before the shift, each exact in a double.
  const upper = Math.floor(head * TWO_POW_MINUS_16);
  const lower = head - upper * TWO_POW_16;
  const shifted = upper * 1e8;
  const shiftedHigh = Math.floor(shifted * TWO_POW_MINUS_16);
  const rest = lower * 1e8 + tail;
  const restHigh = Math.floor(rest * TWO_POW_MINUS_32);
  // Both low parts are below 2^32: their sum carries at most 1 into the high word.
  const low = rest - restHigh * TWO_POW_32 + (shifted - shiftedHigh * TWO_POW_16) * TWO_POW_16;
  const carry = low >= TWO_POW_32 ? 1 : 0;
  card[at] = low - carry * TWO_POW_32;
  card[at + 1] = shiftedHigh + restHigh + carry;
  return true;
}

/** The index in `CATEGORIES` of the name `bytes[start, end)`, or -1. */
export function categoryIndex(bytes: Uint8Array, start: number, end: number): number {
  const length = end - start;
  const k = CATEGORY_SLOTS[categorySlot(length, bytes[start], bytes[end - 1])];
  if (k < 0) return -1;
  const name = CATEGORY_BYTES[k];
  if (name.length !== length) return -1;
  for (let i = 0; i < length; i++) if (bytes[start + i] !== name[i]) return -1;
  return k;
}

/** 1 for `M`, 0 for `F`, -1 for anything else in `bytes[start, end)`. */
export function genderCode(bytes: Uint8Array, start: number, end: number): number {
  if (end - start !== 1) return -1;
  return bytes[start] === M ? 1 : bytes[start] === F ? 0 : -1;
}

/** 0 or 1 for the digit `0` or `1` alone in `bytes[start, end)`, -1 for anything else. */
export function bitCode(bytes: Uint8Array, start: number, end: number): number {
  if (end - start !== 1) return -1;
  const c = bytes[start] - ZERO;
  return c === 0 || c === 1 ? c : -1;
}
