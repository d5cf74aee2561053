/**
 * Grows one decision tree of a Random Forest on binned, columnar data: bootstrap (Poisson(1)
 * counts per row), class weights, a random subset of features per node, Gini gain from weighted
 * histograms, and categorical splits that order the categories by their fraud share as Spark does
 * for binary labels.
 *
 * @module
 */

import { seededRandom } from "../../actors/runtime/random.ts";
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

const POISSON_CDF = [
  0.36787944,
  0.73575888,
  0.9196986,
  0.98101184,
  0.99634015,
  0.99940582,
  0.99991676,
  0.99998975,
];

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

interface Split {
  feature: number;
  gain: number;
  /** Numeric: last bin that goes left. */
  bin: number;
  /** Categorical: bins that go left. */
  mask: number;
}

/** Grows one tree; the same data, parameters and seed always give the same tree. */
export function growTree(data: BinnedData, params: TreeParams, seed: number): Tree {
  const random = seededRandom(seed);
  const n = data.n;
  const featureCount = data.columns.length;
  const weight = new Float32Array(n);
  const count = new Uint8Array(n);
  let inBag = 0;
  for (let i = 0; i < n; i++) {
    let c = 1;
    if (params.bootstrap) {
      const u = random();
      c = 0;
      while (c < POISSON_CDF.length && u > POISSON_CDF[c]) c++;
    }
    count[i] = c;
    weight[i] = c * params.classWeights[data.label[i]];
    if (c > 0) inBag++;
  }
  let rows = new Uint32Array(inBag);
  for (let i = 0, k = 0; i < n; i++) if (count[i] > 0) rows[k++] = i;
  let scratch = new Uint32Array(inBag);

  const maxBins = Math.max(...data.bins.map((b) => b.count));
  const histNeg = new Float64Array(maxBins);
  const histPos = new Float64Array(maxBins);
  const histCount = new Float64Array(maxBins);
  const tree = new TreeBuilder();
  const features = Array.from({ length: featureCount }, (_, f) => f);
  const label = data.label;

  interface Task {
    node: number;
    start: number;
    end: number;
    depth: number;
    neg: number;
    pos: number;
    instances: number;
  }
  let neg = 0, pos = 0, instances = 0;
  for (let k = 0; k < inBag; k++) {
    const r = rows[k];
    if (label[r]) pos += weight[r];
    else neg += weight[r];
    instances += count[r];
  }
  const root = tree.add(pos / (neg + pos || 1));
  const stack: Task[] = [{ node: root, start: 0, end: inBag, depth: 0, neg, pos, instances }];

  while (stack.length > 0) {
    const task = stack.pop()!;
    if (
      task.depth >= params.maxDepth || task.neg === 0 || task.pos === 0 ||
      task.instances < 2 * params.minInstancesPerNode
    ) continue;
    // A fresh random subset of features for this node (partial Fisher-Yates shuffle).
    const m = Math.min(params.featuresPerNode, featureCount);
    for (let i = 0; i < m; i++) {
      const j = i + Math.floor(random() * (featureCount - i));
      [features[i], features[j]] = [features[j], features[i]];
    }
    const parentGini = gini(task.neg, task.pos);
    const total = task.neg + task.pos;
    let best: Split | undefined;
    for (let s = 0; s < m; s++) {
      const f = features[s];
      const bins = data.bins[f];
      const binCount = bins.count;
      histNeg.fill(0, 0, binCount);
      histPos.fill(0, 0, binCount);
      histCount.fill(0, 0, binCount);
      const column = data.columns[f];
      for (let k = task.start; k < task.end; k++) {
        const r = rows[k];
        const b = column[r];
        if (label[r]) histPos[b] += weight[r];
        else histNeg[b] += weight[r];
        histCount[b] += count[r];
      }
      let order: number[];
      if (bins.kind === "categorical") {
        order = Array.from({ length: binCount }, (_, b) => b)
          .filter((b) => histCount[b] > 0)
          .sort((a, b) => share(histPos[a], histNeg[a]) - share(histPos[b], histNeg[b]) || a - b);
      } else {
        order = Array.from({ length: binCount }, (_, b) => b);
      }
      let leftNeg = 0, leftPos = 0, leftCount = 0, mask = 0;
      for (let i = 0; i + 1 < order.length; i++) {
        const b = order[i];
        leftNeg += histNeg[b];
        leftPos += histPos[b];
        leftCount += histCount[b];
        mask |= 1 << b;
        const rightCount = task.instances - leftCount;
        if (leftCount < params.minInstancesPerNode || rightCount < params.minInstancesPerNode) {
          continue;
        }
        const leftWeight = leftNeg + leftPos;
        const rightWeight = total - leftWeight;
        if (leftWeight <= 0 || rightWeight <= 0) continue;
        const gain = parentGini -
          (leftWeight / total) * gini(leftNeg, leftPos) -
          (rightWeight / total) * gini(task.neg - leftNeg, task.pos - leftPos);
        if (gain > params.minInfoGain && (!best || gain > best.gain)) {
          best = { feature: f, gain, bin: b, mask };
        }
      }
    }
    if (!best) continue;

    // Stable partition of the node's rows: left ones first, in their original order.
    const column = data.columns[best.feature];
    const categorical = data.bins[best.feature].kind === "categorical";
    let l = task.start;
    let r = 0;
    let lNeg = 0, lPos = 0, lCount = 0;
    for (let k = task.start; k < task.end; k++) {
      const row = rows[k];
      const b = column[row];
      const goesLeft = categorical ? ((best.mask >>> b) & 1) === 1 : b <= best.bin;
      if (goesLeft) {
        rows[l++] = row;
        if (label[row]) lPos += weight[row];
        else lNeg += weight[row];
        lCount += count[row];
      } else scratch[r++] = row;
    }
    rows.set(scratch.subarray(0, r), l);
    const node = task.node;
    tree.feature[node] = best.feature;
    tree.gain[node] = best.gain * total;
    if (categorical) tree.categoriesLeft[node] = best.mask;
    else tree.threshold[node] = data.bins[best.feature].edges[best.bin];
    const rNeg = task.neg - lNeg;
    const rPos = task.pos - lPos;
    const leftNode = tree.add(lPos / (lNeg + lPos || 1));
    const rightNode = tree.add(rPos / (rNeg + rPos || 1));
    tree.left[node] = leftNode;
    tree.right[node] = rightNode;
    stack.push({
      node: rightNode,
      start: l,
      end: task.end,
      depth: task.depth + 1,
      neg: rNeg,
      pos: rPos,
      instances: task.instances - lCount,
    });
    stack.push({
      node: leftNode,
      start: task.start,
      end: l,
      depth: task.depth + 1,
      neg: lNeg,
      pos: lPos,
      instances: lCount,
    });
  }
  rows = scratch = new Uint32Array(0);
  return tree.finish();
}

function share(pos: number, neg: number): number {
  const total = pos + neg;
  return total > 0 ? pos / total : 0;
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
