import assert from "node:assert/strict";
import { benchData, rowOfId, writeBatchFile } from "../../../../actors/tools/bench/data.ts";
import { COLUMNS, CSV_SEPARATOR, HEADER } from "../../../../model/schema.ts";

const TRANS_NUM = COLUMNS.indexOf("trans_num");

Deno.test("bench data: each row's trans_num holds its index, and ids stay unique 32-digit hex", async () => {
  const { lines } = await benchData({ rows: 3000, seed: 11 });
  assert.equal(lines.length, 3000);
  const ids = lines.map((line) => line.split(CSV_SEPARATOR)[TRANS_NUM]);
  assert(ids.every((id) => /^[0-9a-f]{32}$/.test(id)), "every id is 32 lowercase hex digits");
  assert.equal(new Set(ids).size, ids.length);
  const bytes = new TextEncoder().encode(ids.join(""));
  ids.forEach((_, row) => assert.equal(rowOfId(bytes, 32 * row), row));
  // The rest of each line is the generator's: every line still has all its fields.
  assert(lines.every((line) => line.split(CSV_SEPARATOR).length === COLUMNS.length));
});

Deno.test("bench data: a batch file longer than the longest string the runtime makes is written whole", async () => {
  // 2.1 million lines of 256 characters: 538 million characters, past V8's 2^29 - 24 a string.
  const line = "x".repeat(255) + "y";
  const lines = new Array<string>(2_100_000).fill(line);
  const dir = await Deno.makeTempDir({ prefix: "fraudstream-bench-data-" });
  try {
    writeBatchFile(dir, "big.csv", lines);
    const size = (await Deno.stat(`${dir}/big.csv`)).size;
    assert.equal(size, HEADER.length + 1 + lines.length * (line.length + 1));
    const file = await Deno.open(`${dir}/big.csv`);
    try {
      const tail = new Uint8Array(line.length + 1);
      await file.seek(-tail.length, Deno.SeekMode.End);
      assert.equal(await file.read(tail), tail.length);
      assert.equal(new TextDecoder().decode(tail), `${line}\n`);
    } finally {
      file.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
