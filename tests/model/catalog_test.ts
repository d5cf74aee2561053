import assert from "node:assert/strict";
import { modelVersions, resolveModelDir } from "../../model/catalog.ts";
import { ModelFormatError } from "../../model/model_file.ts";

Deno.test("a models folder that is a file is refused with what it is; a missing one has no versions", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/models`, "not a folder\n");
    await assert.rejects(
      modelVersions(`${dir}/models`),
      (error: unknown) =>
        error instanceof ModelFormatError &&
        /'.*models' is a file, not a folder/.test(error.message),
    );
    assert.deepEqual(await modelVersions(`${dir}/none`), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a model version missing from the models folder names --models-dir and where it looked", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(
      resolveModelDir({ model: "pretrained", modelsDir: dir }),
      (error: Error) => {
        assert.ok(error instanceof ModelFormatError);
        assert.match(error.message, /no model version 'pretrained' in '.*'; pass --models-dir/);
        return true;
      },
    );
    // The default models folder is relative: the message says relative to what.
    await assert.rejects(
      resolveModelDir({ model: "pretrained", modelsDir: "no-such-models-folder" }),
      (error: Error) => error.message.includes(`relative to the working folder ${Deno.cwd()}`),
    );
    await Deno.mkdir(`${dir}/v1`);
    await Deno.writeTextFile(`${dir}/v1/model.json`, "{}");
    assert.equal(await resolveModelDir({ model: "v1", modelsDir: dir }), `${dir}/v1`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
