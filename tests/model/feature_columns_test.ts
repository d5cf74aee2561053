import assert from "node:assert/strict";
import { transactionsToColumns } from "../../model/columns.ts";
import { sliceRows } from "../../model/column_rows.ts";
import { featureColumnsBuffer, packFeatureColumns } from "../../model/feature_columns.ts";
import { sampleTransaction } from "../fixtures/transactions.ts";

const NAMES = [
  "card",
  "gender",
  "lat",
  "long",
  "cityPop",
  "dob",
  "transDate",
  "transTime",
  "category",
  "amt",
  "merchLat",
  "merchLong",
] as const;

Deno.test("feature columns packed are the rows asked for, every column a view of one buffer", () => {
  const columns = transactionsToColumns(
    Array.from({ length: 50 }, (_, i) => sampleTransaction(i, 9)),
  );
  for (const [from, to] of [[0, 50], [7, 31], [49, 50], [20, 20]]) {
    const packed = packFeatureColumns(columns, from, to);
    const expected = sliceRows(columns, from, to);
    assert.equal(packed.length, to - from);
    const buffer = featureColumnsBuffer(packed);
    for (const name of NAMES) {
      assert.deepEqual([...packed[name]], [...expected[name]], `${name} of rows ${from}-${to}`);
      assert.equal(packed[name].buffer, buffer, `${name} in the one buffer`);
      assert.equal(packed[name].constructor, columns[name].constructor, name);
    }
    // Moving the buffer moves every column: nothing of the batch's own arrays goes with it.
    const moved = structuredClone(packed, { transfer: [buffer] });
    assert.deepEqual([...moved.amt], [...expected.amt]);
    assert.equal(packed.amt.length, 0, "the columns moved away");
    assert.equal(columns.amt.length, 50, "the batch keeps its columns");
  }
  assert.throws(() => packFeatureColumns(columns, 10, 51), RangeError);
  assert.throws(() => packFeatureColumns(columns, 10, 9), RangeError);
  assert.throws(() => packFeatureColumns(columns, -1, 9), RangeError);
});
