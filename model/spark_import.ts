/**
 * Import of a Random Forest saved by Spark ML (`RandomForestClassificationModel.save`): the
 * `metadata/` JSON and the node table in `data/*.parquet` (read with hyparquet) become a
 * fraudstream model folder scored with the seed's feature encoding (`spark-seed`), so users of
 * the seed's pretrained model can keep scoring with it and compare.
 *
 * Scoring follows Spark: each tree votes with its leaf's class fractions, the probability of
 * fraud is the mean of the trees' fractions; continuous splits go left when value <= threshold,
 * categorical ones when the value is one of the left categories.
 *
 * @module
 */

import { join } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { FraudstreamError } from "../actors/lib/errors.ts";
import type { FlatForest } from "./forest/flat.ts";
import { DEFAULT_ENCODER } from "./features.ts";
import { type ModelManifest, saveModel } from "./model_file.ts";
import { SEED_ENCODER, SEED_FEATURE_COUNT, SEED_FEATURES } from "./seed_encoding.ts";

/** A Spark model folder that cannot be imported; the message says why. */
export class SparkModelError extends FraudstreamError {
  override name = "SparkModelError";
}

/** The Spark class this importer reads. */
export const SPARK_FOREST_CLASS =
  "org.apache.spark.ml.classification.RandomForestClassificationModel";

/** Deepest Spark tree accepted (trees are padded to full depth for scoring). */
export const MAX_IMPORT_DEPTH = 16;

/** One node of a Spark tree, as Spark saves it (fields this importer uses). */
export interface SparkNode {
  id: number;
  prediction: number;
  impurityStats: number[];
  gain: number;
  leftChild: number;
  rightChild: number;
  split: { featureIndex: number; leftCategoriesOrThreshold: number[]; numCategories: number };
}

/** A Spark forest as read from its folder. */
export interface SparkForest {
  /** `metadata/part-00000`, parsed. */
  metadata: SparkMetadata;
  /** Nodes of every tree, by tree index, sorted by node id. */
  trees: SparkNode[][];
}

/** The parts of Spark's model metadata the importer checks and records. */
export interface SparkMetadata {
  class: string;
  sparkVersion?: string;
  uid?: string;
  timestamp?: number;
  numFeatures: number;
  numClasses: number;
  numTrees: number;
  paramMap?: Record<string, unknown>;
  defaultParamMap?: Record<string, unknown>;
}

/** The source text of a JSON value, which `JSON.parse` hands its reviver. */
type ReviverContext = { source?: string };

/**
 * `JSON.parse`, except that whole numbers beyond 2^53 (Spark's 64-bit seeds, e.g.
 * -7387420455837441889) are kept as their exact decimal text instead of being rounded.
 */
export function parseExactJson(text: string): unknown {
  return JSON.parse(
    text,
    function (this: unknown, _key: string, value: unknown, context?: ReviverContext) {
      if (
        typeof value === "number" && !Number.isSafeInteger(value) &&
        context?.source !== undefined &&
        /^-?\d+$/.test(context.source)
      ) {
        return context.source;
      }
      return value;
    } as (this: unknown, key: string, value: unknown) => unknown,
  );
}

async function partFiles(dir: string, suffix: string): Promise<string[]> {
  const files: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.startsWith("part-") && entry.name.endsWith(suffix)) {
        files.push(join(dir, entry.name));
      }
    }
  } catch (error) {
    // Missing, or a file where the folder should be: no part files either way.
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return [];
    }
    throw error;
  }
  return files.sort();
}

/** Reads and checks `metadata/part-00000` of a Spark model folder. */
export async function readSparkMetadata(sparkDir: string): Promise<SparkMetadata> {
  const [file] = await partFiles(join(sparkDir, "metadata"), "");
  if (!file) {
    throw new SparkModelError(
      `'${sparkDir}' is not a Spark ML model folder (no metadata/part-00000); pass the folder that RandomForestClassificationModel.save wrote`,
    );
  }
  let metadata: SparkMetadata;
  try {
    metadata = parseExactJson((await Deno.readTextFile(file)).split("\n")[0]) as SparkMetadata;
  } catch {
    throw new SparkModelError(`${file} is not valid JSON; the Spark model is corrupt`);
  }
  if (metadata.class !== SPARK_FOREST_CLASS) {
    throw new SparkModelError(
      `${sparkDir} holds a ${metadata.class}; only a ${SPARK_FOREST_CLASS} can be imported`,
    );
  }
  if (metadata.numClasses !== 2) {
    throw new SparkModelError(
      `${sparkDir} classifies ${metadata.numClasses} classes; a fraud model has 2 (legitimate, fraud)`,
    );
  }
  if (metadata.numFeatures !== SEED_FEATURE_COUNT) {
    throw new SparkModelError(
      `${sparkDir} expects ${metadata.numFeatures} features; the seed's encoding gives ${SEED_FEATURE_COUNT} (${
        SEED_FEATURES.join(", ")
      })`,
    );
  }
  return metadata;
}

function toNumber(value: unknown): number {
  return typeof value === "bigint" ? Number(value) : Number(value);
}

/** Reads a Spark Random Forest folder: its metadata and every tree's nodes. */
export async function readSparkForest(sparkDir: string): Promise<SparkForest> {
  const metadata = await readSparkMetadata(sparkDir);
  const files = await partFiles(join(sparkDir, "data"), ".parquet");
  if (files.length === 0) {
    throw new SparkModelError(
      `${sparkDir}/data holds no Parquet part files; the Spark model is incomplete`,
    );
  }
  const byTree = new Map<number, SparkNode[]>();
  for (const path of files) {
    let rows: Record<string, unknown>[];
    try {
      const file = await asyncBufferFromFile(path);
      const fileMetadata = await parquetMetadataAsync(file);
      rows = await parquetReadObjects({ file, metadata: fileMetadata }) as Record<
        string,
        unknown
      >[];
    } catch (error) {
      throw new SparkModelError(
        `${path} is not a readable Parquet file (${
          (error as Error).message
        }); the Spark model is corrupt`,
      );
    }
    for (const row of rows) {
      const data = row.nodeData as Record<string, unknown> | undefined;
      const split = data?.split as Record<string, unknown> | undefined;
      if (row.treeID === undefined || !data || !split) {
        throw new SparkModelError(
          `${path} lacks the treeID/nodeData columns of a Spark tree ensemble`,
        );
      }
      const node: SparkNode = {
        id: toNumber(data.id),
        prediction: toNumber(data.prediction),
        impurityStats: ((data.impurityStats as unknown[]) ?? []).map(toNumber),
        gain: toNumber(data.gain),
        leftChild: toNumber(data.leftChild),
        rightChild: toNumber(data.rightChild),
        split: {
          featureIndex: toNumber(split.featureIndex),
          leftCategoriesOrThreshold: ((split.leftCategoriesOrThreshold as unknown[]) ?? []).map(
            toNumber,
          ),
          numCategories: toNumber(split.numCategories),
        },
      };
      const tree = toNumber(row.treeID);
      let nodes = byTree.get(tree);
      if (!nodes) byTree.set(tree, nodes = []);
      nodes.push(node);
    }
  }
  const trees: SparkNode[][] = [];
  for (let t = 0; t < metadata.numTrees; t++) {
    const nodes = byTree.get(t);
    if (!nodes) {
      throw new SparkModelError(
        `${sparkDir} declares ${metadata.numTrees} trees but has no nodes for tree ${t}; the model is incomplete`,
      );
    }
    nodes.sort((a, b) => a.id - b.id);
    nodes.forEach((node, i) => {
      if (node.id !== i) {
        throw new SparkModelError(`tree ${t} of ${sparkDir} has a gap in its node ids at ${i}`);
      }
    });
    trees.push(nodes);
  }
  return { metadata, trees };
}

/** Fraud fraction of a Spark node (its class-1 share of the weighted counts). */
function fraudShare(node: SparkNode): number {
  const total = node.impurityStats.reduce((a, b) => a + b, 0);
  return total > 0 ? (node.impurityStats[1] ?? 0) / total : node.prediction;
}

function depthOf(nodes: SparkNode[], tree: number): number {
  const depth = new Int32Array(nodes.length);
  let max = 0;
  for (const node of nodes) {
    if (node.leftChild < 0) continue;
    for (const child of [node.leftChild, node.rightChild]) {
      if (child <= node.id || child >= nodes.length) {
        throw new SparkModelError(`tree ${tree} links node ${node.id} to invalid child ${child}`);
      }
      depth[child] = depth[node.id] + 1;
      if (depth[child] > max) max = depth[child];
    }
  }
  return max;
}

/**
 * The Spark trees in fraudstream's scoring layout, with 64-bit thresholds (Spark compares doubles,
 * and the seed's `unix_time` needs more than 32-bit precision).
 */
export function flattenSparkForest(forest: SparkForest): FlatForest {
  const { trees } = forest;
  const depth = Math.max(1, ...trees.map((nodes, t) => depthOf(nodes, t)));
  if (depth > MAX_IMPORT_DEPTH) {
    throw new SparkModelError(
      `the Spark model has trees of depth ${depth}; at most ${MAX_IMPORT_DEPTH} can be imported`,
    );
  }
  const internal = 2 ** depth - 1;
  const leaves = 2 ** depth;
  const flat: FlatForest = {
    trees: trees.length,
    depth,
    features: SEED_FEATURE_COUNT,
    feature: new Uint8Array(trees.length * internal),
    threshold: new Float64Array(trees.length * internal).fill(Number.POSITIVE_INFINITY),
    categoriesRight: new Uint32Array(trees.length * internal),
    leaf: new Float32Array(trees.length * leaves),
    node: new Float32Array(trees.length * internal),
  };
  trees.forEach((nodes, t) => {
    const fill = (id: number, slot: number, level: number) => {
      const node = nodes[id];
      if (level === depth) {
        flat.leaf[t * leaves + slot - internal] = fraudShare(node);
        return;
      }
      // Spark keeps every node's class counts: internal nodes' fraud shares are exact.
      flat.node![t * internal + slot] = fraudShare(node);
      if (node.leftChild < 0) {
        // A leaf above full depth: padding slots always go left, down to copies of the leaf.
        fill(id, 2 * slot + 1, level + 1);
        fill(id, 2 * slot + 2, level + 1);
        return;
      }
      const at = t * internal + slot;
      const { featureIndex, leftCategoriesOrThreshold: values, numCategories } = node.split;
      if (!(featureIndex >= 0 && featureIndex < SEED_FEATURE_COUNT)) {
        throw new SparkModelError(`tree ${t} splits on unknown feature ${featureIndex}`);
      }
      flat.feature[at] = featureIndex;
      if (numCategories === -1) {
        if (values.length !== 1) {
          throw new SparkModelError(`tree ${t} node ${id} has ${values.length} thresholds, not 1`);
        }
        flat.threshold[at] = values[0];
      } else {
        if (numCategories > 32) {
          throw new SparkModelError(
            `tree ${t} splits a feature of ${numCategories} categories; at most 32 can be imported`,
          );
        }
        let left = 0;
        for (const category of values) left |= 1 << category;
        // Every value not listed goes right, as in Spark.
        flat.categoriesRight[at] = ~left >>> 0;
      }
      fill(node.leftChild, 2 * slot + 1, level + 1);
      fill(node.rightChild, 2 * slot + 2, level + 1);
    };
    fill(0, 0, 0);
  });
  return flat;
}

/** Spark-style feature importance of imported trees: gains times counts, normalised per tree. */
function sparkImportance(forest: SparkForest): number[] {
  const total = new Float64Array(SEED_FEATURE_COUNT);
  for (const nodes of forest.trees) {
    const perTree = new Float64Array(SEED_FEATURE_COUNT);
    let sum = 0;
    for (const node of nodes) {
      if (node.leftChild < 0) continue;
      const count = node.impurityStats.reduce((a, b) => a + b, 0);
      const gain = Math.max(0, node.gain) * count;
      perTree[node.split.featureIndex] += gain;
      sum += gain;
    }
    if (sum > 0) { for (let f = 0; f < SEED_FEATURE_COUNT; f++) total[f] += perTree[f] / sum; }
  }
  const grand = total.reduce((a, b) => a + b, 0);
  return Array.from(total, (v) => (grand > 0 ? v / grand : 0));
}

/** Options of `importSparkModel`. */
export interface ImportSparkOptions {
  /** The folder Spark's `model.save(path)` wrote. */
  sparkDir: string;
  /** Where the fraudstream model folder is written. */
  modelDir: string;
  /** Version name of the imported model (default: the Spark folder's name). */
  version?: string;
  /** Alert threshold on the fraud probability (default 0.5, Spark's prediction). */
  threshold?: number;
  /** Replace what is at `modelDir` even when it is not a model folder. */
  force?: boolean;
}

/** Imports a Spark Random Forest into a fraudstream model folder; returns its manifest. */
export async function importSparkModel(options: ImportSparkOptions): Promise<ModelManifest> {
  const forest = await readSparkForest(options.sparkDir);
  const flat = flattenSparkForest(forest);
  const params = { ...forest.metadata.defaultParamMap, ...forest.metadata.paramMap };
  const importance = sparkImportance(forest);
  return await saveModel(
    options.modelDir,
    {
      version: options.version ?? options.sparkDir.replace(/\/+$/, "").split("/").pop()!,
      created_at: new Date().toISOString(),
      encoder: {
        name: SEED_ENCODER,
        settings: DEFAULT_ENCODER,
        features: [...SEED_FEATURES],
      },
      threshold: options.threshold ?? 0.5,
      params: {
        source: `spark ${forest.metadata.sparkVersion ?? "?"} ${forest.metadata.uid ?? ""}`.trim(),
        numTrees: forest.trees.length,
        maxDepth: flat.depth,
        ...(typeof params.maxBins === "number" ? { maxBins: params.maxBins } : {}),
        // A 64-bit seed beyond 2^53 stays the exact text Spark wrote.
        ...(typeof params.seed === "number" || typeof params.seed === "string"
          ? { seed: params.seed }
          : {}),
      },
      data: { imported_from: options.sparkDir, spark_params: params },
      importance: SEED_FEATURES.map((feature, f) => ({ feature, importance: importance[f] }))
        .sort((a, b) => b.importance - a.importance),
    },
    flat,
    { force: options.force },
  );
}
