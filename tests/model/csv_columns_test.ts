import assert from "node:assert/strict";
import { join } from "node:path";
import { findCsvFiles, NoDataError, readColumns } from "../../model/csv_columns.ts";
import { CATEGORIES, HEADER } from "../../model/schema.ts";
import { BAD_VALUES, lineWith, VALID_ROWS } from "../fixtures/row_values.ts";
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
    assert.equal(columns.time[1] - columns.time[0], 60, "the samples are a minute apart");
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

Deno.test("rows with a wrong value are skipped with the reason; valid edge cases are read", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = VALID_ROWS.map(({ row }) => row);
    const lines = [
      HEADER,
      ...BAD_VALUES.map(({ field, text }) => lineWith(field, text)),
      ...good.map(csvLine),
    ];
    const file = join(dir, "part.csv");
    await Deno.writeTextFile(file, lines.join("\n") + "\n");
    const bad: { line: number; reason: string }[] = [];
    const columns = await readColumns([file], { onBadRow: (row) => bad.push(row) });
    assert.deepEqual(bad.map((b) => b.line), BAD_VALUES.map((_, i) => i + 2));
    bad.forEach((b, i) => assert.match(b.reason, BAD_VALUES[i].reason, lines[i + 1]));
    assert.equal(columns.length, good.length);
    good.forEach((row, i) => {
      const [h, m, s] = row.trans_time.split(":").map(Number);
      const day = Date.parse(`${row.trans_date}T00:00:00Z`) / 86_400_000;
      assert.equal(columns.time[i], day * 86_400 + h * 3600 + m * 60 + s, row.trans_date);
      assert.equal(columns.hour[i], h);
      assert.equal(columns.weekday[i], (new Date(day * 86_400_000).getUTCDay() + 6) % 7);
      assert.equal(columns.amt[i], Math.fround(row.amt));
      assert.equal(columns.label[i], row.is_fraud);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a data path that is a file is refused, saying --data takes the folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "rows.csv"), HEADER + "\n");
    await assert.rejects(
      findCsvFiles(join(dir, "rows.csv")),
      (error: unknown) =>
        error instanceof NoDataError && /is a file; --data takes the folder/.test(error.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
