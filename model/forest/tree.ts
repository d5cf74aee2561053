/**
 * Grows one decision tree of a Random Forest on binned, columnar data: bootstrap (Poisson(1)
 * counts per row), class weights, a random subset of features per node, Gini gain from weighted
 * histograms, and categorical splits that order the categories by their fraud share as Spark does
 * for binary labels.
 *
 * The in-bag rows of a node are kept contiguous (a stable partition after each split) with their
 * bootstrap count and label packed in one byte beside them; histograms count instances per bin
 * and class in integers, three features per pass over the rows, and class weights are applied to
 * the 32-bin sums only. Children that will not be split again are not partitioned.
 *
 * @module
 */

import type { FeatureBins } from "./binning.ts";

/** Training data: one byte per value, column by column. */
export interface BinnedData {
  /** Rows. */
  n: number;
  /** One column per feature, `n` bins each. */
  columns: Uint8Array[];
  /** 0/1 label per row. */
  label: Uint8Array;
  bins: FeatureBins[];
}

/** Settings of one tree. */
export interface TreeParams {
  maxDepth: number;
  minInstancesPerNode: number;
  /** Features considered at each node. */
  featuresPerNode: number;
  /** Weight of each class, [legit, fraud]. */
  classWeights: [number, number];
  /** Draw a bootstrap sample (Poisson(1) counts); otherwise every row once. */
  bootstrap: boolean;
  /** Smallest Gini gain that makes a split. */
  minInfoGain: number;
}

/** A grown tree, as parallel arrays indexed by node (node 0 is the root). */
export interface Tree {
  /** Split feature, or -1 for a leaf. */
  feature: Int16Array;
  /** Numeric split: go left when value <= threshold (NaN for categorical splits). */
  threshold: Float32Array;
  /** Categorical split: categories that go left, as bits. */
  categoriesLeft: Uint32Array;
  left: Int32Array;
  right: Int32Array;
  /** Weighted fraud share of the node's rows (the leaf's probability). */
  value: Float32Array;
  /** Gini gain of the split times the node's weight (for feature importance). */
  gain: Float32Array;
}

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

/** Largest number of rows a tree can be grown on (instance counts are 32-bit integers). */
export const MAX_TREE_ROWS = 2 ** 28 - 1;

class TreeBuilder {
  feature: number[] = [];
  threshold: number[] = [];
  categoriesLeft: number[] = [];
  left: number[] = [];
  right: number[] = [];
  value: number[] = [];
  gain: number[] = [];

  add(value: number): number {
    this.feature.push(-1);
    this.threshold.push(Number.NaN);
    this.categoriesLeft.push(0);
    this.left.push(-1);
    this.right.push(-1);
    this.value.push(value);
    this.gain.push(0);
    return this.feature.length - 1;
  }

  finish(): Tree {
    return {
      feature: Int16Array.from(this.feature),
      threshold: Float32Array.from(this.threshold),
      categoriesLeft: Uint32Array.from(this.categoriesLeft),
      left: Int32Array.from(this.left),
      right: Int32Array.from(this.right),
      value: Float32Array.from(this.value),
      gain: Float32Array.from(this.gain),
    };
  }
}

function gini(neg: number, pos: number): number {
  const total = neg + pos;
  if (total <= 0) return 0;
  const p = pos / total;
  return 2 * p * (1 - p);
}

/** mulberry32: the tree's random stream, as 32-bit integers. */
function randomStream(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** In-bag rows and their packed `count << 1 | label`, with spare space for partitions. */
interface Bag {
  rows: Uint32Array;
  code: Uint8Array;
  spareRows: Uint32Array;
  spareCode: Uint8Array;
}

// Row buffers are reused from tree to tree: a thread grows one tree at a time.
let reusable: Bag | undefined;

function bagBuffers(n: number): Bag {
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

/** Draws the bootstrap: the in-bag rows in order, with their counts and labels packed. */
function drawBag(
  data: BinnedData,
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

/**
 * Stable partition of `[start, end)`: rows whose bin has its bit set in `leftBins` first; returns
 * the boundary. Branch-free: each row is written to both sides and only one cursor moves.
 */
function partition(
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

interface Task {
  node: number;
  start: number;
  end: number;
  depth: number;
  /** Instances (bootstrap counts) of each class. */
  neg: number;
  pos: number;
}

/** Grows one tree; the same data, parameters and seed always give the same tree. */
export function growTree(data: BinnedData, params: TreeParams, seed: number): Tree {
  if (data.n > MAX_TREE_ROWS) {
    throw new RangeError(`a tree grows on at most ${MAX_TREE_ROWS} rows, not ${data.n}`);
  }
  const next = randomStream(seed);
  const bag = bagBuffers(data.n);
  const { inBag, neg, pos } = drawBag(data, params.bootstrap, next, bag);
  const [w0, w1] = params.classWeights;
  const featureCount = data.columns.length;
  const columns = data.columns;
  const slots = 2 * Math.max(...data.bins.map((b) => b.count));
  const m = Math.min(params.featuresPerNode, featureCount);
  const hist = new Int32Array(m * slots);
  const features = Int32Array.from({ length: featureCount }, (_, f) => f);
  const order = new Int32Array(slots);
  const shares = new Float64Array(slots);
  const minInstances = params.minInstancesPerNode;
  const expandable = (depth: number, n0: number, n1: number) =>
    depth < params.maxDepth && n0 > 0 && n1 > 0 && n0 + n1 >= 2 * minInstances;
  const share = (n0: number, n1: number) => (n1 * w1) / (n0 * w0 + n1 * w1 || 1);

  const tree = new TreeBuilder();
  const root = tree.add(share(neg, pos));
  const stack: Task[] = [];
  if (expandable(0, neg, pos)) stack.push({ node: root, start: 0, end: inBag, depth: 0, neg, pos });

  while (stack.length > 0) {
    const task = stack.pop()!;
    // A fresh random subset of features for this node (partial Fisher-Yates shuffle).
    for (let i = 0; i < m; i++) {
      const j = i + Math.floor((next() / 4294967296) * (featureCount - i));
      const swap = features[i];
      features[i] = features[j];
      features[j] = swap;
    }
    hist.fill(0);
    let s = 0;
    for (; s + 3 <= m; s += 3) {
      const [a, b, c] = [columns[features[s]], columns[features[s + 1]], columns[features[s + 2]]];
      histogram3(hist, s * slots, slots, a, b, c, bag, task.start, task.end);
    }
    if (m - s === 2) {
      const [a, b] = [columns[features[s]], columns[features[s + 1]]];
      histogram2(hist, s * slots, slots, a, b, bag, task.start, task.end);
    } else if (m - s === 1) {
      histogram1(hist, s * slots, columns[features[s]], bag.rows, bag.code, task.start, task.end);
    }

    const totalNeg = task.neg * w0;
    const totalPos = task.pos * w1;
    const total = totalNeg + totalPos;
    const instances = task.neg + task.pos;
    const parentGini = gini(totalNeg, totalPos);
    let bestGain = params.minInfoGain;
    let bestFeature = -1, bestBin = 0, bestMask = 0, bestLeftNeg = 0, bestLeftPos = 0;
    for (let s = 0; s < m; s++) {
      const f = features[s];
      const bins = data.bins[f];
      const base = s * slots;
      let used = 0;
      if (bins.kind === "categorical") {
        for (let b = 0; b < bins.count; b++) {
          const n0 = hist[base + 2 * b], n1 = hist[base + 2 * b + 1];
          if (n0 + n1 === 0) continue;
          order[used++] = b;
          shares[b] = share(n0, n1);
        }
        // Categories by fraud share (ties: lower category first), as Spark orders them.
        for (let i = 1; i < used; i++) {
          const b = order[i];
          let j = i - 1;
          while (
            j >= 0 &&
            (shares[order[j]] > shares[b] || (shares[order[j]] === shares[b] && order[j] > b))
          ) {
            order[j + 1] = order[j];
            j--;
          }
          order[j + 1] = b;
        }
      } else {
        for (let b = 0; b < bins.count; b++) order[used++] = b;
      }
      let leftNeg = 0, leftPos = 0, mask = 0;
      for (let i = 0; i + 1 < used; i++) {
        const b = order[i];
        leftNeg += hist[base + 2 * b];
        leftPos += hist[base + 2 * b + 1];
        mask |= 1 << b;
        const leftCount = leftNeg + leftPos;
        if (leftCount < minInstances || instances - leftCount < minInstances) continue;
        const ln = leftNeg * w0, lp = leftPos * w1;
        const leftWeight = ln + lp;
        const rightWeight = total - leftWeight;
        if (leftWeight <= 0 || rightWeight <= 0) continue;
        const gain = parentGini -
          (leftWeight / total) * gini(ln, lp) -
          (rightWeight / total) * gini(totalNeg - ln, totalPos - lp);
        if (gain > bestGain) {
          bestGain = gain;
          bestFeature = f;
          bestBin = b;
          bestMask = mask;
          bestLeftNeg = leftNeg;
          bestLeftPos = leftPos;
        }
      }
    }
    if (bestFeature < 0) continue;

    const node = task.node;
    const categorical = data.bins[bestFeature].kind === "categorical";
    tree.feature[node] = bestFeature;
    tree.gain[node] = bestGain * total;
    if (categorical) tree.categoriesLeft[node] = bestMask;
    else tree.threshold[node] = data.bins[bestFeature].edges[bestBin];
    const rightNeg = task.neg - bestLeftNeg;
    const rightPos = task.pos - bestLeftPos;
    const leftNode = tree.add(share(bestLeftNeg, bestLeftPos));
    const rightNode = tree.add(share(rightNeg, rightPos));
    tree.left[node] = leftNode;
    tree.right[node] = rightNode;
    const depth = task.depth + 1;
    const expandLeft = expandable(depth, bestLeftNeg, bestLeftPos);
    const expandRight = expandable(depth, rightNeg, rightPos);
    if (!expandLeft && !expandRight) continue;
    // Numeric splits send bins 0..bestBin left (at most 32 bins: one 32-bit mask either way).
    const leftBins = categorical ? bestMask : bestBin >= 31 ? -1 : (1 << (bestBin + 1)) - 1;
    const middle = partition(columns[bestFeature], leftBins, bag, task.start, task.end);
    if (expandRight) {
      stack.push({
        node: rightNode,
        start: middle,
        end: task.end,
        depth,
        neg: rightNeg,
        pos: rightPos,
      });
    }
    if (expandLeft) {
      stack.push({
        node: leftNode,
        start: task.start,
        end: middle,
        depth,
        neg: bestLeftNeg,
        pos: bestLeftPos,
      });
    }
  }
  return tree.finish();
}

/** Probability of one row by walking a tree (the reference the fast scorer is checked against). */
export function walkTree(tree: Tree, features: ArrayLike<number>): number {
  let node = 0;
  while (tree.feature[node] >= 0) {
    const x = features[tree.feature[node]];
    const threshold = tree.threshold[node];
    const left = Number.isNaN(threshold)
      ? ((tree.categoriesLeft[node] >>> x) & 1) === 1
      : x <= threshold;
    node = left ? tree.left[node] : tree.right[node];
  }
  return tree.value[node];
}
