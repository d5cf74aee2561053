import assert from "node:assert/strict";
import { spawnRole } from "../../../../actors/tools/chaos/processes.ts";

const ENTRY = new URL("../../../../main.ts", import.meta.url);

Deno.test("a spawned role's own report folder is gone once it exited, its report still read", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "fraudstream-processes-test-" });
  const before = Deno.env.get("TMPDIR");
  Deno.env.set("TMPDIR", tmp);
  try {
    // `model list` writes a report and exits at once, without Kafka or a model folder of its own.
    const role = await spawnRole({ entry: ENTRY, args: ["model", "list"] });
    assert.equal(await role.exited, 0, role.output());
    assert.equal(typeof await role.report(), "object", "the report was read before the cleanup");
    const left = [...Deno.readDirSync(tmp)].map((entry) => entry.name);
    assert.deepEqual(left.filter((name) => name.startsWith("fraudstream-role-")), []);
  } finally {
    if (before === undefined) Deno.env.delete("TMPDIR");
    else Deno.env.set("TMPDIR", before);
    await Deno.remove(tmp, { recursive: true });
  }
});
