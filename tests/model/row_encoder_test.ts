import assert from "node:assert/strict";
import { CardStates } from "../../model/card_states.ts";
import { DEFAULT_ENCODER } from "../../model/features.ts";
import { columnEncoderFor } from "../../model/row_encoder.ts";
import { transactionsToColumns } from "../../model/columns.ts";
import { sliceRows } from "../../model/column_rows.ts";
import { SEED_FEATURE_COUNT, SeedEncoder } from "../../model/seed_encoding.ts";
import { sampleTransaction } from "../fixtures/transactions.ts";

Deno.test("a model's column encoder gives its encoding's features and restores from its records", () => {
  const rows = Array.from({ length: 200 }, (_, i) => sampleTransaction(i, 7));
  const columns = transactionsToColumns(rows);
  for (const name of ["fraudstream", "spark-seed"] as const) {
    const settings = DEFAULT_ENCODER;
    const byColumns = columnEncoderFor({ name, settings });
    const first = byColumns.encode(sliceRows(columns, 0, 120));
    const expected = name === "fraudstream"
      ? new CardStates(settings).encode(rows.slice(0, 120)).features
      : new SeedEncoder().encode(rows.slice(0, 120));
    assert.deepEqual(first, expected, name);
    assert.equal(first.length, 120 * byColumns.featureCount);
    const changes = byColumns.takeChanges(3);
    const snapshot = byColumns.snapshot(3);
    const fromSnapshot = columnEncoderFor({ name, settings });
    const fromChanges = columnEncoderFor({ name, settings });
    const cards = snapshot.reduce((sum, record) => sum + fromSnapshot.restore(record), 0);
    for (const record of changes) fromChanges.restore(record);
    const rest = sliceRows(columns, 120, 200);
    const next = byColumns.encode(rest);
    assert.deepEqual(fromSnapshot.encode(rest), next, name);
    assert.deepEqual(fromChanges.encode(rest), next, name);
    if (name === "fraudstream") {
      assert.ok(first instanceof Float32Array);
      assert.equal(cards, 7);
      assert.equal(snapshot.length, 3, "7 cards in records of 3");
      assert.equal(changes.length, 3, "the 7 cards the rows changed, in records of 3");
      assert.equal(byColumns.takeChanges(10).length, 1, "the 7 cards changed since");
      assert.deepEqual(byColumns.takeChanges(10), [], "nothing changed since");
      assert.throws(() => byColumns.snapshot(0), RangeError);
      assert.throws(() => byColumns.takeChanges(0), RangeError);
    } else {
      assert.ok(first instanceof Float64Array);
      assert.equal(first.length, 120 * SEED_FEATURE_COUNT);
      assert.deepEqual(
        [changes.length, snapshot.length, cards],
        [0, 0, 0],
        "the seed's encoding keeps no state",
      );
    }
  }
});
