import assert from "node:assert/strict";
import { spawnRole } from "../../../../actors/tools/chaos/processes.ts";

const ENTRY = new URL("../../../../main.ts", import.meta.url);

Deno.test("a spawned role's own report folder is gone once it exited, its report still read", async () => {
  // `model list` writes a report and exits at once, without Kafka or a model folder of its own.
  const role = await spawnRole({ entry: ENTRY, args: ["model", "list"] });
  assert.equal(await role.exited, 0, role.output());
  assert.equal(typeof await role.report(), "object", "the report was read before the cleanup");
  assert.match(role.workDir, /fraudstream-role-/);
  await assert.rejects(Deno.stat(role.workDir), Deno.errors.NotFound, "its folder is gone");
});
