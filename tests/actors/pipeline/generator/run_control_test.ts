/**
 * A training run under supervision: a worker crash costs a file, not the run, and changes no
 * byte; an interrupted run leaves complete files only; a folder holding another run is refused.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  generateTrainingSet,
  GenerationInterruptedError,
} from "../../../../actors/pipeline/generator/mod.ts";
import { assertSameFiles, generateSmallSet as run, tempDir } from "./helpers.ts";
import { findCsvFiles, NoDataError } from "../../../../model/csv_columns.ts";
import { encodeData } from "../../../../model/train.ts";

Deno.test("a worker that crashes while writing a file is restarted and redoes it; the output is unchanged", async () => {
  const clean = await run({ seed: 5, workers: 2, fidelity: "sparkov" });
  // The largest file: the crash surely happens after some of its rows reached the disk.
  const [victim] = [...clean.files].filter(([name]) => name !== "customers.csv")
    .sort((a, b) => b[1].length - a[1].length)[0];
  const crashed = await run({ seed: 5, workers: 2, fidelity: "sparkov", crashInFile: victim });
  assert.ok(crashed.report.worker_restarts >= 1, "the worker was restarted");
  assertSameFiles(clean.files, crashed.files, "after a crash");
  assert.equal(crashed.report.rows, clean.report.rows);
  assert.equal(crashed.report.bytes, clean.report.bytes);
});

Deno.test("an interrupted run stops and leaves only complete files", async () => {
  const dir = await tempDir();
  try {
    const controller = new AbortController();
    const running = generateTrainingSet({
      customers: 5000,
      start: "2020-01-01",
      end: "2023-12-31",
      workers: 2,
      outDir: dir.path,
      signal: controller.signal,
      onProgress: (progress) => {
        if (progress.rows > 0) controller.abort();
      },
    });
    await assert.rejects(running, GenerationInterruptedError);
    const names = [...Deno.readDirSync(dir.path)].map((e) => e.name);
    assert.deepEqual(names.filter((n) => n.startsWith(".")), [], "no temporary file left");
    assert.ok(!names.includes("customers.csv"), "customers.csv only for a complete run");
    assert.ok(names.length < 5 * 12, `${names.length} files: the run stopped early`);
    for (const name of names) {
      const text = await Deno.readTextFile(join(dir.path, name));
      assert.ok(text.endsWith("\n"), `${name} is complete`);
    }
  } finally {
    await dir.cleanup();
  }
});

Deno.test("a folder holding another run's files is refused", async () => {
  const dir = await tempDir();
  try {
    await Deno.writeTextFile(join(dir.path, "adults_2550_female_rural_0000-0999.csv"), "x\n");
    await assert.rejects(
      generateTrainingSet({
        customers: 10,
        start: "2023-01-01",
        end: "2023-01-31",
        outDir: dir.path,
      }),
      (error: Error) =>
        error.name === "UsageError" && /already holds other CSV files/.test(error.message),
    );
  } finally {
    await dir.cleanup();
  }
});

Deno.test("an interrupted run's folder is refused by train and evaluate until it is generated again", async () => {
  const dir = await tempDir();
  try {
    const settings = {
      customers: 3000,
      start: "2023-01-01",
      end: "2023-01-31",
      workers: 2,
      outDir: dir.path,
    };
    const controller = new AbortController();
    await assert.rejects(
      generateTrainingSet({
        ...settings,
        signal: controller.signal,
        onProgress: (progress) => {
          if (progress.rows > 0) controller.abort();
        },
      }),
      GenerationInterruptedError,
    );
    const incomplete = (error: unknown) =>
      error instanceof NoDataError &&
      /left incomplete by 'fraudstream generate'/.test(error.message);
    await assert.rejects(findCsvFiles(dir.path), incomplete);
    await assert.rejects(encodeData({ dataDir: dir.path }), incomplete);
    // Generated again whole, it reads as any data set.
    await generateTrainingSet(settings);
    assert.ok((await findCsvFiles(dir.path)).length > 0);
  } finally {
    await dir.cleanup();
  }
});
