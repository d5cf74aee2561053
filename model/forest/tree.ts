/**
 * Grows one decision tree of a Random Forest on binned, columnar data: bootstrap (Poisson(1)
 * counts per row), class weights, a random subset of features per node, Gini gain from weighted
 * histograms, and categorical splits that order the categories by their fraud share as Spark does
 * for binary labels.
 *
 * The in-bag rows of a node are kept contiguous (a stable partition after each split) with their
 * bootstrap count and label packed in one byte beside them (`bag.ts`); histograms count instances
 * per bin and class in integers, three features per pass over the rows (`histogram.ts`), and
 * class weights are applied to the 32-bin sums only (`split.ts`). Children that will not be split
 * again are not partitioned.
 *
 * @module
 */

import { bagBuffers, drawBag, partition } from "./bag.ts";
import type { FeatureBins } from "./binning.ts";
import { countHistograms } from "./histogram.ts";
import { bestSplit, fraudShare, type SplitSearch } from "./split.ts";

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
  const minInstances = params.minInstancesPerNode;
  const search: SplitSearch = {
    hist,
    slots,
    features,
    m,
    bins: data.bins,
    classWeights: params.classWeights,
    minInstances,
    minInfoGain: params.minInfoGain,
    order: new Int32Array(slots),
    shares: new Float64Array(slots),
  };
  const expandable = (depth: number, n0: number, n1: number) =>
    depth < params.maxDepth && n0 > 0 && n1 > 0 && n0 + n1 >= 2 * minInstances;
  const share = (n0: number, n1: number) => fraudShare(n0, n1, params.classWeights);

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
    countHistograms(hist, slots, columns, features, m, bag, task);
    const split = bestSplit(search, task.neg, task.pos);
    if (!split) continue;
    const { feature, bin, mask, leftNeg, leftPos } = split;
    const node = task.node;
    const categorical = data.bins[feature].kind === "categorical";
    tree.feature[node] = feature;
    tree.gain[node] = split.gain * (task.neg * w0 + task.pos * w1);
    if (categorical) tree.categoriesLeft[node] = mask;
    else tree.threshold[node] = data.bins[feature].edges[bin];
    const rightNeg = task.neg - leftNeg;
    const rightPos = task.pos - leftPos;
    const leftNode = tree.add(share(leftNeg, leftPos));
    const rightNode = tree.add(share(rightNeg, rightPos));
    tree.left[node] = leftNode;
    tree.right[node] = rightNode;
    const depth = task.depth + 1;
    const expandLeft = expandable(depth, leftNeg, leftPos);
    const expandRight = expandable(depth, rightNeg, rightPos);
    if (!expandLeft && !expandRight) continue;
    // Numeric splits send bins 0..bin left (at most 32 bins: one 32-bit mask either way).
    const leftBins = categorical ? mask : bin >= 31 ? -1 : (1 << (bin + 1)) - 1;
    const middle = partition(columns[feature], leftBins, bag, task.start, task.end);
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
        neg: leftNeg,
        pos: leftPos,
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
