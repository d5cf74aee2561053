import assert from "node:assert/strict";
import { benchData, rowOfId } from "../../../../actors/tools/bench/data.ts";
import { COLUMNS, CSV_SEPARATOR } from "../../../../model/schema.ts";

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
