import assert from "node:assert/strict";
import { join } from "node:path";
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from "hyparquet";
import { generateTrainingSet } from "../../actors/pipeline/generator/mod.ts";
import { evaluateModel } from "../../model/evaluate.ts";
import type { Confusion } from "../../model/metrics.ts";
import { loadModel } from "../../model/model_file.ts";
import { ScoresFileError, writeScoresFile } from "../../model/scores_file.ts";
import { COLUMNS, HEADER } from "../../model/schema.ts";
import { importSparkModel } from "../../model/spark_import.ts";
import { runMain } from "../fixtures/main_run.ts";
import { csvFile, sampleTransaction } from "../fixtures/transactions.ts";
import { writeSparkForest } from "./spark_fixture.ts";

interface Row {
  trans_num: string;
  cc_num: string;
  label: number;
  score: number;
}

/** Reads a scores CSV file as another tool would: split on commas, numbers parsed as text. */
async function readCsv(path: string): Promise<Row[]> {
  const [header, ...lines] = (await Deno.readTextFile(path)).trimEnd().split("\n");
  assert.equal(header, "trans_num,cc_num,label,score");
  return lines.map((line) => {
    const [trans_num, cc_num, label, score] = line.split(",");
    return { trans_num, cc_num, label: Number(label), score: Number(score) };
  });
}

async function readParquet(path: string): Promise<Row[]> {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  return (await parquetReadObjects({ file, metadata })) as unknown as Row[];
}

/** The confusion counts a user would compute from the file at `threshold`. */
function counted(rows: Row[], threshold: number) {
  const alerts = rows.filter((row) => row.score >= threshold);
  return {
    rows: rows.length,
    frauds: rows.filter((row) => row.label === 1).length,
    truePositives: alerts.filter((row) => row.label === 1).length,
    falsePositives: alerts.filter((row) => row.label === 0).length,
  };
}

Deno.test("evaluate --scores-out writes rows that reproduce the printed figures, as CSV and Parquet", async () => {
  const root = await Deno.makeTempDir();
  try {
    const data = join(root, "data");
    await generateTrainingSet({
      customers: 60,
      start: "2023-01-01",
      end: "2023-03-31",
      outDir: data,
      seed: 5,
      workers: 1,
      workerEntry: new URL("../../actors/pipeline/workers/entry.ts", import.meta.url),
    });
    // A bad line and an empty line: skipped by the reader, so not in the scores either.
    const first = (await Array.fromAsync(Deno.readDir(data)))
      .map((entry) => entry.name).filter((name) => name.endsWith(".csv")).sort()[0];
    const firstPath = join(data, first);
    const text = await Deno.readTextFile(firstPath);
    const lines = text.trimEnd().split("\n");
    lines.splice(1, 0, "not|a|row", "");
    await Deno.writeTextFile(firstPath, lines.join("\n") + "\n");

    const threshold = 0.5;
    const reports: Record<string, { rows: number; frauds: number; confusion: Confusion }> = {};
    for (const extension of ["csv", "parquet"]) {
      const run = await runMain([
        "evaluate",
        "--model",
        "pretrained",
        "--data",
        data,
        "--threshold",
        String(threshold),
        "--scores-out",
        join(root, `scores.${extension}`),
        "--report",
        join(root, `${extension}.json`),
      ]);
      assert.equal(run.code, 0, run.err.join("\n"));
      assert.match(run.err.join("\n"), new RegExp(`skipped .*${first}:2: `));
      assert.match(run.out.join("\n"), new RegExp(`to .*scores\\.${extension}`));
      reports[extension] = JSON.parse(await Deno.readTextFile(join(root, `${extension}.json`)));
    }
    const csv = await readCsv(join(root, "scores.csv"));
    const parquet = await readParquet(join(root, "scores.parquet"));
    const report = reports.csv;
    const fromFile = counted(csv, threshold);
    assert.equal(fromFile.rows, report.rows);
    assert.equal(fromFile.frauds, report.frauds);
    assert.equal(fromFile.truePositives, report.confusion.truePositives);
    assert.equal(fromFile.falsePositives, report.confusion.falsePositives);
    assert.ok(fromFile.frauds > 0 && fromFile.truePositives + fromFile.falsePositives > 0);
    assert.ok(fromFile.truePositives + fromFile.falsePositives < fromFile.rows);
    assert.deepEqual(counted(parquet, threshold), fromFile);
    assert.deepEqual(parquet, csv, "the Parquet file holds the same rows as the CSV file");

    // The ids are the data's, in the order read, and every one once.
    const ids = new Set(csv.map((row) => row.trans_num));
    assert.equal(ids.size, csv.length);
    const firstRows = lines.filter((line) => line !== HEADER && line.split("|").length === 26);
    const firstIds = firstRows.map((line) => line.split("|")[COLUMNS.indexOf("trans_num")]);
    assert.deepEqual(csv.slice(0, firstIds.length).map((row) => row.trans_num), firstIds);
    assert.ok(csv.every((row) => /^\d{12,19}$/.test(row.cc_num)));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("evaluate --scores-out of an imported seed model, and a bad --scores-out", async () => {
  const root = await Deno.makeTempDir();
  try {
    await writeSparkForest({
      dir: join(root, "spark"),
      trees: [{ feature: 8, threshold: 100, left: { leaf: [9, 1] }, right: { leaf: [1, 3] } }],
    });
    await importSparkModel({ sparkDir: join(root, "spark"), modelDir: join(root, "model") });
    const rows = Array.from({ length: 40 }, (_, i) => ({
      ...sampleTransaction(i),
      is_fraud: (i % 3 === 0 ? 1 : 0) as 0 | 1,
    }));
    await Deno.mkdir(join(root, "data"));
    await Deno.writeTextFile(join(root, "data", "part.csv"), csvFile(rows));
    const report = await evaluateModel({
      model: await loadModel(join(root, "model")),
      dataDir: join(root, "data"),
      scoresOut: join(root, "scores.csv"),
    });
    const written = await readCsv(join(root, "scores.csv"));
    assert.deepEqual(written.map((row) => row.trans_num), rows.map((row) => row.trans_num));
    assert.deepEqual(written.map((row) => row.label), rows.map((row) => row.is_fraud));
    // amt <= 100 scores 0.1, above it 0.75.
    assert.deepEqual(
      written.map((row) => row.score),
      rows.map((row) => Math.fround(row.amt <= 100 ? 0.1 : 0.75)),
    );
    const fromFile = counted(written, report.threshold);
    assert.equal(fromFile.truePositives, report.confusion.truePositives);
    assert.equal(fromFile.falsePositives, report.confusion.falsePositives);

    const wrongKind = await runMain([
      "evaluate",
      "--data",
      join(root, "data"),
      "--scores-out",
      join(root, "scores.txt"),
    ]);
    assert.equal(wrongKind.code, 2);
    assert.match(
      wrongKind.err[0],
      /--scores-out: expected a file name ending in \.csv or \.parquet/,
    );
    const noFolder = await runMain([
      "evaluate",
      "--model",
      join(root, "model"),
      "--data",
      join(root, "data"),
      "--scores-out",
      join(root, "missing", "scores.csv"),
    ]);
    assert.equal(noFolder.code, 1);
    assert.match(noFolder.err[0], /folder '.*missing' does not exist/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("scores are not written when the data no longer matches what was scored", async () => {
  const root = await Deno.makeTempDir();
  try {
    const rows = Array.from(
      { length: 5 },
      (_, i) => ({ ...sampleTransaction(i), is_fraud: 0 as const }),
    );
    const file = join(root, "part.csv");
    await Deno.writeTextFile(file, csvFile(rows));
    const scored = {
      files: [file],
      skipped: new Set<string>(),
      scores: new Float32Array(5),
      labels: Uint8Array.from([0, 0, 1, 0, 0]),
    };
    await assert.rejects(
      writeScoresFile(join(root, "scores.csv"), scored),
      (error: unknown) => error instanceof ScoresFileError && /changed while/.test(error.message),
    );
    await assert.rejects(
      writeScoresFile(join(root, "scores.parquet"), {
        ...scored,
        scores: new Float32Array(6),
        labels: new Uint8Array(6),
      }),
      ScoresFileError,
    );
    assert.deepEqual((await Array.fromAsync(Deno.readDir(root))).map((e) => e.name), ["part.csv"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("evaluate --scores-out never replaces a file it did not write: a data file, a folder", async () => {
  const root = await Deno.makeTempDir();
  try {
    await writeSparkForest({ dir: join(root, "spark"), trees: [{ leaf: [6, 2] }] });
    await importSparkModel({ sparkDir: join(root, "spark"), modelDir: join(root, "model") });
    const rows = Array.from({ length: 12 }, (_, i) => ({
      ...sampleTransaction(i),
      is_fraud: (i % 4 === 0 ? 1 : 0) as 0 | 1,
    }));
    await Deno.mkdir(join(root, "data"));
    const dataFile = join(root, "data", "part.csv");
    await Deno.writeTextFile(dataFile, csvFile(rows));
    const notes = join(root, "notes.csv");
    await Deno.writeTextFile(notes, "a,b\n1,2\n");
    await Deno.mkdir(join(root, "folder.csv"));
    const evaluate = (scoresOut: string) =>
      runMain([
        "evaluate",
        "--model",
        join(root, "model"),
        "--data",
        join(root, "data"),
        "--scores-out",
        scoresOut,
        "--quiet",
      ]);
    for (
      const [target, why] of [
        [dataFile, /not a scores file/],
        [notes, /not a scores file/],
        [join(root, "folder.csv"), /is a folder/],
      ] as const
    ) {
      const run = await evaluate(target);
      assert.equal(run.code, 1, `${target}: ${run.err.join("\n")}`);
      assert.match(run.err.at(-1)!, why);
      assert.match(run.err.at(-1)!, new RegExp(target.replaceAll("/", "\\/")));
    }
    assert.equal(await Deno.readTextFile(dataFile), csvFile(rows), "the data file is untouched");
    assert.equal(await Deno.readTextFile(notes), "a,b\n1,2\n");
    // A scores file written before, CSV or Parquet, is replaced.
    for (const name of ["scores.csv", "scores.parquet"]) {
      assert.equal((await evaluate(join(root, name))).code, 0);
      const again = await evaluate(join(root, name));
      assert.equal(again.code, 0, again.err.join("\n"));
    }
    // A .parquet file that does not read as a scores file (here a cut one) is left alone too.
    const bytes = await Deno.readFile(join(root, "scores.parquet"));
    const foreign = join(root, "foreign.parquet");
    await Deno.writeFile(foreign, bytes.slice(0, bytes.length - 20));
    const run = await evaluate(foreign);
    assert.equal(run.code, 1, run.err.join("\n"));
    assert.match(run.err.at(-1)!, /not a scores file/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
