/**
 * Reason codes: why a forest gave a row its score. The Saabas decomposition: in each tree, every
 * step of the row's path from the root to its leaf changes the node's fraud share, and the change
 * is credited to the feature the step split on; a feature's contribution is the mean of its
 * credits over the trees. Along a path the changes add up to the leaf's value minus the root's,
 * so the contributions of a row add up exactly to its score minus the forest's base rate (the
 * mean of the trees' root values).
 *
 * A row is explained by one walk of every tree (no change to the fast scorers), so it is done
 * for alerts only.
 *
 * @module
 */

import type { FlatForest } from "./forest/flat.ts";
import { childrenMeanNodeValues, type NodeValueSource } from "./forest/node_values.ts";
import type { EncoderSettings } from "./features.ts";
import { describeFeature } from "./reason_text.ts";

/** One reason of an alert: a feature, what it added to the score, its value and that in words. */
export interface ReasonCode {
  /** The feature's name (as the model's `encoder.features` lists it). */
  feature: string;
  /** What the feature added to the score (negative: what it took away). */
  contribution: number;
  /** The row's encoded value of the feature. */
  value: number;
  /** The value in words, e.g. "amount 18.4x the card's mean so far". */
  text: string;
}

/** The reasons of a batch's alerts. */
export interface BatchReasons {
  /** The forest's base rate: the score of a row before any split (mean of the trees' roots). */
  baseRate: number;
  /** Where the node values the contributions are measured with come from. */
  nodeValues: NodeValueSource;
  /** Reasons by row index in the batch (alerts only). */
  rows: Map<number, ReasonCode[]>;
}

/** What a `ReasonExplainer` needs to know of a model. */
export interface ExplainedModel {
  forest: FlatForest;
  /** Feature names, in the order of the encoded rows. */
  features: readonly string[];
  /** Name of the model's encoder (`fraudstream` or `spark-seed`). */
  encoder: string;
  settings: EncoderSettings;
}

/**
 * Explains rows of one model: their contributions per feature, and their top reasons.
 *
 * @example
 * ```ts
 * const explainer = new ReasonExplainer({ forest, features, encoder: "fraudstream", settings });
 * const reasons = explainer.reasons(rows, 0, 3); // the row's 3 largest contributions
 * ```
 */
export class ReasonExplainer {
  /** The score of a row before any split: the mean of the trees' root values. */
  readonly baseRate: number;
  /** `training` when the model keeps its internal nodes' fraud shares, else `children-mean`. */
  readonly nodeValues: NodeValueSource;
  readonly #model: ExplainedModel;
  readonly #node: Float32Array;
  readonly #contributions: Float64Array;

  constructor(model: ExplainedModel) {
    this.#model = model;
    const { forest } = model;
    this.nodeValues = forest.node ? "training" : "children-mean";
    this.#node = forest.node ?? childrenMeanNodeValues(forest);
    const internal = 2 ** forest.depth - 1;
    let root = 0;
    for (let t = 0; t < forest.trees; t++) root += this.#node[t * internal];
    this.baseRate = root / forest.trees;
    this.#contributions = new Float64Array(forest.features);
  }

  /**
   * The contribution of each feature to the score of row `row` of `features` (row-major, one
   * value per feature): they add up to the score minus `baseRate`. Written into `out`.
   */
  contributions(
    features: Float32Array | Float64Array,
    row: number,
    out: Float64Array = new Float64Array(this.#model.forest.features),
  ): Float64Array {
    const { trees, depth, feature, threshold, categoriesRight, leaf } = this.#model.forest;
    const node = this.#node;
    const width = this.#model.forest.features;
    const internal = (1 << depth) - 1;
    const leaves = 1 << depth;
    const base = row * width;
    out.fill(0);
    for (let t = 0; t < trees; t++) {
      const treeBase = t * internal;
      let slot = 0;
      let before = node[treeBase];
      for (let level = 0; level < depth; level++) {
        const at = treeBase + slot;
        const f = feature[at];
        const x = features[base + f];
        // The step the scorers take (padding slots always go left, to a copy of the same value).
        // A categorical slot's threshold is +Infinity, so only its bits decide; the bits are
        // read only there, since shifting by a value that is no small integer is slow.
        const categories = categoriesRight[at];
        const right = categories === 0 ? (x > threshold[at] ? 1 : 0) : (categories >>> x) & 1;
        slot = 2 * slot + 1 + right;
        const after = level + 1 === depth
          ? leaf[t * leaves + slot - internal]
          : node[treeBase + slot];
        out[f] += after - before;
        before = after;
      }
    }
    for (let f = 0; f < width; f++) out[f] /= trees;
    return out;
  }

  /**
   * The `count` features that raised the score of row `row` the most (largest contribution
   * first; a feature that lowered it is listed only when fewer than `count` raised it), with
   * their values in words.
   */
  reasons(features: Float32Array | Float64Array, row: number, count: number): ReasonCode[] {
    const { features: names, encoder, settings } = this.#model;
    const contributions = this.contributions(features, row, this.#contributions);
    const width = contributions.length;
    const values = features.subarray(row * width, (row + 1) * width);
    // The `count` largest, largest first (on a tie, the feature listed first): an insertion into
    // a list that never holds more than `count`, rather than sorting every feature.
    const order: number[] = [];
    for (let f = 0; f < width; f++) {
      let at = order.length;
      while (at > 0 && contributions[order[at - 1]] < contributions[f]) at--;
      if (at >= count) continue;
      order.splice(at, 0, f);
      if (order.length > count) order.pop();
    }
    return order.map((f) => ({
      feature: names[f],
      contribution: Math.round(contributions[f] * 1e6) / 1e6,
      // A 32-bit value to the digits it holds (2.3, not 2.299999952316284).
      value: features instanceof Float32Array ? Number(values[f].toPrecision(7)) : values[f],
      text: describeFeature({ feature: f, names, values, encoder, settings }),
    }));
  }
}
