import assert from "node:assert/strict";
import { join } from "node:path";
import { startDriftMonitor } from "../../actors/pipeline/consumer/drift.ts";
import { pipelineEvents } from "../../actors/pipeline/events.ts";
import { findCsvFiles, readColumns } from "../../model/csv_columns.ts";
import { CATEGORIES } from "../../model/schema.ts";
import { allocateColumns } from "../../model/columns.ts";
import { poll } from "../../actors/lib/async.ts";
import { checkModelTarget, loadModel, ModelFormatError } from "../../model/model_file.ts";
import { profileModel, warmRows } from "../../model/profile.ts";
import { InterruptedError } from "../../actors/lib/errors.ts";
import { readReference, REFERENCE_FILE } from "../../model/reference.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;

async function fraudstream(...args: string[]): Promise<{ code: number; stderr: string }> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args, "--quiet"],
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code, stderr: new TextDecoder().decode(stderr) };
}

const scratch = await Deno.makeTempDir({ prefix: "fraudstream-reference-" });
// Removed when the module ends, whichever of its tests a filter ran (the model is trained by a
// child process each test waits for, so nothing writes there by then).
globalThis.addEventListener("unload", () => Deno.removeSync(scratch, { recursive: true }));
const data = join(scratch, "data");
const modelDir = join(scratch, "model");
let prepared: Promise<void> | undefined;
/** A quarter of generated transactions and a small model trained on them (once). */
function prepare(): Promise<void> {
  return prepared ??= (async () => {
    const generate = await fraudstream(
      ...["generate", "--mode", "train", "--customers", "100", "--out", data],
      ...["--start", "2023-01-01", "--end", "2023-03-31"],
    );
    assert.equal(generate.code, 0, generate.stderr);
    const train = await fraudstream(
      ...["train", "--data", data, "--out", modelDir, "--trees", "4", "--max-depth", "5"],
    );
    assert.equal(train.code, 0, train.stderr);
  })();
}

Deno.test("training writes the reference: the model's bins, shares summing to 1, the validation scores' deciles", async () => {
  await prepare();
  const model = await loadModel(modelDir);
  const reference = await readReference(modelDir, model.manifest);
  assert.ok(reference);
  assert.equal(reference.model_version, model.version);
  assert.equal(reference.source, "training rows");
  assert.equal(reference.rows, (model.manifest.data as { train_rows: number }).train_rows);
  assert.deepEqual(reference.features.map((f) => f.name), model.manifest.encoder.features);
  reference.features.forEach((feature, f) => {
    assert.deepEqual(feature.edges, model.manifest.bins![f].edges);
    assert.equal(feature.shares.length, model.manifest.bins![f].count);
    const sum = feature.shares.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) < 1e-9, `${feature.name} shares sum to ${sum}`);
  });
  const score = reference.score!;
  assert.equal(score.rows, (model.manifest.data as { validation_rows: number }).validation_rows);
  assert.equal(score.source, "validation part");
  assert.ok(score.edges.length >= 1 && score.edges.length <= 9, `${score.edges}`);
  // A folder holding reference.json is still a model folder (a new version may replace it).
  assert.deepEqual(await checkModelTarget(modelDir), { kind: "model" });
});

Deno.test("model profile writes the reference of data: the category shares are the warm rows' own", async () => {
  await prepare();
  const copy = join(scratch, "profiled");
  await Deno.mkdir(copy);
  for (const name of ["model.json", "forest.bin", "nodes.bin"]) {
    await Deno.copyFile(join(modelDir, name), join(copy, name));
  }
  const profiled = await fraudstream("model", "profile", copy, "--data", data);
  assert.equal(profiled.code, 0, profiled.stderr);
  const model = await loadModel(copy);
  const reference = (await readReference(copy, model.manifest))!;
  assert.match(reference.source, /^profile of /);
  // Counted here from the CSV rows, leaving out the first 7 days as the profile does.
  const columns = await readColumns(await findCsvFiles(data));
  const warm = warmRows(columns.time, 7 * 86_400);
  assert.equal(reference.rows, warm.length);
  assert.ok(warm.length < columns.length && warm.length > columns.length * 0.8);
  const counts = new Array(CATEGORIES.length).fill(0);
  for (const i of warm) counts[columns.category[i]]++;
  const category = reference.features.find((f) => f.name === "category")!;
  category.shares.forEach((share, c) => {
    assert.ok(Math.abs(share - counts[c] / warm.length) < 1e-12, `category ${c}`);
  });
  assert.equal(reference.score!.rows, warm.length);
  // Wrong use is a usage error naming what is missing.
  const noData = await fraudstream("model", "profile", copy);
  assert.equal(noData.code, 2);
  assert.match(noData.stderr, /--data/);
});

Deno.test("no reference: the model scores, drift says so; a bad one is refused with the reason", async () => {
  await prepare();
  const bare = join(scratch, "bare");
  await Deno.mkdir(bare);
  for (const name of ["model.json", "forest.bin", "nodes.bin"]) {
    await Deno.copyFile(join(modelDir, name), join(bare, name));
  }
  const model = await loadModel(bare);
  assert.equal(model.score(new Float32Array(24), 1).length, 1);
  assert.equal(await readReference(bare, model.manifest), undefined);
  const said: string[] = [];
  const monitor = await startDriftMonitor({
    threshold: 0.2,
    windowHours: 168,
    sample: 1,
    events: pipelineEvents(),
    model: () => model,
    say: (line) => said.push(line),
  });
  const status = monitor.status();
  monitor.stop();
  assert.equal(status.state, "no reference");
  assert.match(status.note!, /fraudstream model profile/);
  assert.match(said.join("\n"), /drift not judged/);

  const good = JSON.parse(await Deno.readTextFile(join(modelDir, REFERENCE_FILE)));
  const cases: [string, string, RegExp][] = [
    ["not JSON", "{", /not valid JSON/],
    [
      "another model's",
      JSON.stringify({ ...good, model_version: "other" }),
      /belongs to model 'other'/,
    ],
    [
      "shares not summing to 1",
      JSON.stringify({
        ...good,
        features: good.features.map((f: { shares: number[] }, i: number) =>
          i === 0 ? { ...f, shares: f.shares.map((s) => s * 2) } : f
        ),
      }),
      /shares sum to/,
    ],
    [
      "other bins",
      JSON.stringify({
        ...good,
        features: good.features.map((f: { edges: number[] }, i: number) =>
          i === 0 ? { ...f, edges: f.edges.map((e) => e + 1) } : f
        ),
      }),
      /bins of feature amt are not the model's/,
    ],
  ];
  for (const [what, text, reason] of cases) {
    await Deno.writeTextFile(join(bare, REFERENCE_FILE), text);
    await assert.rejects(readReference(bare, model.manifest), (error: Error) => {
      assert.ok(error instanceof ModelFormatError, what);
      assert.match(error.message, reason, what);
      assert.match(error.message, /reference\.json is not a usable reference/, what);
      return true;
    });
    // The consumer's monitor refuses it at the start, with the same reason.
    await assert.rejects(
      startDriftMonitor({
        threshold: 0.2,
        windowHours: 168,
        sample: 1,
        events: pipelineEvents(),
        model: () => model,
      }),
      reason,
    );
  }
});

Deno.test("a newer model version (--model latest): the monitor follows its reference", async () => {
  await prepare();
  const next = join(scratch, "next");
  await Deno.mkdir(next);
  for (const name of ["forest.bin", "nodes.bin"]) {
    await Deno.copyFile(join(modelDir, name), join(next, name));
  }
  const manifest = JSON.parse(await Deno.readTextFile(join(modelDir, "model.json")));
  await Deno.writeTextFile(
    join(next, "model.json"),
    JSON.stringify({ ...manifest, version: "next" }),
  );
  const reference = JSON.parse(await Deno.readTextFile(join(modelDir, REFERENCE_FILE)));
  await Deno.writeTextFile(
    join(next, REFERENCE_FILE),
    JSON.stringify({ ...reference, model_version: "next" }),
  );
  let current = await loadModel(modelDir);
  const events = pipelineEvents();
  const monitor = await startDriftMonitor({
    threshold: 0.2,
    windowHours: 168,
    sample: 1,
    events,
    model: () => current,
  });
  assert.equal(monitor.status().modelVersion, current.version);
  current = await loadModel(next);
  const columns = allocateColumns(1);
  const batch = (modelVersion: string) => ({
    partition: 0,
    rows: 1,
    columns,
    scores: new Float32Array(1),
    features: new Float32Array(24),
    threshold: 0.5,
    modelVersion,
    alerts: 0,
    deadLetters: 0,
    ids: () => ["x"],
    offsets: { from: 0, to: 1 },
  });
  events.emit("committed", batch("next"));
  await poll(() => monitor.status().state === "warming up", { timeoutMs: 5000 });
  const status = monitor.status();
  monitor.stop();
  assert.equal(status.modelVersion, "next");
  assert.equal(status.subjects.length, 25);
});

Deno.test("the committed pretrained model has a reference of its own", async () => {
  const model = await loadModel(
    new URL("../../resources/models/pretrained", import.meta.url).pathname,
  );
  const reference = (await readReference(model.dir, model.manifest))!;
  assert.equal(reference.model_version, model.version);
  assert.ok(reference.rows > 100_000 && reference.score !== null);
});

Deno.test("model profile into a model folder whose reference.json cannot be replaced: exit 1 naming it, not an internal error", async () => {
  await prepare();
  const copy = join(scratch, "unwritable");
  await Deno.mkdir(copy);
  for (const name of ["model.json", "forest.bin", "nodes.bin"]) {
    await Deno.copyFile(join(modelDir, name), join(copy, name));
  }
  // A folder by the file's name: the rename over it fails as a read-only model folder would.
  await Deno.mkdir(join(copy, REFERENCE_FILE));
  const profiled = await fraudstream("model", "profile", copy, "--data", data);
  assert.equal(profiled.code, 1, profiled.stderr);
  assert.match(profiled.stderr, /cannot write '[^']*reference\.json'/);
  assert.doesNotMatch(profiled.stderr, /internal error/);
  // Nothing else was left in the folder (no temporary file).
  const names = [...Deno.readDirSync(copy)].map((entry) => entry.name).sort();
  assert.deepEqual(names, ["forest.bin", "model.json", "nodes.bin", REFERENCE_FILE]);
});

Deno.test("profileModel stopped (Ctrl-C): InterruptedError, no reference computed", async () => {
  await prepare();
  const model = await loadModel(modelDir);
  const stop = new AbortController();
  stop.abort();
  await assert.rejects(
    profileModel({ model, dataDir: data, signal: stop.signal }),
    (error: unknown) => error instanceof InterruptedError && error.exitCode === 130,
  );
});
