/**
 * Numbers as the words of an alert show them: amounts with two decimals and whole numbers, both
 * with thousands separators, exactly as `Intl.NumberFormat("en-US")` writes them, in a tenth of
 * its time (a scoring worker formats a few numbers an alert; `Intl`'s `format` was a third of the
 * words' cost in `tests/model/reasons_bench.ts`). Values the fast path does not cover (not
 * finite, a trillion or more, written with an exponent, negative zero) go to `Intl`.
 *
 * @example
 * ```ts
 * moneyText(1234.5); // "1,234.50"
 * moneyText(1.005);  // "1.01" (rounded from the shortest digits of the value, as Intl)
 * wholeText(12345);  // "12,345"
 * ```
 *
 * @module
 */

const WHOLE = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const MONEY = new Intl.NumberFormat("en-US", {
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/** Largest magnitude the fast paths take: cents stay exact integers well below 2^53. */
const FAST_BELOW = 1e12;
const DIGIT_FIVE = 0x35;

/** The digits of a whole number from 0, with a comma every three. */
function grouped(n: number): string {
  const digits = String(n);
  const head = ((digits.length - 1) % 3) + 1;
  let out = digits.slice(0, head);
  for (let i = head; i < digits.length; i += 3) out += "," + digits.slice(i, i + 3);
  return out;
}

/**
 * An amount with two decimals: `Intl.NumberFormat("en-US", { minimumFractionDigits: 2,
 * maximumFractionDigits: 2 }).format(v)`. Like `Intl`, it rounds the value's shortest decimal
 * digits (`String(v)`) half away from zero, so 1.005 is "1.01" where `toFixed(2)` gives "1.00".
 */
export function moneyText(v: number): string {
  const abs = Math.abs(v);
  const digits = String(abs);
  if (!(abs < FAST_BELOW) || Object.is(v, -0) || digits.includes("e")) return MONEY.format(v);
  const point = digits.indexOf(".");
  let cents: number;
  if (point < 0) cents = abs * 100;
  else {
    const decimals = digits.slice(point + 1);
    cents = Number(digits.slice(0, point) + (decimals + "00").slice(0, 2));
    if (decimals.length > 2 && decimals.charCodeAt(2) >= DIGIT_FIVE) cents++;
  }
  const whole = Math.floor(cents / 100);
  const rest = cents - whole * 100;
  return (v < 0 ? "-" : "") + grouped(whole) + (rest < 10 ? ".0" : ".") + rest;
}

/**
 * A whole number: `Intl.NumberFormat("en-US", { maximumFractionDigits: 0 }).format(n)` for an
 * `n` that is already whole (round it first).
 */
export function wholeText(n: number): string {
  if (!Number.isInteger(n) || !(Math.abs(n) < FAST_BELOW) || Object.is(n, -0)) {
    return WHOLE.format(n);
  }
  return n < 0 ? "-" + grouped(-n) : grouped(n);
}
