import assert from "node:assert/strict";
import { join } from "node:path";
import { generateTrainingSet } from "../../../actors/pipeline/generator/mod.ts";
import { main } from "../../../main.ts";
import { resolveModelDir } from "../../../model/catalog.ts";
import { UsageError } from "../../../actors/lib/errors.ts";
import { loadModel } from "../../../model/model_file.ts";
import { captureIO, runMain } from "../../fixtures/main_run.ts";
import { writeSparkForest } from "../../model/spark_fixture.ts";
import { fileTree } from "../../fixtures/file_tree.ts";

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
