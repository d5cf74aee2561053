import assert from "node:assert/strict";
import { join } from "node:path";
import { generateTrainingSet } from "../../../actors/pipeline/generator/mod.ts";
import { main } from "../../../main.ts";
import { resolveModelDir } from "../../../model/catalog.ts";
import { UsageError } from "../../../actors/lib/errors.ts";
import { loadModel } from "../../../model/model_file.ts";
import { captureIO, runMain, runMainInterrupted } from "../../fixtures/main_run.ts";
import { writeSparkForest } from "../../model/spark_fixture.ts";
import { fileTree } from "../../fixtures/file_tree.ts";
import { csvFile, sampleTransaction } from "../../fixtures/transactions.ts";
import { installModelVersion, PRETRAINED } from "../../fixtures/model_versions.ts";

Deno.test("train writes a model folder with its report; evaluate scores another data set", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const entry = new URL("../../../actors/pipeline/workers/entry.ts", import.meta.url);
    for (const [name, seed] of [["train", 1], ["other", 2]] as const) {
      await generateTrainingSet({
        customers: 150,
        start: "2023-01-01",
        end: "2023-06-30",
        outDir: join(dir, name),
        seed,
        workers: 2,
        workerEntry: entry,
      });
    }
    const out: string[] = [];
    const err: string[] = [];
    const trained = await main([
      "train",
      "--data",
      join(dir, "train"),
      "--out",
      join(dir, "model"),
      "--trees",
      "16",
      "--max-depth",
      "6",
      "--quiet",
      "--report",
      join(dir, "train.json"),
    ], captureIO(out, err));
    assert.equal(trained, 0, err.join("\n"));
    const report = JSON.parse(await Deno.readTextFile(join(dir, "train.json")));
    for (
      const key of ["rows", "frauds", "threshold", "train_rows", "validation_rows", "test_rows"]
    ) {
      assert.equal(typeof report[key], "number", key);
    }
    for (const part of [report.validation, report.test]) {
      for (
        const key of [
          "precision",
          "recall",
          "f1",
          "average_precision",
          "roc_auc",
          "alerts_per_1000",
        ]
      ) {
        assert.equal(typeof part[key], "number", key);
      }
    }
    assert.ok(report.test.roc_auc > 0.9, `ROC-AUC ${report.test.roc_auc} on unseen cards and time`);
    const html = await Deno.readTextFile(join(dir, "model", "report.html"));
    for (const picture of ["Precision-recall", "ROC", "Confusion matrix", "Feature importance"]) {
      assert.match(html, new RegExp(picture));
    }

    const evaluated = await main([
      "evaluate",
      "--model",
      join(dir, "model"),
      "--data",
      join(dir, "other"),
      "--threshold",
      "0.5",
      "--quiet",
      "--report",
      join(dir, "eval.json"),
    ], captureIO(out, err));
    assert.equal(evaluated, 0, err.join("\n"));
    const evaluation = JSON.parse(await Deno.readTextFile(join(dir, "eval.json")));
    for (
      const key of [
        "rows",
        "frauds",
        "threshold",
        "precision",
        "recall",
        "f1",
        "average_precision",
        "roc_auc",
        "alerts_per_1000",
      ]
    ) {
      assert.equal(typeof evaluation[key], "number", key);
    }
    assert.equal(evaluation.threshold, 0.5);
    assert.ok(evaluation.frauds > 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("train and evaluate name what is missing", async () => {
  const out: string[] = [];
  const err: string[] = [];
  assert.equal(await main(["train"], captureIO(out, err)), 2);
  assert.match(err.at(-1)!, /train needs the data/);
  assert.equal(await main(["evaluate"], captureIO(out, err)), 2);
  assert.match(err.at(-1)!, /evaluate needs --data/);
  assert.equal(
    await main(
      ["evaluate", "--data", "/nonexistent", "--model", "/nonexistent-model"],
      captureIO(out, err),
    ),
    1,
  );
  assert.match(err.at(-1)!, /no model in '\/nonexistent-model'/);
});

/** Names in `dir`, sorted. */
async function namesIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("a version name is one plain folder name: hostile names are refused, nothing is touched", async () => {
  const root = await Deno.makeTempDir();
  try {
    const parent = join(root, "parent");
    const modelsDir = join(parent, "models");
    const sparkDir = join(root, "spark");
    await writeSparkForest({ dir: sparkDir, trees: [{ leaf: [6, 2] }] });
    await Deno.mkdir(modelsDir, { recursive: true });
    await Deno.writeTextFile(join(parent, "keep.txt"), "the parent's own file");
    const imported = await runMain([
      "model",
      "import-spark",
      sparkDir,
      "existing",
      "--models-dir",
      modelsDir,
    ]);
    assert.equal(imported.code, 0, imported.err.join("\n"));
    const before = await fileTree(root);

    for (const name of ["..", ".", "../../x", "a/b", "", "two words"]) {
      const run = await runMain([
        "model",
        "import-spark",
        sparkDir,
        name,
        "--models-dir",
        modelsDir,
      ]);
      assert.equal(run.code, 2, `name '${name}': ${run.err.join("\n")}`);
      assert.equal(run.err.length, 1);
      assert.match(run.err[0], /\[name\] of model import-spark: expected a version name/);
      assert.deepEqual(await fileTree(root), before, `name '${name}' changed files`);
    }
    // The default name is the Spark folder's name: the same rule applies to it.
    const derived = await runMain([
      "model",
      "import-spark",
      `${sparkDir}/..`,
      "--models-dir",
      modelsDir,
    ]);
    assert.equal(derived.code, 2);
    assert.match(derived.err[0], /taken from the folder name of .*give a name after it/);
    assert.deepEqual(await fileTree(root), before);

    for (
      const [args, setting] of [
        [["evaluate", "--model", "..", "--data", root], "--model"],
        [["evaluate", "--model", ".", "--data", root], "--model"],
        [["train", "--version", "..", "--models-dir", modelsDir], "--version"],
        [["train", "--version", "../../x", "--models-dir", modelsDir], "--version"],
        [["generate", "--version", "a/b", "--customers", "1"], "--version"],
      ] as const
    ) {
      const run = await runMain([...args]);
      assert.equal(run.code, 2, args.join(" "));
      assert.match(
        run.err[0],
        new RegExp(`invalid value for ${setting}: expected`),
        args.join(" "),
      );
    }
    assert.deepEqual(await fileTree(root), before);
    await assert.rejects(
      resolveModelDir({ model: "..", modelsDir }),
      (error: unknown) => error instanceof UsageError && /--model/.test(error.message),
    );
    // A folder is still named by any path with a '/'.
    assert.equal(
      await resolveModelDir({ model: join(modelsDir, "existing"), modelsDir }),
      join(modelsDir, "existing"),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** A small generated training set under `root/data`. */
async function smallTrainingSet(root: string): Promise<string> {
  const data = join(root, "data");
  await generateTrainingSet({
    customers: 60,
    start: "2023-01-01",
    end: "2023-04-30",
    outDir: data,
    seed: 3,
    workers: 1,
    workerEntry: new URL("../../../actors/pipeline/workers/entry.ts", import.meta.url),
  });
  return data;
}

const SMALL_FOREST = ["--trees", "8", "--max-depth", "4", "--workers", "1", "--quiet"];

Deno.test("train --out leaves a folder that is not a model alone, replaces it with --force, and replaces a previous model", async () => {
  const root = await Deno.makeTempDir();
  try {
    const data = await smallTrainingSet(root);
    const out = join(root, "photos");
    await Deno.mkdir(out);
    await Deno.writeTextFile(join(out, "holiday.jpg"), "precious");
    const refused = await runMain(["train", "--data", data, "--out", out, ...SMALL_FOREST]);
    assert.equal(refused.code, 1);
    assert.match(refused.err[0], /holds 'holiday\.jpg'.*pass --force to replace it/);
    assert.equal(await Deno.readTextFile(join(out, "holiday.jpg")), "precious");
    assert.deepEqual(await namesIn(root), ["data", "photos"]);

    const forced = await runMain([
      "train",
      "--data",
      data,
      "--out",
      out,
      "--force",
      ...SMALL_FOREST,
    ]);
    assert.equal(forced.code, 0, forced.err.join("\n"));
    assert.deepEqual(await namesIn(out), [
      "forest.bin",
      "model.json",
      "nodes.bin",
      "reference.json",
      "report.html",
    ]);
    const first = await loadModel(out);

    // A model folder is a previous version: replaced without --force, nothing left beside it.
    const again = await runMain([
      "train",
      "--data",
      data,
      "--out",
      out,
      "--version",
      "second",
      ...SMALL_FOREST,
    ]);
    assert.equal(again.code, 0, again.err.join("\n"));
    const second = await loadModel(out);
    assert.equal(second.version, "second");
    assert.notEqual(second.manifest.created_at, first.manifest.created_at);
    assert.deepEqual(await namesIn(root), ["data", "photos"], "no temporary folder left");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("train says what it holds out; --holdout none trains on every row and claims no figures", async () => {
  const root = await Deno.makeTempDir();
  try {
    const data = await smallTrainingSet(root);
    const help = await runMain(["train", "--help"]);
    assert.match(help.out.join("\n"), /--holdout SHARE\|none .*49% at 0\.3.*default 0\.3/);

    const held = await runMain([
      "train",
      "--data",
      data,
      "--out",
      join(root, "held"),
      "--report",
      join(root, "held.json"),
      ...SMALL_FOREST,
    ]);
    assert.equal(held.code, 0, held.err.join("\n"));
    const report = JSON.parse(await Deno.readTextFile(join(root, "held.json")));
    assert.equal(report.holdout, 0.3);
    assert.equal(
      report.train_rows + report.validation_rows + report.test_rows + report.history_rows,
      report.rows,
    );
    const share = report.train_rows / report.rows;
    assert.ok(share > 0.35 && share < 0.6, `trained on ${share} of the rows`);
    assert.equal(report.threshold_from, "validation");
    assert.match(held.out.join("\n"), /trained on \d+ of \d+ rows/);
    assert.match(held.out.join("\n"), /hold-out 30\.0% of the cards and of the time/);

    const all = await runMain([
      "train",
      "--data",
      data,
      "--out",
      join(root, "all"),
      "--holdout",
      "none",
      "--report",
      join(root, "all.json"),
      ...SMALL_FOREST,
    ]);
    assert.equal(all.code, 0, all.err.join("\n"));
    const final = JSON.parse(await Deno.readTextFile(join(root, "all.json")));
    assert.equal(final.holdout, 0);
    assert.equal(final.train_rows, final.rows, "every row trains");
    assert.equal(final.rows, report.rows);
    assert.equal(final.validation, null);
    assert.equal(final.test, null);
    assert.equal(final.threshold, 0.5);
    assert.equal(final.threshold_from, "default");
    const printed = all.out.join("\n");
    assert.match(printed, /no hold-out \(--holdout none\), so no test figures/);
    assert.doesNotMatch(printed, /precision|recall|ROC/);
    const model = await loadModel(join(root, "all"));
    assert.equal(model.manifest.metrics, undefined);
    const html = await Deno.readTextFile(join(root, "all", "report.html"));
    assert.match(html, /No hold-out/);
    assert.doesNotMatch(html, /Test part/);

    const given = await runMain([
      "train",
      "--data",
      data,
      "--out",
      join(root, "given"),
      "--holdout",
      "none",
      "--threshold",
      "0.7",
      ...SMALL_FOREST,
    ]);
    assert.equal(given.code, 0, given.err.join("\n"));
    assert.equal((await loadModel(join(root, "given"))).threshold, 0.7);
    assert.match(given.out.join("\n"), /threshold 0\.700 \(given by --threshold\)/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("train refuses data it cannot honestly train or test on, and writes no model", async () => {
  const root = await Deno.makeTempDir();
  try {
    const rows = (n: number, cards: number, fraud: (i: number) => boolean) =>
      Array.from({ length: n }, (_, i) => ({
        ...sampleTransaction(i, cards),
        is_fraud: (fraud(i) ? 1 : 0) as 0 | 1,
      }));
    const cases = [
      // Nothing valid: a header alone, and rows that are all bad.
      ["header", csvFile([]), /no valid transactions/],
      ["bad", csvFile(rows(50, 10, () => false)).replaceAll("|0|fraud_", "|2|fraud_"), /no valid/],
      // One class only.
      ["legit", csvFile(rows(400, 20, () => false)), /training rows hold no fraud/],
      ["fraud", csvFile(rows(400, 20, () => true)), /training rows are all fraud/],
      // One card: nothing left to hold out for the test part, or nothing to train on.
      ["one-card", csvFile(rows(400, 1, (i) => i % 7 === 0)), /--holdout none/],
    ] as const;
    for (const [name, text, why] of cases) {
      await Deno.mkdir(join(root, name));
      await Deno.writeTextFile(join(root, name, "part.csv"), text);
      const run = await runMain([
        "train",
        "--data",
        join(root, name),
        "--out",
        join(root, `model-${name}`),
        "--trees",
        "2",
        "--max-depth",
        "2",
        "--min-instances",
        "1",
        "--quiet",
      ]);
      assert.equal(run.code, 1, `${name}: ${run.out.join("\n")}${run.err.join("\n")}`);
      assert.match(run.err.at(-1)!, why, name);
      await assert.rejects(Deno.stat(join(root, `model-${name}`)), Deno.errors.NotFound, name);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("evaluate refuses data without a valid row, and says a figure is undefined on one class", async () => {
  const root = await Deno.makeTempDir();
  try {
    const legit = Array.from({ length: 60 }, (_, i) => ({
      ...sampleTransaction(i),
      is_fraud: 0 as const,
    }));
    for (
      const [name, text] of [["header", csvFile([])], ["empty", ""], ["legit", csvFile(legit)]]
    ) {
      await Deno.mkdir(join(root, name));
      await Deno.writeTextFile(join(root, name, "part.csv"), text);
    }
    const evaluate = (data: string) =>
      runMain([
        "evaluate",
        "--model",
        PRETRAINED,
        "--data",
        join(root, data),
        "--quiet",
        "--report",
        join(root, `${data}.json`),
        "--scores-out",
        join(root, `${data}.csv`),
      ]);
    for (const data of ["header", "empty"]) {
      const run = await evaluate(data);
      assert.equal(run.code, 1, `${data}: ${run.out.join("\n")}`);
      assert.match(run.err.at(-1)!, /no valid transactions in .*; nothing to evaluate/);
      for (const file of [`${data}.json`, `${data}.csv`]) {
        await assert.rejects(Deno.stat(join(root, file)), Deno.errors.NotFound);
      }
    }
    const run = await evaluate("legit");
    assert.equal(run.code, 0, run.err.join("\n"));
    assert.match(run.out[0], /on 60 rows \(0 frauds\)/);
    assert.match(run.out[0], /average precision n\/a, ROC-AUC n\/a \(no fraud in the data\)/);
    const report = JSON.parse(await Deno.readTextFile(join(root, "legit.json")));
    assert.equal(report.roc_auc, null);
    assert.equal(report.average_precision, null);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("model refuses a flag or an argument its action does not use instead of ignoring it, exit 2", async () => {
  const root = await Deno.makeTempDir();
  try {
    const modelsDir = join(root, "models");
    await installModelVersion(modelsDir, "v1");
    const before = await fileTree(root);
    const cases: [string[], RegExp][] = [
      [
        ["promote", "v1", "--threshold", "0.2"],
        /model promote does not use --threshold: it is for model import-spark/,
      ],
      [
        ["promote", "v1", "--data", root],
        /model promote does not use --data: it is for model profile/,
      ],
      [
        ["promote", "v1", "--force"],
        /model promote does not use --force: it is for model import-spark/,
      ],
      [["promote", "v1", "v2"], /'model promote' got an unexpected argument 'v2'/],
      [
        ["list", "--threshold", "0.3"],
        /model list does not use --threshold: it is for model import-spark/,
      ],
      [["list", "extra"], /'model list' got an unexpected argument 'extra'/],
      [
        ["profile", "v1", "--data", root, "--threshold", "0.3"],
        /model profile does not use --threshold/,
      ],
      [
        ["profile", "v1", "--data", root, "--force"],
        /model profile does not use --force: it is for model import-spark/,
      ],
      [["profile", "v1", "v2", "--data", root], /unexpected argument 'v2'/],
      [
        ["import-spark", root, "x", "--data", root],
        /model import-spark does not use --data: it is for model profile/,
      ],
    ];
    for (const [args, message] of cases) {
      const run = await runMain(["model", ...args, "--models-dir", modelsDir, "--quiet"]);
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.out.join("\n")}${run.err.join("\n")}`);
      assert.equal(run.err.length, 1);
      assert.match(run.err[0], message);
      assert.deepEqual(await fileTree(root), before, args.join(" "));
    }
    // From the environment, shared by every command, the same settings are no mistake.
    const listed = await runMain([
      "model",
      "list",
      "--models-dir",
      modelsDir,
      "--env-file",
      await envFile(root, "ALERT_THRESHOLD=0.3\nTRAIN_DATA=/data\n"),
    ]);
    assert.equal(listed.code, 0, listed.err.join("\n"));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** A .env file under `dir` holding `text`; returns its path. */
async function envFile(dir: string, text: string): Promise<string> {
  const path = join(dir, "settings.env");
  await Deno.writeTextFile(path, text);
  return path;
}

/** Runs `main(args)`, interrupted (one Ctrl-C) when a status line starts with `at`. */
function mainInterrupted(args: string[], at: string) {
  return runMainInterrupted(args, (line) => line.startsWith(at));
}

Deno.test("train interrupted (Ctrl-C) while its trees grow stops without writing the model, exit 130", async () => {
  const root = await Deno.makeTempDir();
  try {
    const rows = Array.from({ length: 600 }, (_, i) => ({
      ...sampleTransaction(i, 30),
      is_fraud: (i % 9 === 0 ? 1 : 0) as 0 | 1,
    }));
    await Deno.mkdir(join(root, "data"));
    await Deno.writeTextFile(join(root, "data", "part.csv"), csvFile(rows));
    // Ctrl-C as the trees start to grow.
    const { code, out, err } = await mainInterrupted([
      "train",
      "--data",
      join(root, "data"),
      "--out",
      join(root, "model"),
      "--trees",
      "4",
      "--max-depth",
      "3",
      "--min-instances",
      "1",
      "--report",
      join(root, "train.json"),
    ], "train: training");
    assert.equal(code, 130, [...out, ...err].join("\n"));
    assert.match(err.at(-1)!, /train was interrupted; no model was written/);
    assert.deepEqual(await namesIn(root), ["data"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("evaluate interrupted (Ctrl-C) while it reads stops at once, writing no scores, exit 130", async () => {
  const root = await Deno.makeTempDir();
  try {
    const rows = Array.from({ length: 600 }, (_, i) => sampleTransaction(i, 30));
    await Deno.mkdir(join(root, "data"));
    await Deno.writeTextFile(join(root, "data", "part.csv"), csvFile(rows));
    // Ctrl-C as the reading starts.
    const { code, out, err } = await mainInterrupted([
      "evaluate",
      "--model",
      new URL("../../../resources/models/pretrained", import.meta.url).pathname,
      "--data",
      join(root, "data"),
      "--scores-out",
      join(root, "scores.csv"),
    ], "evaluate: reading");
    assert.equal(code, 130, [...out, ...err].join("\n"));
    assert.match(err.at(-1)!, /stopped while reading the CSV files; nothing was written/);
    assert.deepEqual(await namesIn(root), ["data"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("model profile interrupted (Ctrl-C) while it reads writes no reference, exit 130", async () => {
  const root = await Deno.makeTempDir();
  try {
    const rows = Array.from({ length: 600 }, (_, i) => sampleTransaction(i, 30));
    await Deno.mkdir(join(root, "data"));
    await Deno.writeTextFile(join(root, "data", "part.csv"), csvFile(rows));
    const modelsDir = join(root, "models");
    const dir = await installModelVersion(modelsDir, "v1");
    const before = await namesIn(dir);
    // Ctrl-C as the reading starts.
    const { code, out, err } = await mainInterrupted(
      ["model", "profile", "v1", "--models-dir", modelsDir, "--data", join(root, "data")],
      "model profile: reading",
    );
    assert.equal(code, 130, [...out, ...err].join("\n"));
    assert.deepEqual(await namesIn(dir), before, "no reference written");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("model list lists every version when one cannot be loaded, naming it and why, exit 1", async () => {
  const root = await Deno.makeTempDir();
  try {
    const modelsDir = join(root, "models");
    await installModelVersion(modelsDir, "v1", { createdAt: "2026-01-01T00:00:00.000Z" });
    const broken = await installModelVersion(modelsDir, "v2", {
      createdAt: "2026-01-02T00:00:00.000Z",
    });
    await installModelVersion(modelsDir, "v3", { createdAt: "2026-01-03T00:00:00.000Z" });
    await Deno.remove(join(broken, "forest.bin"));
    const run = await runMain([
      "model",
      "list",
      "--models-dir",
      modelsDir,
      "--report",
      join(root, "list.json"),
    ]);
    assert.equal(run.code, 1, run.err.join("\n"));
    assert.equal(run.out.length, 3, run.out.join("\n"));
    assert.match(run.out[0], /^v1\t/);
    assert.match(run.out[1], /^v2\tcannot be loaded: .*forest\.bin is missing/);
    assert.match(run.out[2], /^v3\t/);
    assert.match(run.err.at(-1)!, /1 of the 3 model versions in .* cannot be loaded: v2/);
    const report = JSON.parse(await Deno.readTextFile(join(root, "list.json")));
    assert.deepEqual(report.models.map((m: { version: string }) => m.version), ["v1", "v2", "v3"]);
    assert.match(report.models[1].error, /forest\.bin is missing/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
