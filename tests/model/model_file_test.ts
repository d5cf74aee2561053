import assert from "node:assert/strict";
import { join } from "node:path";
import { loadModel, ModelFormatError } from "../../model/model_file.ts";

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
