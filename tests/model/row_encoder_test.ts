import assert from "node:assert/strict";
import { DEFAULT_ENCODER, FEATURE_COUNT } from "../../model/features.ts";
import { rowEncoderFor } from "../../model/row_encoder.ts";
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
