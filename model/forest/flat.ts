/**
 * The forest laid out for fast batch scoring: every tree padded to a complete binary tree of the
 * forest's depth and stored in flat typed arrays, so a row descends with the same number of
 * branch-free steps in every tree (`node = 2 * node + 1 + goesRight`). Rows are scored in small
 * interleaved groups so the processor overlaps their independent descents.
 *
 * Probability = mean of the trees' leaf probabilities (Spark's soft voting).
 *
 * @module
 */

import type { Tree } from "./tree.ts";

/** A forest in scoring layout. */
export interface FlatForest {
  trees: number;
  depth: number;
  features: number;
  /** Split feature per internal slot (`trees * (2^depth - 1)`). */
  feature: Uint8Array;
  /**
   * Go right when value > threshold (+Infinity for categorical and padding slots); 64-bit for
   * imported models whose features need it.
   */
  threshold: Float32Array | Float64Array;
  /** Categorical slots: categories that go right, as bits (0 elsewhere). */
  categoriesRight: Uint32Array;
  /** Leaf probability per leaf slot (`trees * 2^depth`). */
  leaf: Float32Array;
  /**
   * Weighted fraud share of the training rows that reached each internal slot (`trees *
   * (2^depth - 1)`; a padding slot has its leaf's), for reason codes; absent for models saved
   * without it.
   */
  node?: Float32Array;
}

/** Depth of a tree (a lone leaf has depth 0). */
export function treeDepth(tree: Tree, node = 0): number {
  if (tree.feature[node] < 0) return 0;
  return 1 + Math.max(treeDepth(tree, tree.left[node]), treeDepth(tree, tree.right[node]));
}

/** Lays out trees for scoring. */
export function flattenForest(trees: Tree[], featureCount: number): FlatForest {
  if (featureCount > 255) throw new RangeError("at most 255 features");
  const depth = Math.max(1, ...trees.map((tree) => treeDepth(tree)));
  const internal = 2 ** depth - 1;
  const leaves = 2 ** depth;
  const forest: FlatForest = {
    trees: trees.length,
    depth,
    features: featureCount,
    feature: new Uint8Array(trees.length * internal),
    threshold: new Float32Array(trees.length * internal).fill(Number.POSITIVE_INFINITY),
    categoriesRight: new Uint32Array(trees.length * internal),
    leaf: new Float32Array(trees.length * leaves),
    node: new Float32Array(trees.length * internal),
  };
  trees.forEach((tree, t) => {
    const fill = (node: number, slot: number, level: number) => {
      if (level === depth) {
        forest.leaf[t * leaves + slot - internal] = tree.value[node];
        return;
      }
      const at = t * internal + slot;
      forest.node![at] = tree.value[node];
      const feature = tree.feature[node];
      if (feature < 0) {
        // A leaf above the full depth: a slot that always goes left, down to copies of the leaf.
        fill(node, 2 * slot + 1, level + 1);
        fill(node, 2 * slot + 2, level + 1);
        return;
      }
      forest.feature[at] = feature;
      if (Number.isNaN(tree.threshold[node])) {
        forest.categoriesRight[at] = ~tree.categoriesLeft[node] >>> 0;
      } else {
        forest.threshold[at] = tree.threshold[node];
      }
      fill(tree.left[node], 2 * slot + 1, level + 1);
      fill(tree.right[node], 2 * slot + 2, level + 1);
    };
    fill(0, 0, 0);
  });
  return forest;
}

const GROUP = 8;

/**
 * Scores `rows` rows of `features` (row-major, `forest.features` values per row) into `out`
 * (fraud probability per row).
 */
export function scoreForest(
  forest: FlatForest,
  features: Float32Array | Float64Array,
  rows: number,
  out: Float32Array = new Float32Array(rows),
): Float32Array {
  const { depth, trees, feature, threshold, categoriesRight, leaf } = forest;
  const width = forest.features;
  const internal = (1 << depth) - 1;
  const leaves = 1 << depth;
  const node = new Int32Array(GROUP);
  const base = new Int32Array(GROUP);
  const sum = new Float64Array(GROUP);
  for (let start = 0; start < rows; start += GROUP) {
    const count = Math.min(GROUP, rows - start);
    for (let j = 0; j < count; j++) {
      base[j] = (start + j) * width;
      sum[j] = 0;
    }
    for (let t = 0; t < trees; t++) {
      const treeBase = t * internal;
      for (let j = 0; j < count; j++) node[j] = 0;
      for (let level = 0; level < depth; level++) {
        for (let j = 0; j < count; j++) {
          const slot = treeBase + node[j];
          const x = features[base[j] + feature[slot]];
          const right = (x > threshold[slot] ? 1 : 0) | ((categoriesRight[slot] >>> x) & 1);
          node[j] = 2 * node[j] + 1 + right;
        }
      }
      const leafBase = t * leaves - internal;
      for (let j = 0; j < count; j++) sum[j] += leaf[leafBase + node[j]];
    }
    for (let j = 0; j < count; j++) out[start + j] = sum[j] / trees;
  }
  return out;
}

/** Bin edges per feature padded to this many slots (so at most 32 bins, as masks are 32-bit). */
export const MAX_BINS = 32;

/**
 * A forest over binned features: every split, numeric or categorical, is "go right when bit
 * `bin` of the slot's mask is set", so a step is three loads and integer arithmetic. Rows are
 * binned first (`binRows`), with a branch-free search of the padded edges.
 */
export interface BinnedForest {
  trees: number;
  depth: number;
  features: number;
  /** `features * MAX_BINS` edges, each feature's padded with +Infinity. */
  edges: Float32Array;
  /** 1 for categorical features (their value is their bin). */
  categorical: Uint8Array;
  /** Bins per feature (numeric: edges + 1; categorical: the cardinality). */
  counts: Uint8Array;
  feature: Uint8Array;
  /** Bins that go right, per internal slot. */
  mask: Int32Array;
  leaf: Float32Array;
}

/** The binned layout of a forest whose numeric thresholds are bin edges of `bins`. */
export function binForest(
  flat: FlatForest,
  bins: { kind: "numeric" | "categorical"; edges: Float32Array; count: number }[],
): BinnedForest {
  const edges = new Float32Array(flat.features * MAX_BINS).fill(Number.POSITIVE_INFINITY);
  const categorical = new Uint8Array(flat.features);
  const counts = new Uint8Array(flat.features);
  bins.forEach((bin, f) => {
    if (bin.count > MAX_BINS) {
      throw new RangeError(`feature ${f} has ${bin.count} bins; at most ${MAX_BINS}`);
    }
    counts[f] = bin.count;
    if (bin.kind === "categorical") categorical[f] = 1;
    else edges.set(bin.edges, f * MAX_BINS);
  });
  const mask = new Int32Array(flat.feature.length);
  for (let slot = 0; slot < mask.length; slot++) {
    const f = flat.feature[slot];
    const threshold = flat.threshold[slot];
    if (
      flat.categoriesRight[slot] !== 0 || (categorical[f] && threshold === Number.POSITIVE_INFINITY)
    ) {
      mask[slot] = flat.categoriesRight[slot] | 0;
      continue;
    }
    if (threshold === Number.POSITIVE_INFINITY) continue;
    const featureEdges = bins[f].edges;
    const splitBin = featureEdges.indexOf(threshold);
    if (splitBin < 0) throw new Error(`threshold ${threshold} of feature ${f} is not a bin edge`);
    let bits = 0;
    for (let b = splitBin + 1; b < MAX_BINS; b++) bits |= 1 << b;
    mask[slot] = bits;
  }
  return {
    trees: flat.trees,
    depth: flat.depth,
    features: flat.features,
    edges,
    categorical,
    counts,
    feature: flat.feature,
    mask,
    leaf: flat.leaf,
  };
}

/** Bins `rows` rows of features (row-major) into `out` (one byte per value). */
export function binRows(
  forest: BinnedForest,
  features: Float32Array,
  rows: number,
  out: Uint8Array = new Uint8Array(rows * forest.features),
): Uint8Array {
  const width = forest.features;
  const { edges, categorical } = forest;
  for (let i = 0; i < rows; i++) {
    const o = i * width;
    for (let f = 0; f < width; f++) {
      const v = features[o + f];
      if (categorical[f]) {
        out[o + f] = v;
        continue;
      }
      const e = f * MAX_BINS;
      let k = 0;
      k += +(v > edges[e + k + 15]) << 4;
      k += +(v > edges[e + k + 7]) << 3;
      k += +(v > edges[e + k + 3]) << 2;
      k += +(v > edges[e + k + 1]) << 1;
      k += +(v > edges[e + k]);
      out[o + f] = k;
    }
  }
  return out;
}

/**
 * Scores binned rows into `out`. Four rows descend each tree together, in locals, so their
 * independent loads overlap.
 */
export function scoreBinned(
  forest: BinnedForest,
  bins: Uint8Array,
  rows: number,
  out: Float32Array = new Float32Array(rows),
): Float32Array {
  const { trees, depth, feature, mask, leaf } = forest;
  const width = forest.features;
  const internal = (1 << depth) - 1;
  const leaves = 1 << depth;
  let start = 0;
  for (; start + 4 <= rows; start += 4) {
    const b0 = start * width, b1 = b0 + width, b2 = b1 + width, b3 = b2 + width;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let t = 0; t < trees; t++) {
      const base = t * internal;
      let n0 = 0, n1 = 0, n2 = 0, n3 = 0;
      for (let level = 0; level < depth; level++) {
        const a0 = base + n0, a1 = base + n1, a2 = base + n2, a3 = base + n3;
        n0 = 2 * n0 + 1 + ((mask[a0] >>> bins[b0 + feature[a0]]) & 1);
        n1 = 2 * n1 + 1 + ((mask[a1] >>> bins[b1 + feature[a1]]) & 1);
        n2 = 2 * n2 + 1 + ((mask[a2] >>> bins[b2 + feature[a2]]) & 1);
        n3 = 2 * n3 + 1 + ((mask[a3] >>> bins[b3 + feature[a3]]) & 1);
      }
      const leafBase = t * leaves - internal;
      s0 += leaf[leafBase + n0];
      s1 += leaf[leafBase + n1];
      s2 += leaf[leafBase + n2];
      s3 += leaf[leafBase + n3];
    }
    out[start] = s0 / trees;
    out[start + 1] = s1 / trees;
    out[start + 2] = s2 / trees;
    out[start + 3] = s3 / trees;
  }
  for (; start < rows; start++) {
    const b = start * width;
    let s = 0;
    for (let t = 0; t < trees; t++) {
      const base = t * internal;
      let n = 0;
      for (let level = 0; level < depth; level++) {
        const a = base + n;
        n = 2 * n + 1 + ((mask[a] >>> bins[b + feature[a]]) & 1);
      }
      s += leaf[t * leaves - internal + n];
    }
    out[start] = s / trees;
  }
  return out;
}
