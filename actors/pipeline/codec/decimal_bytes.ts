/**
 * Decimal numbers written as ASCII bytes straight into a buffer, without a string: the stream
 * generator's CSV rows and the consumer's score messages.
 *
 * @module
 */

/** `0` in ASCII. */
export const ZERO = 48;
const DOT = 46;
const MINUS = 45;

/** Two ASCII digits for 0..99. */
export const DIGIT_PAIRS = (() => {
  const pairs = new Uint8Array(200);
  for (let i = 0; i < 100; i++) {
    pairs[2 * i] = ZERO + Math.floor(i / 10);
    pairs[2 * i + 1] = ZERO + (i % 10);
  }
  return pairs;
})();

const SCRATCH = new Uint8Array(24);

/** Writes a non-negative integer below 2^53 in decimal; returns the next position. */
export function writeUnsigned(buf: Uint8Array, p: number, value: number): number {
  if (value < 10) {
    buf[p] = ZERO + value;
    return p + 1;
  }
  if (value < 100) {
    buf[p] = DIGIT_PAIRS[value << 1];
    buf[p + 1] = DIGIT_PAIRS[(value << 1) + 1];
    return p + 2;
  }
  let n = 0;
  if (value < 2147483648) {
    // 32-bit integer arithmetic for the common case (amounts, unix times until 2038).
    let v = value | 0;
    while (v >= 100) {
      const q = (v / 100) | 0;
      const r = (v - q * 100) << 1;
      SCRATCH[n++] = DIGIT_PAIRS[r + 1];
      SCRATCH[n++] = DIGIT_PAIRS[r];
      v = q;
    }
    if (v >= 10) {
      SCRATCH[n++] = DIGIT_PAIRS[(v << 1) + 1];
      SCRATCH[n++] = DIGIT_PAIRS[v << 1];
    } else {
      SCRATCH[n++] = ZERO + v;
    }
  } else {
    let v = value;
    while (v > 0) {
      const q = Math.floor(v / 10);
      SCRATCH[n++] = ZERO + (v - q * 10);
      v = q;
    }
  }
  while (n > 0) buf[p++] = SCRATCH[--n];
  return p;
}

/** Writes millionths as a decimal with exactly 6 decimals (e.g. `-81.178100`). */
export function writeMicro(buf: Uint8Array, p: number, micro: number): number {
  let v = micro;
  if (v < 0) {
    buf[p++] = MINUS;
    v = -v;
  }
  const whole = Math.floor(v / 1e6);
  const fraction = (v - whole * 1e6) | 0;
  p = writeUnsigned(buf, p, whole);
  const high = (fraction / 10000) | 0;
  const rest = fraction - high * 10000;
  const middle = (rest / 100) | 0;
  const low = rest - middle * 100;
  buf[p] = DOT;
  buf[p + 1] = DIGIT_PAIRS[high << 1];
  buf[p + 2] = DIGIT_PAIRS[(high << 1) + 1];
  buf[p + 3] = DIGIT_PAIRS[middle << 1];
  buf[p + 4] = DIGIT_PAIRS[(middle << 1) + 1];
  buf[p + 5] = DIGIT_PAIRS[low << 1];
  buf[p + 6] = DIGIT_PAIRS[(low << 1) + 1];
  return p + 7;
}
