/**
 * Hand-built Spark ML Random Forest folders for the import tests: the files Spark 3.5's
 * `RandomForestClassificationModel.save` writes (metadata JSON, `data/` and `treesMetadata/`
 * Parquet with Spark's nested schema), made with hyparquet-writer.
 *
 * @module
 */

import { join } from "node:path";
import { ByteWriter, parquetWrite } from "hyparquet-writer";
import { SPARK_FOREST_CLASS } from "../../model/spark_import.ts";

/**
 * The seed Spark's `RandomForestClassifier` records by default: a 64-bit integer that a double
 * cannot hold (it would read as -7387420455837442000).
 */
export const SPARK_DEFAULT_SEED = "-7387420455837441889";

/** A node of a hand-built tree. */
export type HandNode =
  | { leaf: [number, number] }
  | { feature: number; threshold: number; left: HandNode; right: HandNode }
  | {
    feature: number;
    categories: number[];
    numCategories: number;
    left: HandNode;
    right: HandNode;
  };

interface NodeRow {
  id: number;
  prediction: number;
  impurity: number;
  impurityStats: number[];
  rawCount: bigint;
  gain: number;
  leftChild: number;
  rightChild: number;
  split: { featureIndex: number; leftCategoriesOrThreshold: number[]; numCategories: number };
}

function stats(node: HandNode): [number, number] {
  if ("leaf" in node) return node.leaf;
  const [a, b] = stats(node.left);
  const [c, d] = stats(node.right);
  return [a + c, b + d];
}

/** Spark's pre-order node rows of a tree (ids as `NodeData.build` assigns them). */
export function nodeRows(root: HandNode): NodeRow[] {
  const rows: NodeRow[] = [];
  const build = (node: HandNode): number => {
    const id = rows.length;
    const s = stats(node);
    const total = s[0] + s[1];
    const p = total > 0 ? s[1] / total : 0;
    const row: NodeRow = {
      id,
      prediction: s[1] > s[0] ? 1 : 0,
      impurity: 2 * p * (1 - p),
      impurityStats: [...s],
      rawCount: BigInt(Math.round(total)),
      gain: -1,
      leftChild: -1,
      rightChild: -1,
      split: { featureIndex: -1, leftCategoriesOrThreshold: [], numCategories: -1 },
    };
    rows.push(row);
    if (!("leaf" in node)) {
      row.gain = 0.01;
      row.split = "threshold" in node
        ? {
          featureIndex: node.feature,
          leftCategoriesOrThreshold: [node.threshold],
          numCategories: -1,
        }
        : {
          featureIndex: node.feature,
          leftCategoriesOrThreshold: node.categories,
          numCategories: node.numCategories,
        };
      row.leftChild = build(node.left);
      row.rightChild = build(node.right);
    }
    return id;
  };
  build(root);
  return rows;
}

const doubleList = (name: string) => [
  { name, repetition_type: "OPTIONAL" as const, converted_type: "LIST" as const, num_children: 1 },
  { name: "list", repetition_type: "REPEATED" as const, num_children: 1 },
  { name: "element", repetition_type: "REQUIRED" as const, type: "DOUBLE" as const },
];

/** Spark's schema of the `data/` node table. */
const NODE_SCHEMA = [
  { name: "spark_schema", num_children: 2 },
  { name: "treeID", repetition_type: "REQUIRED" as const, type: "INT32" as const },
  { name: "nodeData", repetition_type: "OPTIONAL" as const, num_children: 9 },
  { name: "id", repetition_type: "REQUIRED" as const, type: "INT32" as const },
  { name: "prediction", repetition_type: "REQUIRED" as const, type: "DOUBLE" as const },
  { name: "impurity", repetition_type: "REQUIRED" as const, type: "DOUBLE" as const },
  ...doubleList("impurityStats"),
  { name: "rawCount", repetition_type: "REQUIRED" as const, type: "INT64" as const },
  { name: "gain", repetition_type: "REQUIRED" as const, type: "DOUBLE" as const },
  { name: "leftChild", repetition_type: "REQUIRED" as const, type: "INT32" as const },
  { name: "rightChild", repetition_type: "REQUIRED" as const, type: "INT32" as const },
  { name: "split", repetition_type: "OPTIONAL" as const, num_children: 3 },
  { name: "featureIndex", repetition_type: "REQUIRED" as const, type: "INT32" as const },
  ...doubleList("leftCategoriesOrThreshold"),
  { name: "numCategories", repetition_type: "REQUIRED" as const, type: "INT32" as const },
];

function parquetBytes(options: Omit<Parameters<typeof parquetWrite>[0], "writer">): Uint8Array {
  const writer = new ByteWriter();
  parquetWrite({ ...options, writer });
  return new Uint8Array(writer.getBuffer());
}

/** Options of `writeSparkForest`. */
export interface SparkForestFixture {
  dir: string;
  trees: HandNode[];
  numFeatures?: number;
  /** Node rows spread over this many part files (Spark writes one or more). */
  parts?: number;
  className?: string;
}

/** Writes a Spark ML Random Forest folder holding `trees`. */
export async function writeSparkForest(fixture: SparkForestFixture): Promise<void> {
  const { dir, trees } = fixture;
  const metadata = {
    class: fixture.className ?? SPARK_FOREST_CLASS,
    timestamp: 1704222494207,
    sparkVersion: "3.5.0",
    uid: "RandomForestClassifier_d001ce9dd993",
    paramMap: { numTrees: trees.length, featuresCol: "features", labelCol: "is_fraud" },
    defaultParamMap: { maxDepth: 5, maxBins: 32, impurity: "gini", seed: "@seed" },
    numFeatures: fixture.numFeatures ?? 10,
    numClasses: 2,
    numTrees: trees.length,
  };
  await Deno.mkdir(join(dir, "metadata"), { recursive: true });
  // Spark writes the seed as a bare 64-bit number, which JSON.stringify cannot.
  const text = JSON.stringify(metadata).replace('"@seed"', SPARK_DEFAULT_SEED);
  await Deno.writeTextFile(join(dir, "metadata", "part-00000"), text + "\n");
  await Deno.writeTextFile(join(dir, "metadata", "_SUCCESS"), "");

  const all = trees.flatMap((tree, treeID) => nodeRows(tree).map((node) => ({ treeID, node })));
  const parts = fixture.parts ?? 1;
  await Deno.mkdir(join(dir, "data"), { recursive: true });
  for (let p = 0; p < parts; p++) {
    const rows = all.filter((_, i) => i % parts === p);
    const bytes = parquetBytes({
      columnData: [
        { name: "treeID", data: rows.map((r) => r.treeID) },
        { name: "nodeData", data: rows.map((r) => r.node) },
      ],
      schema: NODE_SCHEMA,
    });
    const name = `part-0000${p}-04d28bd8-05b2-4509-aaf7-6387d72e322c-c000.snappy.parquet`;
    await Deno.writeFile(join(dir, "data", name), bytes);
  }
  await Deno.mkdir(join(dir, "treesMetadata"), { recursive: true });
  await Deno.writeFile(
    join(
      dir,
      "treesMetadata",
      "part-00000-85bcc7fb-0f60-48dd-818b-ffa323b77f7c-c000.snappy.parquet",
    ),
    parquetBytes({
      columnData: [
        { name: "treeID", data: trees.map((_, t) => t), type: "INT32" },
        { name: "metadata", data: trees.map(() => "{}"), type: "STRING" },
        { name: "weights", data: trees.map(() => 1), type: "DOUBLE" },
      ],
    }),
  );
}
