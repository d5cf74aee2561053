import assert from "node:assert/strict";
import { join } from "node:path";
import { generateTrainingSet } from "../../actors/generator/mod.ts";
import { main } from "../../main.ts";
import { captureIO } from "../fixtures/main_run.ts";

Deno.test("train writes a model folder with its report; evaluate scores another data set", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const entry = new URL("../../actors/worker_main.ts", import.meta.url);
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
