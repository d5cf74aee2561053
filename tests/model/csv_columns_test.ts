import assert from "node:assert/strict";
import { join } from "node:path";
import { findCsvFiles, readColumns } from "../../model/csv_columns.ts";
import { CATEGORIES, HEADER } from "../../model/schema.ts";
import { csvLine, sampleTransaction } from "../fixtures/transactions.ts";

Deno.test("columns hold the model's fields; bad rows are reported with file and line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const rows = Array.from({ length: 50 }, (_, i) => sampleTransaction(i, 4));
    const lines = [HEADER, ...rows.map(csvLine)];
    lines.splice(5, 0, "not|a|row");
    lines.splice(9, 0, csvLine({ ...rows[0], trans_time: "25:00:00" }));
    await Deno.mkdir(join(dir, "nested"));
    await Deno.writeTextFile(join(dir, "nested", "part.csv"), lines.join("\r\n"));
    await Deno.writeTextFile(join(dir, "customers.csv"), "ignored");
    const files = await findCsvFiles(dir);
    assert.deepEqual(files, [join(dir, "nested", "part.csv")]);
    const bad: { line: number; reason: string }[] = [];
    const columns = await readColumns(files, { onBadRow: (row) => bad.push(row) });
    assert.equal(columns.length, 50);
    assert.deepEqual(bad.map((b) => b.line), [6, 10]);
    assert.match(bad[0].reason, /expected 26 fields/);
    assert.match(bad[1].reason, /trans_time/);
    assert.equal(columns.cards.length, 4);
    assert.equal(columns.cards[columns.card[0]], rows[0].cc_num);
    assert.equal(columns.amt[3], Math.fround(rows[3].amt));
    assert.equal(columns.category[0], CATEGORIES.indexOf(rows[0].category));
    assert.equal(columns.hour[0], 0);
    assert.equal(columns.gender[0], 0);
    assert.equal(columns.age[0], 34);
    assert.equal(columns.label[0], 0);
    assert.equal(columns.merchLong[0], Math.fround(rows[0].merch_long));
    assert.equal(columns.time[1] - columns.time[0], 0, "same civil date and time in the sample");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an empty or missing data folder is a clear error", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(findCsvFiles(dir), /no transaction CSV files under/);
    await assert.rejects(findCsvFiles(join(dir, "nope")), /does not exist/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
