/**
 * The best split of a node from its class histograms: Gini gain with class weights applied to the
 * bin sums, numeric features split between two bins in order, categorical ones between
 * categories ordered by their fraud share, as Spark does for binary labels.
 *
 * @module
 */

import type { FeatureBins } from "./binning.ts";

/** What the search reads: the node's histograms and the tree's settings, and scratch space. */
export interface SplitSearch {
  /** Instances per bin and class, `slots` entries per feature searched (`countHistograms`). */
  hist: Int32Array;
  slots: number;
  /** The features searched: the first `m` of `features`. */
  features: Int32Array;
  m: number;
  bins: FeatureBins[];
  /** Weight of each class, [legit, fraud]. */
  classWeights: [number, number];
  minInstances: number;
  /** Smallest gain that makes a split. */
  minInfoGain: number;
  /** Scratch space of `slots` entries each. */
  order: Int32Array;
  shares: Float64Array;
}

/** A split: the bins (numeric: 0..`bin`; categorical: the bits of `mask`) that go left. */
export interface Split {
  feature: number;
  bin: number;
  mask: number;
  gain: number;
  /** Instances of each class that go left. */
  leftNeg: number;
  leftPos: number;
}

/** Weighted fraud share of `neg` legit and `pos` fraud instances. */
export function fraudShare(neg: number, pos: number, [w0, w1]: [number, number]): number {
  return (pos * w1) / (neg * w0 + pos * w1 || 1);
}

function gini(neg: number, pos: number): number {
  const total = neg + pos;
  if (total <= 0) return 0;
  const p = pos / total;
  return 2 * p * (1 - p);
}

/** The split of a node of `neg` + `pos` instances with the largest gain, or none above the minimum. */
export function bestSplit(search: SplitSearch, neg: number, pos: number): Split | undefined {
  const { hist, slots, features, m, order, shares, minInstances } = search;
  const [w0, w1] = search.classWeights;
  const share = (n0: number, n1: number) => fraudShare(n0, n1, search.classWeights);
  const totalNeg = neg * w0;
  const totalPos = pos * w1;
  const total = totalNeg + totalPos;
  const instances = neg + pos;
  const parentGini = gini(totalNeg, totalPos);
  let bestGain = search.minInfoGain;
  let bestFeature = -1, bestBin = 0, bestMask = 0, bestLeftNeg = 0, bestLeftPos = 0;
  for (let s = 0; s < m; s++) {
    const f = features[s];
    const bins = search.bins[f];
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
  if (bestFeature < 0) return undefined;
  return {
    feature: bestFeature,
    bin: bestBin,
    mask: bestMask,
    gain: bestGain,
    leftNeg: bestLeftNeg,
    leftPos: bestLeftPos,
  };
}
