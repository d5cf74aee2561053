import assert from "node:assert/strict";
import { readFileStart } from "../../../actors/lib/file_start.ts";

Deno.test("readFileStart: the first bytes asked for, or the whole of a shorter file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.csv`, "trans_num,score\n1,0.5\n");
    assert.equal(new TextDecoder().decode(await readFileStart(`${dir}/a.csv`, 9)), "trans_num");
    assert.equal((await readFileStart(`${dir}/a.csv`, 1000)).length, 22);
    await Deno.writeFile(`${dir}/empty`, new Uint8Array());
    assert.equal((await readFileStart(`${dir}/empty`, 8)).length, 0);
    await assert.rejects(readFileStart(`${dir}/none`, 8), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
