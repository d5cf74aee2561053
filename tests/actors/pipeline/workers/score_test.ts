import assert from "node:assert/strict";
import { scoreReplyOf } from "../../../fixtures/score_reply.ts";
import { join } from "node:path";
import { scoreWorker } from "../../../../actors/pipeline/workers/score.ts";
import { FEATURE_COUNT } from "../../../../model/features.ts";
import { installModelVersion } from "../../../fixtures/model_versions.ts";

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
    const { scores } = scoreReplyOf(reply);
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

Deno.test("a scoring worker compiles its models before it is ready: its first request compiles nothing", async () => {
  const root = await Deno.makeTempDir({ prefix: "fraudstream-score-worker-" });
  const Module = WebAssembly.Module;
  let compiled = 0;
  // Counts the modules compiled (the forest's kernel, the reason walk), as the engine sees them.
  WebAssembly.Module = class extends Module {
    constructor(bytes: BufferSource) {
      super(bytes);
      compiled++;
    }
  };
  try {
    // Every row alerts, so the first request also explains its rows.
    const dir = await installModelVersion(root, "every-row-alerts", { threshold: 0 });
    const behaviour = scoreWorker({ preload: [dir] });
    await behaviour.init!(undefined as never);
    const atStart = compiled;
    assert.equal(atStart, 2);
    const reply = await behaviour.handle!(
      { modelDir: dir, features: new Float32Array(2 * FEATURE_COUNT), rows: 2, reasons: 3 },
      undefined as never,
    );
    const { reasons } = scoreReplyOf(reply);
    assert.equal(reasons?.rows.size, 2);
    assert.equal(compiled, atStart);
  } finally {
    WebAssembly.Module = Module;
    await Deno.remove(root, { recursive: true });
  }
});
