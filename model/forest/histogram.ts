/**
 * Class histograms of a node's rows: instances per bin and class, counted in integers for a
 * subset of features, three features per pass over the rows (one load of a row and its packed
 * count and label serves all of them).
 *
 * @module
 */

import type { Bag } from "./bag.ts";

/**
 * Counts `hist[s * slots + 2 * bin + label] += count` over the rows `[start, end)` of `bag`, for
 * the columns of the first `m` features of `features` (s is the feature's place there).
 */
export function countHistograms(
  hist: Int32Array,
  slots: number,
  columns: Uint8Array[],
  features: Int32Array,
  m: number,
  bag: Bag,
  range: { start: number; end: number },
): void {
  const { start, end } = range;
  hist.fill(0);
  let s = 0;
  for (; s + 3 <= m; s += 3) {
    const [a, b, c] = [columns[features[s]], columns[features[s + 1]], columns[features[s + 2]]];
    histogram3(hist, s * slots, slots, a, b, c, bag, start, end);
  }
  if (m - s === 2) {
    const [a, b] = [columns[features[s]], columns[features[s + 1]]];
    histogram2(hist, s * slots, slots, a, b, bag, start, end);
  } else if (m - s === 1) {
    histogram1(hist, s * slots, columns[features[s]], bag.rows, bag.code, start, end);
  }
}

// Histogram passes over a node's rows: `hist[base + 2 * bin + label] += count`, for one, two or
// three features at once (one load of the row and its code serves all of them).
function histogram1(
  hist: Int32Array,
  base: number,
  a: Uint8Array,
  rows: Uint32Array,
  code: Uint8Array,
  start: number,
  end: number,
): void {
  for (let k = start; k < end; k++) {
    const c = code[k];
    hist[base + ((a[rows[k]] << 1) | (c & 1))] += c >> 1;
  }
}

function histogram2(
  hist: Int32Array,
  base: number,
  slots: number,
  a: Uint8Array,
  b: Uint8Array,
  bag: Bag,
  start: number,
  end: number,
): void {
  const { rows, code } = bag;
  const ba = base, bb = base + slots;
  for (let k = start; k < end; k++) {
    const r = rows[k];
    const c = code[k];
    const l = c & 1;
    const w = c >> 1;
    hist[ba + ((a[r] << 1) | l)] += w;
    hist[bb + ((b[r] << 1) | l)] += w;
  }
}

function histogram3(
  hist: Int32Array,
  base: number,
  slots: number,
  a: Uint8Array,
  b: Uint8Array,
  c3: Uint8Array,
  bag: Bag,
  start: number,
  end: number,
): void {
  const { rows, code } = bag;
  const ba = base, bb = base + slots, bc = base + 2 * slots;
  for (let k = start; k < end; k++) {
    const r = rows[k];
    const c = code[k];
    const l = c & 1;
    const w = c >> 1;
    hist[ba + ((a[r] << 1) | l)] += w;
    hist[bb + ((b[r] << 1) | l)] += w;
    hist[bc + ((c3[r] << 1) | l)] += w;
  }
}
