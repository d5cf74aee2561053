import assert from "node:assert/strict";
import { modelVersions } from "../../model/catalog.ts";
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
