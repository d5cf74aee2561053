/**
 * Trains a Random Forest: quantile-bins the features, puts the binned columns in shared memory,
 * and grows the trees with the `TreeGrower` it is given (in the program, a pool of supervised
 * worker actors, where a worker that crashes is restarted and its tree grown again). Each tree's
 * randomness depends only on the seed and its index, so the forest is the same for a seed
 * whatever the grower, the number of lanes or their timing.
 *
 * @module
 */

import { seededRandom } from "../../actors/lib/random.ts";
import type { FeatureSpec } from "../features.ts";
import { binValues, categoricalBins, type FeatureBins, numericBins } from "./binning.ts";
import type { GrowData, StartTreeGrower } from "./grow.ts";
import { MAX_TREE_ROWS, type Tree, type TreeParams } from "./tree.ts";
import { MAX_BINS } from "./flat.ts";

/** Settings of a forest (Spark's names where they exist). */
export interface ForestParams {
  numTrees: number;
  maxDepth: number;
  /** At most 32. */
  maxBins: number;
  minInstancesPerNode: number;
  /** Features tried per node: `sqrt` (default), `log2`, `onethird`, `all`, or a count. */
  featureSubsetStrategy: "sqrt" | "log2" | "onethird" | "all" | number;
  /** `balanced`: weight N / (2 N_class) per class; `none`: 1. */
  classWeights: "balanced" | "none";
  bootstrap: boolean;
  minInfoGain: number;
  seed: number;
}

/**
 * The defaults: 128 trees like the seed's model; deeper trees than its 5 levels, with at least
 * 50 instances per node, did best on the time-and-card hold-out of generated data.
 */
export const DEFAULT_FOREST: ForestParams = {
  numTrees: 128,
  maxDepth: 10,
  maxBins: 32,
  minInstancesPerNode: 50,
  featureSubsetStrategy: "sqrt",
  classWeights: "balanced",
  bootstrap: true,
  minInfoGain: 0,
  seed: 42,
};

/** A trained forest with what scoring and reports need. */
export interface TrainedForest {
  trees: Tree[];
  bins: FeatureBins[];
  /** Normalised importance per feature (sums to 1). */
  importance: number[];
  classWeights: [number, number];
}

/** Options of `trainForest`. */
export interface TrainForestOptions extends GrowForestOptions {
  /** One column per feature. */
  features: Float32Array[];
  /** 0/1 label per row of `features`. */
  labels: Uint8Array;
  /** Rows of `features` and `labels` to train on (default: every row). */
  rows?: Uint32Array;
}

/** Options of `growForest`. */
export interface GrowForestOptions {
  specs: readonly FeatureSpec[];
  params: ForestParams;
  /** Trees grown at the same time (at most one per tree). */
  workers: number;
  /** Where the trees grow: on worker threads in the program, or `inlineTreeGrower`. */
  grower: StartTreeGrower;
  onTree?: (done: number, total: number) => void;
}

/**
 * The training rows binned into shared memory (one byte per value, column by column), which is
 * all the workers read: the float columns can be let go before the trees grow.
 */
export interface BinnedTrainingSet extends GrowData {
  classWeights: [number, number];
}

/** Features tried per node for a strategy. */
export function featuresPerNode(
  strategy: ForestParams["featureSubsetStrategy"],
  count: number,
): number {
  if (typeof strategy === "number") return Math.max(1, Math.min(count, Math.floor(strategy)));
  switch (strategy) {
    case "all":
      return count;
    case "log2":
      return Math.max(1, Math.floor(Math.log2(count)));
    case "onethird":
      return Math.max(1, Math.floor(count / 3));
    default:
      return Math.max(1, Math.ceil(Math.sqrt(count)));
  }
}

/** Seed of tree `index` of a forest with seed `seed`. */
export function treeSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(index + 1, 0xc2b2ae35)) >>> 0;
}

/** Trains the forest with its grower: `binTrainingSet`, then `growForest`. */
export async function trainForest(options: TrainForestOptions): Promise<TrainedForest> {
  return await growForest(binTrainingSet(options), options);
}

/**
 * Quantile-bins the training rows (`rows` of the columns, or all of them) into shared memory;
 * the same edges and bins as for a copy of those rows.
 */
export function binTrainingSet(
  options: Pick<TrainForestOptions, "features" | "labels" | "rows" | "specs" | "params">,
): BinnedTrainingSet {
  const { features, labels, rows, specs, params } = options;
  if (params.maxBins > MAX_BINS || params.maxBins < 2) {
    throw new RangeError(`maxBins must be from 2 to ${MAX_BINS}`);
  }
  const n = rows ? rows.length : labels.length;
  if (n > MAX_TREE_ROWS) {
    throw new RangeError(
      `at most ${MAX_TREE_ROWS} training rows per forest, not ${n}; train on a sample`,
    );
  }
  const random = seededRandom(params.seed);
  const bins = specs.map((spec, f) =>
    spec.kind === "categorical"
      ? categoricalBins(spec.cardinality!)
      : numericBins(features[f], params.maxBins, random, rows)
  );
  const columns = features.map((values, f) => {
    const shared = new SharedArrayBuffer(n);
    binValues(values, bins[f], new Uint8Array(shared), rows);
    return shared;
  });
  const label = new SharedArrayBuffer(n);
  const label8 = new Uint8Array(label);
  if (rows) { for (let i = 0; i < n; i++) label8[i] = labels[rows[i]]; }
  else label8.set(labels);
  let positives = 0;
  for (let i = 0; i < n; i++) positives += label8[i];
  const classWeights: [number, number] =
    params.classWeights === "balanced" && positives > 0 && positives < n
      ? [n / (2 * (n - positives)), n / (2 * positives)]
      : [1, 1];
  return { n, columns, label, bins, classWeights };
}

/** Grows the trees of the forest with `options.grower`, over the binned rows in shared memory. */
export async function growForest(
  set: BinnedTrainingSet,
  options: GrowForestOptions,
): Promise<TrainedForest> {
  const { specs, params } = options;
  const { n, columns, label, bins, classWeights } = set;
  const treeParams: TreeParams = {
    maxDepth: params.maxDepth,
    minInstancesPerNode: params.minInstancesPerNode,
    featuresPerNode: featuresPerNode(params.featureSubsetStrategy, specs.length),
    classWeights,
    bootstrap: params.bootstrap,
    minInfoGain: params.minInfoGain,
  };
  const lanes = Math.max(1, Math.min(options.workers, params.numTrees));
  const grower = await options.grower({ n, columns, label, bins }, lanes);
  try {
    const trees: Tree[] = new Array(params.numTrees);
    let done = 0;
    await Promise.all(Array.from({ length: lanes }, async (_, lane) => {
      for (let index = lane; index < params.numTrees; index += lanes) {
        const seed = treeSeed(params.seed, index);
        trees[index] = await grower.grow({ index, seed, params: treeParams }, lane);
        options.onTree?.(++done, params.numTrees);
      }
    }));
    return { trees, bins, importance: featureImportance(trees, specs.length), classWeights };
  } finally {
    await grower.close();
  }
}

/** Spark-style importance: each tree's split gains normalised, averaged over trees, normalised. */
export function featureImportance(trees: Tree[], featureCount: number): number[] {
  const total = new Float64Array(featureCount);
  for (const tree of trees) {
    const perTree = new Float64Array(featureCount);
    let sum = 0;
    for (let node = 0; node < tree.feature.length; node++) {
      const f = tree.feature[node];
      if (f >= 0) {
        perTree[f] += tree.gain[node];
        sum += tree.gain[node];
      }
    }
    if (sum > 0) { for (let f = 0; f < featureCount; f++) total[f] += perTree[f] / sum; }
  }
  const grand = total.reduce((a, b) => a + b, 0);
  return Array.from(total, (v) => (grand > 0 ? v / grand : 0));
}
