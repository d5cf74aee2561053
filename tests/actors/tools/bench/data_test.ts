import assert from "node:assert/strict";
import { benchData, rowOfId, writeBatchFile } from "../../../../actors/tools/bench/data.ts";
import { COLUMNS, CSV_SEPARATOR, HEADER } from "../../../../model/schema.ts";

const TRANS_NUM = COLUMNS.indexOf("trans_num");
const CC_NUM = COLUMNS.indexOf("cc_num");
const decoder = new TextDecoder();

Deno.test("bench data: each row's trans_num holds its index, and ids stay unique 32-digit hex", async () => {
  const data = await benchData({ rows: 3000, seed: 11 });
  assert.equal(data.rows, 3000);
  const lines = decoder.decode(data.lines(0, data.rows)).split("\n");
  assert.equal(lines.pop(), "", "every line ends with a line feed");
  assert.equal(lines.length, 3000);
  const ids = lines.map((line) => line.split(CSV_SEPARATOR)[TRANS_NUM]);
  assert(ids.every((id) => /^[0-9a-f]{32}$/.test(id)), "every id is 32 lowercase hex digits");
  assert.equal(new Set(ids).size, ids.length);
  const bytes = new TextEncoder().encode(ids.join(""));
  ids.forEach((_, row) => assert.equal(rowOfId(bytes, 32 * row), row));
  // The rest of each line is the generator's: every line still has all its fields.
  assert(lines.every((line) => line.split(CSV_SEPARATOR).length === COLUMNS.length));
  // Row by row, the lines are those of the whole.
  lines.forEach((line, row) => assert.equal(decoder.decode(data.lines(row, row + 1)), `${line}\n`));
  assert.throws(() => data.lines(2999, 3001), RangeError);
});

Deno.test("bench data: rows gathered in any order, and written as a batch file with the header", async () => {
  const data = await benchData({ rows: 500, seed: 11 });
  const line = (row: number) => decoder.decode(data.lines(row, row + 1));
  const rows = [7, 0, 499, 7];
  assert.equal(decoder.decode(data.gather(rows)), rows.map(line).join(""));
  // Rows of one card hash alike.
  const cards = new Map<string, number>();
  for (let row = 0; row < data.rows; row++) {
    const card = line(row).split(CSV_SEPARATOR)[CC_NUM];
    assert.equal(data.cardHash(row), cards.get(card) ?? data.cardHash(row));
    cards.set(card, data.cardHash(row));
  }
  assert.ok(new Set(cards.values()).size > 1, "cards hash apart");
  const dir = await Deno.makeTempDir({ prefix: "fraudstream-bench-data-" });
  try {
    writeBatchFile(dir, "b.csv", data.lines(10, 20));
    const text = await Deno.readTextFile(`${dir}/b.csv`);
    assert.equal(text, `${HEADER}\n${Array.from({ length: 10 }, (_, i) => line(10 + i)).join("")}`);
    assert.deepEqual([...Deno.readDirSync(dir)].map((entry) => entry.name), ["b.csv"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
