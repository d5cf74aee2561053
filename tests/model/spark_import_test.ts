import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { modelScoring } from "../../actors/pipeline/consumer/model_scoring.ts";
import { ActorSystem } from "../../actors/runtime/mod.ts";
import { main } from "../../main.ts";
import { transactionsToColumns } from "../../model/columns.ts";
import { evaluateModel } from "../../model/evaluate.ts";
import { md5Hex } from "../../model/md5.ts";
import { loadModel } from "../../model/model_file.ts";
import type { Transaction } from "../../model/schema.ts";
import {
  SEED_FEATURE_COUNT,
  SEED_FEATURES,
  SeedEncoder,
  seedHash,
} from "../../model/seed_encoding.ts";
import { importSparkModel, SparkModelError } from "../../model/spark_import.ts";
import { csvFile, SAMPLE } from "../fixtures/transactions.ts";
import { type HandNode, SPARK_DEFAULT_SEED, writeSparkForest } from "./spark_fixture.ts";

const F = Object.fromEntries(SEED_FEATURES.map((name, i) => [name, i])) as Record<
  typeof SEED_FEATURES[number],
  number
>;
const CUTOFF = 1_700_000_000.5;

/** Three trees as the seed's Spark job could have grown them (uneven depths, a lone leaf). */
const TREES: HandNode[] = [
  {
    feature: F.amt,
    threshold: 250.5,
    left: { leaf: [90, 10] },
    right: {
      feature: F.unix_time,
      threshold: CUTOFF,
      left: { leaf: [1, 3] },
      right: { leaf: [2, 2] },
    },
  },
  { leaf: [6, 2] },
  {
    feature: F.city_pop,
    threshold: 10_000,
    left: {
      feature: F.trans_date,
      threshold: 500_000.5,
      left: { leaf: [10, 0] },
      right: {
        feature: F.amt,
        threshold: 20,
        left: { leaf: [7, 1] },
        right: { leaf: [1, 1] },
      },
    },
    right: { leaf: [3, 1] },
  },
];

/** Spark's probability: mean over trees of the leaf's fraud fraction, by walking each tree. */
function sparkProbability(trees: HandNode[], x: Float64Array, offset: number): number {
  let sum = 0;
  for (const tree of trees) {
    let node = tree;
    while (!("leaf" in node)) {
      const value = x[offset + node.feature];
      const left = "threshold" in node ? value <= node.threshold : node.categories.includes(value);
      node = left ? node.left : node.right;
    }
    sum += node.leaf[1] / (node.leaf[0] + node.leaf[1]);
  }
  return sum / trees.length;
}

function tx(overrides: Partial<Transaction>): Transaction {
  return { ...SAMPLE, ...overrides };
}

/** The UTC `trans_date`, `trans_time` and `unix_time` of a moment. */
function utc(unixTime: number): Pick<Transaction, "trans_date" | "trans_time" | "unix_time"> {
  const iso = new Date(unixTime * 1000).toISOString();
  return { trans_date: iso.slice(0, 10), trans_time: iso.slice(11, 19), unix_time: unixTime };
}

async function imported(trees: HandNode[], parts = 1) {
  const root = await Deno.makeTempDir();
  const sparkDir = join(root, "02_01_2024_18_33_00");
  await writeSparkForest({ dir: sparkDir, trees, parts });
  const modelDir = join(root, "model");
  await importSparkModel({ sparkDir, modelDir });
  return { root, sparkDir, model: await loadModel(modelDir) };
}

Deno.test("the seed's hash: last five hex digits of the MD5 of the text", () => {
  for (
    const text of ["", "M", "F", "NC", "Engineer, civil", "23:59:59", "grocery_pos", "ü".repeat(70)]
  ) {
    const hex = createHash("md5").update(text).digest("hex");
    assert.equal(md5Hex(text), hex, text);
    assert.equal(seedHash(text), parseInt(hex.slice(-5), 16), text);
  }
  // Checked by hand: md5("M") = 69691c7bdcc3ce6d5d8a1361f22d04ac.
  assert.equal(seedHash("M"), 0xd04ac);
});

Deno.test("the seed's features of a transaction, in the seed's order", () => {
  const row = tx({ trans_time: "23:15:00", unix_time: 1_672_614_900, amt: 123.45 });
  const x = new SeedEncoder().encode([row]);
  assert.equal(x.length, SEED_FEATURE_COUNT);
  assert.equal(x[F.gender], seedHash("F"));
  assert.equal(x[F.state], seedHash("NC"));
  assert.equal(x[F.city_pop], 3495);
  assert.equal(x[F.job], seedHash("Psychologist, counselling"));
  assert.equal(x[F.profile], seedHash("adults_2550_female_rural.json"));
  assert.equal(x[F.trans_date], seedHash("23:15:00"), "the seed hashed trans_time into trans_date");
  assert.equal(x[F.unix_time], 1_672_614_900);
  assert.equal(x[F.category], seedHash("misc_net"));
  assert.equal(x[F.amt], 123.45);
  assert.equal(x[F.merchant], seedHash("fraud_Rippin, Kub and Mann"));
});

Deno.test("an imported Spark forest scores like Spark, checked by hand", async () => {
  const { root, model } = await imported(TREES, 2);
  try {
    assert.equal(model.manifest.encoder.name, "spark-seed");
    assert.deepEqual(model.manifest.encoder.features, [...SEED_FEATURES]);
    assert.equal(model.manifest.forest.trees, 3);
    assert.equal(model.manifest.forest.depth, 3);
    assert.equal(model.threshold, 0.5);
    const encoder = new SeedEncoder();
    // amt 300 > 250.5 and unix_time 1,700,000,000 <= the cut: leaf [1, 3] = 0.75; the lone leaf
    // 0.25; city_pop 3495 <= 10,000, then by the hash of trans_time and amt.
    const early = tx({ amt: 300, unix_time: 1_700_000_000 });
    // One second later goes right at the cut: leaf [2, 2] = 0.5. In 32-bit floats, 128 apart at
    // this size, both times would be the same number: the seed's features need 64 bits.
    const late = tx({ amt: 300, unix_time: 1_700_000_001 });
    assert.equal(Math.fround(1_700_000_000), Math.fround(1_700_000_001));
    const x = encoder.encode([early, late]);
    const third = (row: Transaction) =>
      seedHash(row.trans_time) <= 500_000.5 ? 0 : row.amt <= 20 ? 1 / 8 : 1 / 2;
    const scores = model.score(x, 2);
    assert.equal(scores[0], Math.fround((0.75 + 0.25 + third(early)) / 3));
    assert.equal(scores[1], Math.fround((0.5 + 0.25 + third(late)) / 3));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an imported Spark forest matches a straightforward walk on random rows", async () => {
  const { root, model } = await imported(TREES);
  try {
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const rows = 5000;
    const x = new Float64Array(rows * SEED_FEATURE_COUNT);
    for (let i = 0; i < rows; i++) {
      const o = i * SEED_FEATURE_COUNT;
      x[o + F.amt] = Math.round(random() * 60_000) / 100;
      x[o + F.unix_time] = 1_700_000_000 + Math.floor(random() * 3) - 1;
      x[o + F.city_pop] = Math.floor(random() * 20_000);
      x[o + F.trans_date] = Math.floor(random() * 2 ** 20);
    }
    const scores = model.score(x, rows);
    for (let i = 0; i < rows; i++) {
      assert.equal(scores[i], Math.fround(sparkProbability(TREES, x, i * SEED_FEATURE_COUNT)));
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("an imported Spark forest keeps its nodes' fraud shares for reason codes", async () => {
  const { root, model } = await imported(TREES);
  try {
    assert.equal(model.manifest.nodes?.file, "nodes.bin");
    assert.equal(model.explainer.nodeValues, "training");
    // The roots' class counts are their leaves' together: 15 of 108, 2 of 8, 3 of 24.
    assert.ok(Math.abs(model.explainer.baseRate - (15 / 108 + 2 / 8 + 3 / 24) / 3) < 1e-7);
    // amt 300 goes right (5 of 8 fraud), then unix_time left to [1, 3]; the other trees give
    // 0.25 (a lone leaf: no contribution) and, by city_pop and trans_date, [10, 0].
    const row = tx({ amt: 300, unix_time: 1_700_000_000, city_pop: 3495, trans_time: "01:00:00" });
    const x = new SeedEncoder().encode([row]);
    assert.ok(seedHash("01:00:00") <= 500_000.5, "the row goes left at trans_date");
    const contributions = model.explainer.contributions(x, 0);
    const expected = new Float64Array(SEED_FEATURE_COUNT);
    expected[F.amt] = 5 / 8 - 15 / 108;
    expected[F.unix_time] = 3 / 4 - 5 / 8;
    expected[F.city_pop] = 2 / 20 - 3 / 24;
    expected[F.trans_date] = 0 - 2 / 20;
    expected.forEach((v, f) =>
      assert.ok(
        Math.abs(contributions[f] - v / 3) < 1e-6,
        `${SEED_FEATURES[f]}: ${contributions[f]}`,
      )
    );
    const total = contributions.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(model.score(x, 1)[0] - model.explainer.baseRate - total) < 1e-6);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("categorical Spark splits send the listed categories left", async () => {
  const trees: HandNode[] = [{
    feature: F.gender,
    categories: [1, 3],
    numCategories: 4,
    left: { leaf: [0, 4] },
    right: { leaf: [4, 0] },
  }];
  const { root, model } = await imported(trees);
  try {
    const x = new Float64Array(4 * SEED_FEATURE_COUNT);
    for (let i = 0; i < 4; i++) x[i * SEED_FEATURE_COUNT + F.gender] = i;
    assert.deepEqual([...model.score(x, 4)], [0, 1, 0, 1]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("evaluating an imported seed model on CSV files uses the seed's encoding", async () => {
  const { root, model } = await imported(TREES);
  try {
    const data = join(root, "csv", "batch_0");
    await Deno.mkdir(data, { recursive: true });
    const rows = [
      // Date, time and unix_time agree, as the row validator asks.
      tx({ amt: 300, ...utc(1_700_000_000), is_fraud: 1 }),
      tx({ amt: 300, ...utc(1_700_000_001), is_fraud: 1 }),
      tx({ amt: 12, ...utc(1_700_000_000), is_fraud: 0 }),
      tx({ amt: 700, ...utc(1_600_000_000), is_fraud: 0 }),
    ];
    await Deno.writeTextFile(
      join(data, "part.csv"),
      csvFile(rows) + "not|a|row\n",
    );
    const bad: string[] = [];
    const report = await evaluateModel({
      model,
      dataDir: join(root, "csv"),
      threshold: 0.4,
      onBadRow: (row) => bad.push(`${row.line}: ${row.reason}`),
    });
    assert.deepEqual(bad, ["6: expected 26 fields separated by '|', found 3"]);
    assert.equal(report.rows, 4);
    assert.equal(report.frauds, 2);
    const x = new SeedEncoder().encode(rows);
    const expected = rows.map((_, i) => sparkProbability(TREES, x, i * SEED_FEATURE_COUNT));
    const alerts = expected.map((p) => Math.fround(p) >= 0.4);
    const tp = alerts.filter((a, i) => a && rows[i].is_fraud === 1).length;
    const fp = alerts.filter((a, i) => a && rows[i].is_fraud === 0).length;
    assert.equal(report.confusion.truePositives, tp);
    assert.equal(report.confusion.falsePositives, fp);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("Spark folders that cannot be imported are refused with a clear message", async () => {
  const root = await Deno.makeTempDir();
  const refused = async (sparkDir: string, message: RegExp) => {
    await assert.rejects(
      importSparkModel({ sparkDir, modelDir: join(root, "out") }),
      (error: unknown) => {
        assert.ok(error instanceof SparkModelError, String(error));
        assert.match(error.message, message);
        return true;
      },
    );
  };
  try {
    await refused(join(root, "missing"), /not a Spark ML model folder/);
    // A file given as the folder, and a Spark folder whose metadata or data is a file.
    await Deno.writeTextFile(join(root, "a-file"), "not a folder");
    await refused(join(root, "a-file"), /not a Spark ML model folder/);
    await Deno.mkdir(join(root, "flat"));
    await Deno.writeTextFile(join(root, "flat", "metadata"), "{}");
    await refused(join(root, "flat"), /not a Spark ML model folder/);
    await writeSparkForest({ dir: join(root, "data-file"), trees: TREES });
    await Deno.remove(join(root, "data-file", "data"), { recursive: true });
    await Deno.writeTextFile(join(root, "data-file", "data"), "");
    await refused(join(root, "data-file"), /holds no Parquet part files/);
    await writeSparkForest({
      dir: join(root, "gbt"),
      trees: TREES,
      className: "org.apache.spark.ml.classification.GBTClassificationModel",
    });
    await refused(join(root, "gbt"), /holds a .*GBTClassificationModel; only a .*RandomForest/);
    await writeSparkForest({ dir: join(root, "wide"), trees: TREES, numFeatures: 12 });
    await refused(join(root, "wide"), /expects 12 features; the seed's encoding gives 10/);
    await writeSparkForest({ dir: join(root, "cut"), trees: TREES });
    const dataDir = join(root, "cut", "data");
    for await (const entry of Deno.readDir(dataDir)) {
      const path = join(dataDir, entry.name);
      const bytes = await Deno.readFile(path);
      await Deno.writeFile(path, bytes.subarray(0, bytes.length - 40));
    }
    await refused(join(root, "cut"), /is not a readable Parquet file .* corrupt/);
    await writeSparkForest({ dir: join(root, "empty"), trees: TREES });
    await Deno.remove(join(root, "empty", "data"), { recursive: true });
    await refused(
      join(root, "empty"),
      /holds no Parquet part files; the Spark model is incomplete/,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("fraudstream model import-spark, then the online scorer scores like Spark", async () => {
  const root = await Deno.makeTempDir();
  const sparkDir = join(root, "RandomForestModel");
  const modelsDir = join(root, "models");
  await writeSparkForest({ dir: sparkDir, trees: TREES, parts: 2 });
  const quiet = { stdout: () => {}, stderr: () => {}, signal: new AbortController().signal };
  let system: ActorSystem | undefined;
  try {
    const code = await main(
      ["model", "import-spark", sparkDir, "seed-rf", "--models-dir", modelsDir, "--quiet"],
      quiet,
    );
    assert.equal(code, 0);
    const scoring = await modelScoring({ model: "seed-rf", modelsDir, workers: 1 });
    system = await ActorSystem.start({
      kind: "supervisor",
      id: "root",
      children: scoring.children,
    });
    const scorer = await scoring.scorers(0, (path) => system!.ref(path));
    const rows = [
      tx({ amt: 300, unix_time: 1_700_000_000 }),
      tx({ amt: 300, unix_time: 1_700_000_001 }),
      tx({ amt: 12, city_pop: 50_000 }),
    ];
    assert.equal(await scorer.restore([]), 0);
    const result = await scorer.score(transactionsToColumns(rows), { snapshot: true });
    const x = new SeedEncoder().encode(rows);
    assert.deepEqual(
      [...result.scores],
      rows.map((_, i) => Math.fround(sparkProbability(TREES, x, i * SEED_FEATURE_COUNT))),
    );
    assert.equal(result.modelVersion, "seed-rf");
    assert.deepEqual(
      result.cardStates,
      { delta: [] },
      "the seed's encoding keeps no per-card state",
    );
    assert.notEqual(
      await main(
        ["model", "import-spark", join(root, "missing"), "--models-dir", modelsDir],
        quiet,
      ),
      0,
    );
  } finally {
    await system?.shutdown();
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("import-spark keeps Spark's 64-bit seed exactly, as text", async () => {
  const { root, model } = await imported(TREES);
  try {
    assert.equal(model.manifest.params.seed, SPARK_DEFAULT_SEED);
    const sparkParams = model.manifest.data?.spark_params as Record<string, unknown>;
    assert.equal(sparkParams.seed, SPARK_DEFAULT_SEED);
    assert.equal(sparkParams.maxBins, 32, "small numbers stay numbers");
    const text = await Deno.readTextFile(join(model.dir, "model.json"));
    assert.ok(!text.includes("-7387420455837442000"), "no rounded copy of the seed");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
