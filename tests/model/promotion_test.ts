import assert from "node:assert/strict";
import { join } from "node:path";
import { latestModelDir, resolveModelDir } from "../../model/catalog.ts";
import { ModelFormatError } from "../../model/model_file.ts";
import {
  clearPromotion,
  PROMOTED_FILE,
  promoteModel,
  readPromotion,
} from "../../model/promotion.ts";
import { InvalidValueError, UsageError } from "../../actors/lib/errors.ts";
import { installModelVersion } from "../fixtures/model_versions.ts";
import { runMain } from "../fixtures/main_run.ts";

/** A models folder with v1 (older) and v2 (newer). */
async function modelsFolder(): Promise<string> {
  const dir = await Deno.makeTempDir();
  await installModelVersion(dir, "v1", { threshold: 0.8, createdAt: "2026-01-01T00:00:00Z" });
  await installModelVersion(dir, "v2", { threshold: 0.5, createdAt: "2026-01-02T00:00:00Z" });
  return dir;
}

Deno.test("latest is the promoted version while one is, the newest otherwise", async () => {
  const dir = await modelsFolder();
  try {
    assert.equal(await readPromotion(dir), undefined);
    assert.equal(await latestModelDir(dir), join(dir, "v2"));
    const model = await promoteModel(dir, "v1");
    assert.equal(model.version, "v1");
    assert.equal((await readPromotion(dir))?.version, "v1");
    assert.equal(await latestModelDir(dir), join(dir, "v1"));
    assert.equal(await resolveModelDir({ model: "latest", modelsDir: dir }), join(dir, "v1"));
    // A version trained after the promotion does not take over.
    await installModelVersion(dir, "v3", { createdAt: "2026-01-03T00:00:00Z" });
    assert.equal(await latestModelDir(dir), join(dir, "v1"));
    // A pinned choice is not the promoted one.
    assert.equal(await resolveModelDir({ model: "v2", modelsDir: dir }), join(dir, "v2"));
    assert.equal(await clearPromotion(dir), true);
    assert.equal(await clearPromotion(dir), false);
    assert.equal(await latestModelDir(dir), join(dir, "v3"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("promote refuses a bad name, a missing and a broken version, keeping the pointer", async () => {
  const dir = await modelsFolder();
  try {
    await promoteModel(dir, "v1");
    for (const bad of ["../v1", ".", "..", "v1/..", "/tmp/v1", ""]) {
      await assert.rejects(promoteModel(dir, bad), InvalidValueError, bad);
    }
    await assert.rejects(promoteModel(dir, "v9"), (error: unknown) => {
      assert.ok(error instanceof UsageError && error.exitCode === 2, String(error));
      assert.match(error.message, /no model version 'v9' under/);
      return true;
    });
    const forest = join(dir, "v2", "forest.bin");
    const bytes = await Deno.readFile(forest);
    await Deno.writeFile(forest, bytes.subarray(0, bytes.length - 10));
    await assert.rejects(promoteModel(dir, "v2"), ModelFormatError);
    assert.equal((await readPromotion(dir))?.version, "v1", "the pointer is unchanged");
    // No temporary file is left beside it.
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.deepEqual(names.filter((name) => !name.startsWith("v")), [PROMOTED_FILE]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a pointer that names no model, or is not one, is a clear error", async () => {
  const dir = await modelsFolder();
  try {
    await promoteModel(dir, "v1");
    await Deno.remove(join(dir, "v1"), { recursive: true });
    await assert.rejects(latestModelDir(dir), (error: unknown) => {
      assert.ok(error instanceof ModelFormatError, String(error));
      assert.match(error.message, /promoted model version 'v1' .* is not in the models folder/);
      return true;
    });
    await Deno.writeTextFile(join(dir, PROMOTED_FILE), '{"version":"../etc"}');
    await assert.rejects(readPromotion(dir), /does not name a promoted model version/);
    await Deno.writeTextFile(join(dir, PROMOTED_FILE), "not json");
    await assert.rejects(resolveModelDir({ model: "latest", modelsDir: dir }), ModelFormatError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fraudstream model promote and model list", async () => {
  const dir = await modelsFolder();
  try {
    const promoted = await runMain(["model", "promote", "v1", "--models-dir", dir, "--quiet"]);
    assert.equal(promoted.code, 0, promoted.err.join("\n"));
    const list = await runMain(["model", "list", "--models-dir", dir]);
    assert.equal(list.code, 0);
    const lines = list.out.filter((line) => line.startsWith("v"));
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^v1\t.*\tpromoted$/);
    assert.doesNotMatch(lines[1], /promoted/);
    const bad = await runMain(["model", "promote", "../v1", "--models-dir", dir]);
    assert.equal(bad.code, 2);
    assert.match(bad.err.join("\n"), /invalid value for the VERSION of model promote/);
    assert.equal((await runMain(["model", "promote", "v9", "--models-dir", dir])).code, 2);
    assert.equal((await runMain(["model", "promote", "--models-dir", dir])).code, 2);
    await Deno.writeTextFile(join(dir, "v2", "model.json"), "{");
    const broken = await runMain(["model", "promote", "v2", "--models-dir", dir]);
    assert.equal(broken.code, 1);
    assert.match(broken.err.join("\n"), /not valid JSON/);
    const cleared = await runMain(["model", "promote", "latest", "--models-dir", dir]);
    assert.equal(cleared.code, 0);
    assert.match(cleared.out.join("\n"), /promotion cleared/);
    assert.equal(await readPromotion(dir), undefined);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
