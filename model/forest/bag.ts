/**
 * The in-bag rows of a tree: the bootstrap draw (Poisson(1) counts per row, packed with the label
 * in one byte beside each row), and the stable partition that keeps a node's rows contiguous.
 *
 * @module
 */

/** Poisson(1) counts for a 16-bit uniform draw (probabilities to 1/65,536, at most 8). */
const POISSON_TABLE = (() => {
  const cdf = [0.36787944, 0.73575888, 0.9196986, 0.98101184, 0.99634015, 0.99940582, 0.99991676];
  const table = new Uint8Array(65_536);
  for (let u = 0; u < table.length; u++) {
    const x = (u + 0.5) / table.length;
    let c = 0;
    while (c < cdf.length && x > cdf[c]) c++;
    table[u] = c;
  }
  return table;
})();

/** In-bag rows and their packed `count << 1 | label`, with spare space for partitions. */
export interface Bag {
  rows: Uint32Array;
  code: Uint8Array;
  spareRows: Uint32Array;
  spareCode: Uint8Array;
}

// Row buffers are reused from tree to tree: a thread grows one tree at a time.
let reusable: Bag | undefined;

export function bagBuffers(n: number): Bag {
  if (!reusable || reusable.rows.length < n || reusable.rows.length > 2 * n + 1024) {
    reusable = {
      rows: new Uint32Array(n),
      code: new Uint8Array(n),
      spareRows: new Uint32Array(n),
      spareCode: new Uint8Array(n),
    };
  }
  return reusable;
}

/**
 * Draws the bootstrap of the `n` rows of `data` (every row once without `bootstrap`): the in-bag
 * rows in order, with their counts and labels packed; their number and class counts.
 */
export function drawBag(
  data: { n: number; label: Uint8Array },
  bootstrap: boolean,
  next: () => number,
  bag: Bag,
): { inBag: number; neg: number; pos: number } {
  const { rows, code } = bag;
  const label = data.label;
  const n = data.n;
  let k = 0, neg = 0, pos = 0;
  if (!bootstrap) {
    for (let i = 0; i < n; i++) {
      const l = label[i];
      rows[i] = i;
      code[i] = 2 | l;
      pos += l;
    }
    return { inBag: n, neg: n - pos, pos };
  }
  for (let i = 0; i < n; i += 2) {
    const u = next();
    const c0 = POISSON_TABLE[u & 0xffff];
    const l0 = label[i];
    rows[k] = i;
    code[k] = (c0 << 1) | l0;
    k += c0 !== 0 ? 1 : 0;
    pos += c0 * l0;
    neg += c0 * (1 - l0);
    if (i + 1 < n) {
      const c1 = POISSON_TABLE[u >>> 16];
      const l1 = label[i + 1];
      rows[k] = i + 1;
      code[k] = (c1 << 1) | l1;
      k += c1 !== 0 ? 1 : 0;
      pos += c1 * l1;
      neg += c1 * (1 - l1);
    }
  }
  return { inBag: k, neg, pos };
}

/**
 * Stable partition of `[start, end)`: rows whose bin has its bit set in `leftBins` first; returns
 * the boundary. Branch-free: each row is written to both sides and only one cursor moves.
 */
export function partition(
  column: Uint8Array,
  leftBins: number,
  bag: Bag,
  start: number,
  end: number,
): number {
  const { rows, code, spareRows, spareCode } = bag;
  let l = start, r = 0;
  for (let k = start; k < end; k++) {
    const row = rows[k];
    const c = code[k];
    const left = (leftBins >>> column[row]) & 1;
    rows[l] = row;
    code[l] = c;
    spareRows[r] = row;
    spareCode[r] = c;
    l += left;
    r += 1 - left;
  }
  rows.set(spareRows.subarray(0, r), l);
  code.set(spareCode.subarray(0, r), l);
  return l;
}
