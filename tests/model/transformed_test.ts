import assert from "node:assert/strict";
import { join } from "node:path";
import { DEFAULT_ENCODER, FEATURE_COUNT } from "../../model/features.ts";
import { ModelFormatError } from "../../model/model_file.ts";
import {
  type EncodedData,
  hasTransformed,
  readTransformed,
  writeTransformed,
} from "../../model/transformed.ts";
import { encodeData } from "../../model/train.ts";
import { csvFile, sampleTransaction } from "../fixtures/transactions.ts";

/** Encoded data of `n` rows with distinct values in every column. */
function encoded(n: number): EncodedData {
  return {
    length: n,
    features: Array.from(
      { length: FEATURE_COUNT },
      (_, f) => Float32Array.from({ length: n }, (_, i) => Math.fround(i * 0.37 + f - n / 3)),
    ),
    label: Uint8Array.from({ length: n }, (_, i) => (i % 97 === 0 ? 1 : 0)),
    card: Uint32Array.from({ length: n }, (_, i) => i % 13),
    cards: Array.from({ length: 13 }, (_, c) => String(4263982640260000 + c)),
    time: Float64Array.from({ length: n }, (_, i) => 1_672_531_200 + i * 61),
    encoder: DEFAULT_ENCODER,
  };
}

Deno.test("transformed data reads back exactly what was written, over several row groups", async () => {
  const dir = join(await Deno.makeTempDir(), "v1");
  try {
    assert.equal(await hasTransformed(dir), false);
    const data = encoded(2_100_003);
    const bytes = await writeTransformed(dir, data);
    assert.ok(bytes > 0);
    assert.equal(await hasTransformed(dir), true);
    const back = await readTransformed(dir);
    assert.equal(back.length, data.length);
    assert.deepEqual(back.encoder, data.encoder);
    assert.deepEqual(back.cards, data.cards);
    assert.deepEqual(back.label, data.label);
    assert.deepEqual(back.card, data.card);
    assert.deepEqual(back.time, data.time);
    for (let f = 0; f < FEATURE_COUNT; f++) assert.deepEqual(back.features[f], data.features[f]);
  } finally {
    await Deno.remove(join(dir, ".."), { recursive: true });
  }
});

Deno.test("a truncated transformed file is refused with a clear message", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeTransformed(dir, encoded(1000));
    const path = join(dir, "part-00000.parquet");
    const bytes = await Deno.readFile(path);
    await Deno.writeFile(path, bytes.subarray(0, bytes.length / 2));
    await assert.rejects(readTransformed(dir), (error: unknown) => {
      assert.ok(error instanceof ModelFormatError, String(error));
      assert.match(error.message, /is not readable Parquet .* delete it to encode the data again/);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("transformed data stands for the CSV files it was encoded from, not for other data", async () => {
  const root = await Deno.makeTempDir();
  try {
    const rows = (n: number) => Array.from({ length: n }, (_, i) => sampleTransaction(i));
    const write = async (dir: string, n: number, extra = "") => {
      await Deno.mkdir(dir, { recursive: true });
      await Deno.writeTextFile(join(dir, "part.csv"), csvFile(rows(n)) + extra);
    };
    await write(join(root, "a"), 20, "not|a|row\n");
    await write(join(root, "b"), 30);
    const transformedDir = join(root, "transformed", "v1");
    const encode = (data: string) => encodeData({ dataDir: join(root, data), transformedDir });
    const first = await encode("a");
    assert.deepEqual([first.from, first.data.length, first.badRows], ["csv", 20, 1]);
    const again = await encode("a");
    assert.deepEqual([again.from, again.data.length, again.badRows], ["parquet", 20, 1]);
    // Other data under the same version is encoded, not answered with the first data's rows.
    const other = await encode("b");
    assert.deepEqual([other.from, other.data.length, other.badRows], ["csv", 30, 0]);
    // So is the first folder once a file of it changed.
    await write(join(root, "a"), 25);
    const changed = await encode("a");
    assert.deepEqual([changed.from, changed.data.length, changed.badRows], ["csv", 25, 0]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
