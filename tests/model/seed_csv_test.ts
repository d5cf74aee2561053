import assert from "node:assert/strict";
import { join } from "node:path";
import { readSeedBatches } from "../../model/seed_csv.ts";
import { HEADER } from "../../model/schema.ts";
import { SeedEncoder } from "../../model/seed_encoding.ts";
import { BAD_VALUES, lineWith, VALID_ROWS } from "../fixtures/row_values.ts";
import { csvLine } from "../fixtures/transactions.ts";

Deno.test("the seed's CSV rows: a wrong value is skipped with the reason; valid edge cases are read", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const good = VALID_ROWS.map(({ row }) => row);
    const lines = [
      HEADER,
      ...BAD_VALUES.map(({ field, text }) => lineWith(field, text)),
      ...good.map(csvLine),
    ];
    const file = join(dir, "part.csv");
    await Deno.writeTextFile(file, lines.join("\r\n") + "\r\n");
    const bad: { line: number; reason: string }[] = [];
    const batches = [];
    for await (const batch of readSeedBatches([file], { onBadRow: (row) => bad.push(row) })) {
      batches.push(batch);
    }
    assert.deepEqual(bad.map((b) => b.line), BAD_VALUES.map((_, i) => i + 2));
    bad.forEach((b, i) => assert.match(b.reason, BAD_VALUES[i].reason, lines[i + 1]));
    assert.equal(batches.length, 1);
    assert.equal(batches[0].rows, good.length);
    assert.deepEqual(batches[0].features, new SeedEncoder().encode(good));
    assert.deepEqual([...batches[0].labels], good.map((row) => row.is_fraud));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
