import assert from "node:assert/strict";
import { join } from "node:path";
import {
  decodeForest,
  loadModel,
  ModelFormatError,
  ModelTargetError,
  saveModel,
} from "../../model/model_file.ts";

const PRETRAINED = new URL("../../resources/models/pretrained", import.meta.url).pathname;

async function copyModel(): Promise<string> {
  const dir = await Deno.makeTempDir();
  for (const name of ["model.json", "forest.bin"]) {
    await Deno.copyFile(join(PRETRAINED, name), join(dir, name));
  }
  return dir;
}

async function refused(dir: string, message: RegExp): Promise<void> {
  await assert.rejects(loadModel(dir), (error: unknown) => {
    assert.ok(error instanceof ModelFormatError, String(error));
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("the pretrained model loads and scores", async () => {
  const model = await loadModel(PRETRAINED);
  assert.ok(model.threshold > 0 && model.threshold < 1);
  assert.equal(model.manifest.forest.trees, 128);
  const features = new Float32Array(model.manifest.encoder.features.length * 2);
  const scores = model.score(features, 2);
  assert.equal(scores.length, 2);
  assert.ok(scores[0] >= 0 && scores[0] <= 1);
});

Deno.test("a corrupt, truncated or incompatible model is refused with a clear message", async () => {
  const dir = await copyModel();
  try {
    const forest = await Deno.readFile(join(dir, "forest.bin"));
    await Deno.writeFile(join(dir, "forest.bin"), forest.subarray(0, forest.length - 100));
    await refused(dir, /forest\.bin does not match its checksum .* \(corrupt or truncated\)/);
    forest[1000] ^= 0xff;
    await Deno.writeFile(join(dir, "forest.bin"), forest);
    await refused(dir, /does not match its checksum/);
    await Deno.remove(join(dir, "forest.bin"));
    await refused(dir, /forest\.bin is missing/);

    const manifest = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
    await Deno.writeTextFile(
      join(dir, "model.json"),
      JSON.stringify({ ...manifest, format_version: 99 }),
    );
    await refused(dir, /model format version 99; this fraudstream reads version 1/);
    await Deno.writeTextFile(
      join(dir, "model.json"),
      JSON.stringify({ ...manifest, encoder: { ...manifest.encoder, features: ["amt"] } }),
    );
    await refused(dir, /trained with features \[amt\] that this fraudstream does not compute/);
    await Deno.writeTextFile(join(dir, "model.json"), "{ not json");
    await refused(dir, /model\.json is not valid JSON/);
    await Deno.remove(join(dir, "model.json"));
    await refused(dir, /no model in .* \(model\.json is missing\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a model.json edited or cut into another shape is refused, not an internal error", async () => {
  const dir = await copyModel();
  try {
    const manifest = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
    const { forest: _forest, ...withoutForest } = manifest;
    const edits: [string, unknown, RegExp][] = [
      ["no forest entry", withoutForest, /model\.json .*'forest'/],
      ["forest as text", { ...manifest, forest: "forest.bin" }, /'forest'/],
      ["bins not a list", { ...manifest, bins: 5 }, /'bins'/],
      ["a bin without edges", { ...manifest, bins: [{ kind: "numeric", count: 3 }] }, /'bins'/],
      ["threshold as text", { ...manifest, threshold: "0.5" }, /'threshold' .*got "0\.5"/],
      ["no version", { ...manifest, version: 7 }, /'version'/],
      [
        "settings as text",
        { ...manifest, encoder: { ...manifest.encoder, settings: "x" } },
        /'encoder\.settings'/,
      ],
      ["a list", [manifest], /does not hold a fraudstream model/],
    ];
    for (const [what, edited, message] of edits) {
      await Deno.writeTextFile(join(dir, "model.json"), JSON.stringify(edited));
      await assert.rejects(loadModel(dir), (error: unknown) => {
        assert.ok(error instanceof ModelFormatError, `${what}: ${error}`);
        assert.match(error.message, message, what);
        return true;
      });
    }
    await Deno.remove(join(dir, "model.json"));
    await Deno.mkdir(join(dir, "model.json"));
    await refused(dir, /model\.json cannot be read/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A small forest and manifest, written with `saveModel` as train and import-spark do. */
async function pretrainedParts() {
  const model = await loadModel(PRETRAINED);
  const { format: _f, format_version: _v, forest: _forest, ...manifest } = model.manifest;
  const forest = decodeForest(await Deno.readFile(join(PRETRAINED, "forest.bin")));
  return { manifest, forest };
}

/** Names in `dir`, sorted. */
async function namesIn(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  return names.sort();
}

Deno.test("saveModel replaces a previous model version and leaves no temporary folder", async () => {
  const root = await Deno.makeTempDir();
  try {
    const { manifest, forest } = await pretrainedParts();
    const dir = join(root, "v1");
    await saveModel(dir, { ...manifest, version: "first" }, forest, {
      extraFiles: { "report.html": "<p>first</p>" },
    });
    await saveModel(dir, { ...manifest, version: "second" }, forest);
    assert.equal((await loadModel(dir)).version, "second");
    assert.deepEqual(await namesIn(dir), ["forest.bin", "model.json"]);
    assert.deepEqual(await namesIn(root), ["v1"], "no temporary or previous folder is left");
    // An empty folder is free to write into.
    await Deno.mkdir(join(root, "empty"));
    await saveModel(join(root, "empty"), manifest, forest);
    assert.equal((await loadModel(join(root, "empty"))).version, manifest.version);
    assert.deepEqual(await namesIn(root), ["empty", "v1"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("saveModel never replaces what is not a model folder, unless forced", async () => {
  const root = await Deno.makeTempDir();
  try {
    const { manifest, forest } = await pretrainedParts();
    const folder = join(root, "photos");
    await Deno.mkdir(folder);
    await Deno.writeTextFile(join(folder, "holiday.jpg"), "precious");
    const file = join(root, "notes.txt");
    await Deno.writeTextFile(file, "precious too");
    // A model folder someone added a file to is not a model folder either.
    const grown = join(root, "grown");
    await saveModel(grown, manifest, forest);
    await Deno.writeTextFile(join(grown, "mine.txt"), "kept");
    for (
      const [dir, why] of [
        [folder, /holds 'holiday\.jpg', which a model folder does not/],
        [file, /is a file/],
        [grown, /holds 'mine\.txt'/],
      ] as const
    ) {
      await assert.rejects(saveModel(dir, manifest, forest), (error: unknown) => {
        assert.ok(error instanceof ModelTargetError, String(error));
        assert.match(error.message, why);
        assert.match(error.message, /pass --force to replace it/);
        return true;
      });
    }
    assert.equal(await Deno.readTextFile(join(folder, "holiday.jpg")), "precious");
    assert.equal(await Deno.readTextFile(file), "precious too");
    assert.equal(await Deno.readTextFile(join(grown, "mine.txt")), "kept");
    assert.deepEqual(await namesIn(root), ["grown", "notes.txt", "photos"]);

    await saveModel(folder, manifest, forest, { force: true });
    assert.deepEqual(await namesIn(folder), ["forest.bin", "model.json"]);
    assert.deepEqual(await namesIn(root), ["grown", "notes.txt", "photos"]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
