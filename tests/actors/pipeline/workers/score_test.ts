import assert from "node:assert/strict";
import { join } from "node:path";
import { scoreWorker } from "../../../../actors/pipeline/workers/score.ts";
import { FEATURE_COUNT } from "../../../../model/features.ts";

const PRETRAINED = new URL("../../../../resources/models/pretrained", import.meta.url).pathname;

Deno.test("a scoring worker loads the models it is started with before it is ready", async () => {
  const root = await Deno.makeTempDir({ prefix: "fraudstream-score-worker-" });
  try {
    const dir = join(root, "copy");
    await Deno.mkdir(dir);
    for await (const entry of Deno.readDir(PRETRAINED)) {
      await Deno.copyFile(join(PRETRAINED, entry.name), join(dir, entry.name));
    }
    const behaviour = scoreWorker({ preload: [dir] });
    await behaviour.init!(undefined as never);
    // Loaded at start: scoring needs the folder no more.
    await Deno.remove(dir, { recursive: true });
    const reply = await behaviour.handle!(
      { modelDir: dir, features: new Float32Array(2 * FEATURE_COUNT), rows: 2 },
      undefined as never,
    );
    const { scores } = "value" in reply ? reply.value : reply;
    assert.equal(scores.length, 2);
    // A worker started without it loads on the first request, and finds no folder.
    await assert.rejects(
      async () =>
        await scoreWorker().handle!(
          { modelDir: dir, features: new Float32Array(FEATURE_COUNT), rows: 1 },
          undefined as never,
        ),
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
