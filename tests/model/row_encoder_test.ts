import assert from "node:assert/strict";
import { DEFAULT_ENCODER, FEATURE_COUNT } from "../../model/features.ts";
import { columnEncoderFor, rowEncoderFor } from "../../model/row_encoder.ts";
import { sliceRows, transactionsToColumns } from "../../model/columns.ts";
import { SEED_FEATURE_COUNT, SeedEncoder } from "../../model/seed_encoding.ts";
import { sampleTransaction } from "../fixtures/transactions.ts";

Deno.test("a model's row encoder follows its encoding", () => {
  const rows = Array.from({ length: 5 }, (_, i) => sampleTransaction(i, 2));
  const native = rowEncoderFor({ name: "fraudstream", settings: DEFAULT_ENCODER });
  const encoded = native.encode(rows);
  assert.ok(encoded.features instanceof Float32Array);
  assert.equal(encoded.features.length, 5 * FEATURE_COUNT);
  assert.equal(encoded.touched.size, 2);
  const snapshot = native.snapshot(rows[0].cc_num);
  assert.ok(snapshot.length > 0);

  const seed = rowEncoderFor({ name: "spark-seed", settings: DEFAULT_ENCODER });
  const legacy = seed.encode(rows);
  assert.ok(legacy.features instanceof Float64Array);
  assert.deepEqual(legacy.features, new SeedEncoder().encode(rows));
  assert.equal(legacy.features.length, 5 * SEED_FEATURE_COUNT);
  assert.equal(legacy.touched.size, 0, "the seed's encoding keeps no card state");
  assert.equal(seed.snapshot(rows[0].cc_num).length, 0);
});

Deno.test("a model's column encoder gives the row encoder's features and restores from its records", () => {
  const rows = Array.from({ length: 200 }, (_, i) => sampleTransaction(i, 7));
  const columns = transactionsToColumns(rows);
  for (const name of ["fraudstream", "spark-seed"] as const) {
    const settings = DEFAULT_ENCODER;
    const byRows = rowEncoderFor({ name, settings });
    const byColumns = columnEncoderFor({ name, settings });
    const first = byColumns.encode(sliceRows(columns, 0, 120));
    assert.deepEqual(first, byRows.encode(rows.slice(0, 120)).features, name);
    assert.equal(first.length, 120 * byColumns.featureCount);
    const changes = byColumns.takeChanges();
    const snapshot = byColumns.snapshot(3);
    const restored = columnEncoderFor({ name, settings });
    for (const record of snapshot) restored.restore(record);
    const rest = sliceRows(columns, 120, 200);
    assert.deepEqual(restored.encode(rest), byColumns.encode(rest), name);
    if (name === "fraudstream") {
      assert.equal(snapshot.length, 3, "7 cards in records of 3");
      assert.ok(changes.length > 12 && byColumns.takeChanges().length > 12);
      assert.equal(byColumns.takeChanges().length, 12, "nothing changed since");
      assert.throws(() => byColumns.snapshot(0), RangeError);
    } else {
      assert.deepEqual(
        [changes.length, snapshot.length],
        [0, 0],
        "the seed's encoding keeps no state",
      );
    }
  }
});
