/**
 * Reason codes: why a forest gave a row its score. The Saabas decomposition: in each tree, every
 * step of the row's path from the root to its leaf changes the node's fraud share, and the change
 * is credited to the feature the step split on; a feature's contribution is the mean of its
 * credits over the trees. Along a path the changes add up to the leaf's value minus the root's,
 * so the contributions of a row add up exactly to its score minus the forest's base rate (the
 * mean of the trees' root values).
 *
 * A row is explained by one walk of every tree (no change to the fast scorers), so it is done
 * for alerts only: for 32-bit rows in WebAssembly generated per forest
 * (`forest/wasm_contributions.ts`), else in TypeScript, the same steps to the same sums.
 *
 * @module
 */

import type { FlatForest } from "./forest/flat.ts";
import { childrenMeanNodeValues, type NodeValueSource } from "./forest/node_values.ts";
import { compileWasmContributions, type WasmContributions } from "./forest/wasm_contributions.ts";
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
  /**
   * Reasons by row index in the batch (alerts only), each row's as the JSON text of its
   * `ReasonCode[]`: what an alert record carries, made once where the reasons are found (one
   * string a row crosses from a scoring worker at a fraction of the cost of its objects). Read
   * one row's with `reasonCodesOf`.
   */
  rows: Map<number, string>;
}

/** The reason codes of row `row` of a batch, or undefined when it has none. */
export function reasonCodesOf(
  batch: BatchReasons | undefined,
  row: number,
): ReasonCode[] | undefined {
  const json = batch?.rows.get(row);
  return json === undefined ? undefined : JSON.parse(json);
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
  readonly #walk: Walk;
  /** The same walk in WebAssembly, for 32-bit rows (undefined where it cannot run). */
  readonly #wasm: WasmContributions | undefined;

  constructor(model: ExplainedModel) {
    this.#model = model;
    const { forest } = model;
    this.nodeValues = forest.node ? "training" : "children-mean";
    this.#node = forest.node ?? childrenMeanNodeValues(forest);
    this.#walk = {
      feature: forest.feature,
      threshold: forest.threshold,
      categoriesRight: forest.categoriesRight,
      leaf: forest.leaf,
      node: this.#node,
      features: new Float32Array(0),
      base: 0,
      shift: new Int32Array(forest.features),
      out: new Float64Array(0),
    };
    const internal = 2 ** forest.depth - 1;
    let root = 0;
    for (let t = 0; t < forest.trees; t++) root += this.#node[t * internal];
    this.baseRate = root / forest.trees;
    this.#wasm = compileWasmContributions(forest, this.#node);
  }

  /** Compiles the walk's WebAssembly now rather than for the first alert explained. */
  prepare(): void {
    this.#wasm?.prepare();
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
    return this.contributionsOf(features, [row], out);
  }

  /**
   * The contributions of each of `rows` of `features`, row after row (`rows.length` times one
   * value per feature), written into `out`. Rows explained together cost less each than one at a
   * time: the walk in WebAssembly takes each group of trees through all of them at once.
   */
  contributionsOf(
    features: Float32Array | Float64Array,
    rows: ArrayLike<number>,
    out: Float64Array = new Float64Array(rows.length * this.#model.forest.features),
  ): Float64Array {
    const { trees, features: width } = this.#model.forest;
    if (this.#wasm && features instanceof Float32Array) {
      this.#wasm.sums(features, rows, out);
    } else {
      for (let k = 0; k < rows.length; k++) {
        this.#walkRow(features, rows[k], out.subarray(k * width, (k + 1) * width));
      }
    }
    for (let i = 0; i < rows.length * width; i++) out[i] /= trees;
    return out;
  }

  /**
   * The `count` features that raised the score of row `row` the most (largest contribution
   * first; a feature that lowered it is listed only when fewer than `count` raised it), with
   * their values in words.
   */
  reasons(features: Float32Array | Float64Array, row: number, count: number): ReasonCode[] {
    return this.reasonsOf(features, [row], count)[0];
  }

  /** The `count` top reasons (as `reasons` gives them) of each of `rows`, explained together. */
  reasonsOf(
    features: Float32Array | Float64Array,
    rows: ArrayLike<number>,
    count: number,
  ): ReasonCode[][] {
    const { features: names, encoder, settings } = this.#model;
    const width = this.#model.forest.features;
    const all = this.contributionsOf(features, rows);
    const explained: ReasonCode[][] = [];
    for (let k = 0; k < rows.length; k++) {
      const row = rows[k];
      const contributions = all.subarray(k * width, (k + 1) * width);
      const values = features.subarray(row * width, (row + 1) * width);
      // The `count` largest, largest first (on a tie, the feature listed first): an insertion
      // into a list that never holds more than `count`, rather than sorting every feature.
      const order: number[] = [];
      for (let f = 0; f < width; f++) {
        let at = order.length;
        while (at > 0 && contributions[order[at - 1]] < contributions[f]) at--;
        if (at >= count) continue;
        order.splice(at, 0, f);
        if (order.length > count) order.pop();
      }
      explained.push(order.map((f) => ({
        feature: names[f],
        contribution: Math.round(contributions[f] * 1e6) / 1e6,
        // A 32-bit value to the digits it holds (2.3, not 2.299999952316284).
        value: features instanceof Float32Array ? Number(values[f].toPrecision(7)) : values[f],
        text: describeFeature({ feature: f, names, values, encoder, settings }),
      })));
    }
    return explained;
  }

  /** The walk in TypeScript of row `row`: its sums per feature into `out`. */
  #walkRow(features: Float32Array | Float64Array, row: number, out: Float64Array): void {
    const { trees, depth } = this.#model.forest;
    const walk = this.#walk;
    const width = this.#model.forest.features;
    const internal = (1 << depth) - 1;
    const leaves = 1 << depth;
    walk.features = features;
    walk.base = row * width;
    walk.out = out;
    out.fill(0);
    // The shift the scorers do at a categorical slot (`categories >>> x`), by the row's values
    // made small integers once rather than at every slot.
    for (let f = 0; f < width; f++) walk.shift[f] = (features[walk.base + f] >>> 0) & 31;
    // Four trees walked side by side: each walk is a chain of dependent loads and compares, and
    // four independent chains keep the processor busy while each waits.
    let t = 0;
    for (; t + 4 <= trees; t += 4) {
      const n0 = t * internal, n1 = n0 + internal, n2 = n1 + internal, n3 = n2 + internal;
      const l0 = t * leaves - internal, l1 = l0 + leaves, l2 = l1 + leaves, l3 = l2 + leaves;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let level = 0; level < depth; level++) {
        const last = level + 1 === depth;
        s0 = step(walk, n0, l0, s0, last);
        s1 = step(walk, n1, l1, s1, last);
        s2 = step(walk, n2, l2, s2, last);
        s3 = step(walk, n3, l3, s3, last);
      }
    }
    for (; t < trees; t++) {
      let slot = 0;
      for (let level = 0; level < depth; level++) {
        slot = step(walk, t * internal, t * leaves - internal, slot, level + 1 === depth);
      }
    }
  }
}

/** A forest's arrays and the row being explained, as one walk step reads them. */
interface Walk {
  feature: Uint8Array;
  threshold: Float32Array | Float64Array;
  categoriesRight: Uint32Array;
  leaf: Float32Array;
  /** The fraud share of every internal slot. */
  node: Float32Array;
  features: Float32Array | Float64Array;
  /** Index of the row's first value in `features`. */
  base: number;
  /** The row's values as the shift of a categorical slot reads them. */
  shift: Int32Array;
  out: Float64Array;
}

/**
 * One step of a tree (its internal slots from `nodeBase`, its leaves from `leafBase` + the
 * internal count) from `slot`: the step the scorers take, without a branch (a padding slot goes
 * left, to a copy of the same value; a categorical slot's threshold is +Infinity, so only its
 * bits decide, and a numeric slot has none), its change of the fraud share credited to the
 * feature it splits on. Returns the slot stepped to.
 */
function step(walk: Walk, nodeBase: number, leafBase: number, slot: number, last: boolean): number {
  const at = nodeBase + slot;
  const f = walk.feature[at];
  const right = +(walk.features[walk.base + f] > walk.threshold[at]) |
    ((walk.categoriesRight[at] >>> walk.shift[f]) & 1);
  const next = 2 * slot + 1 + right;
  walk.out[f] += (last ? walk.leaf[leafBase + next] : walk.node[nodeBase + next]) - walk.node[at];
  return next;
}
