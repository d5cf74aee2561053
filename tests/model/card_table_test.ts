import assert from "node:assert/strict";
import { CardIndex } from "../../model/card_index.ts";
import { CardStates } from "../../model/card_states.ts";
import { CardTable } from "../../model/card_table.ts";
import { applyCardStates, encodeCardStates, slotRange } from "../../model/card_state_records.ts";
import { cardWords, transactionsToColumns } from "../../model/columns.ts";
import { parseCsvChunk } from "../../model/csv_chunk.ts";
import { DEFAULT_ENCODER, type EncoderSettings, FEATURE_COUNT } from "../../model/features.ts";
import { parseTransactionLine } from "../../model/row_validator.ts";
import type { Transaction } from "../../model/schema.ts";
import { SEED_FEATURE_COUNT, SeedEncoder } from "../../model/seed_encoding.ts";
import { seededRandom } from "../../actors/lib/random.ts";
import { generatedLines } from "../fixtures/generated_lines.ts";
import { sampleTransaction } from "../fixtures/transactions.ts";

const encoder = new TextEncoder();

/** Bit-for-bit equality of two typed arrays (NaN equal to NaN, 0 not equal to -0). */
function assertSameBits(
  actual: Float32Array | Float64Array,
  expected: typeof actual,
  what: string,
) {
  assert.equal(actual.length, expected.length, what);
  const a = new Uint8Array(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = new Uint8Array(expected.buffer, expected.byteOffset, expected.byteLength);
  const at = a.findIndex((byte, i) => byte !== b[i]);
  if (at >= 0) {
    const k = Math.floor(at / actual.BYTES_PER_ELEMENT);
    assert.fail(`${what}: value ${k} is ${actual[k]}, expected ${expected[k]}`);
  }
}

/** Generated lines cut into batches of varied sizes (1 to 5,000 lines). */
function batches(lines: string[], seed: number): string[][] {
  const random = seededRandom(seed);
  const out: string[][] = [];
  for (let at = 0; at < lines.length;) {
    const size = Math.ceil(random() ** 3 * 5000);
    out.push(lines.slice(at, at + size));
    at += size;
  }
  return out;
}

const lines = await generatedLines({ customers: 1500, days: 45, seed: 21 });

Deno.test("features from columns and a card table are those of the card states from objects", () => {
  const cuts = batches(lines, 4);
  assert.ok(cuts.length > 20, `${cuts.length} batches`);
  const states = new CardStates(DEFAULT_ENCODER);
  const table = new CardTable(DEFAULT_ENCODER);
  let wrapped = 0;
  for (const batch of cuts) {
    const rows = batch.map((line) => parseTransactionLine(line) as Transaction);
    const expected = states.encode(rows);
    const { columns } = parseCsvChunk(encoder.encode(batch.join("\n")));
    assert.equal(columns.length, rows.length);
    const features = new Float32Array(rows.length * FEATURE_COUNT);
    table.encode(columns, features);
    assertSameBits(features, expected.features, "features");
    const touched = [...table.touched()].map((slot) =>
      String((BigInt(table.cards.high(slot)) << 32n) | BigInt(table.cards.low(slot)))
    );
    assert.deepEqual(new Set(touched), expected.touched);
    assert.equal(touched.length, expected.touched.size, "each slot once");
    table.clearTouched();
  }
  assert.equal(table.size, states.size);
  assert.ok(table.size > 1000, `${table.size} cards`);
  for (let slot = 0; slot < table.size; slot++) {
    const card = String((BigInt(table.cards.high(slot)) << 32n) | BigInt(table.cards.low(slot)));
    const at = slot * table.stride;
    assertSameBits(table.states.subarray(at, at + table.stride), states.get(card), card);
    if (states.get(card)[0] > DEFAULT_ENCODER.historySize) wrapped++;
  }
  assert.ok(wrapped > 100, `${wrapped} cards whose history ring wrapped`);
});

Deno.test("cards whose transactions come out of time order get the features of the card states from objects", () => {
  // Blocks of 3,000 lines, every other one reversed: there a card's transactions come newest
  // first, after (and before) others in time order.
  const mixed: string[] = [];
  for (let at = 0; at < lines.length; at += 3000) {
    const block = lines.slice(at, at + 3000);
    mixed.push(...(at % 6000 === 0 ? block : block.reverse()));
  }
  const states = new CardStates(DEFAULT_ENCODER);
  const table = new CardTable(DEFAULT_ENCODER);
  for (const batch of batches(mixed, 5)) {
    const rows = batch.map((line) => parseTransactionLine(line) as Transaction);
    const features = new Float32Array(rows.length * FEATURE_COUNT);
    table.encode(transactionsToColumns(rows), features);
    assertSameBits(features, states.encode(rows).features, "features");
  }
});

Deno.test("histories out of time order by more than a week, restored midway, get the features of the card states from objects", () => {
  // Blocks of 1,000 lines (about 7 hours), shuffled within runs of 60 (about 17 days): a card's
  // history holds transactions a week older than the ones written before them. With a history of
  // 6 transactions (2 or 3 days of a card's), most of what a card remembers is inside the week.
  for (const settings of [DEFAULT_ENCODER, { ...DEFAULT_ENCODER, historySize: 6 }]) {
    assertShuffledHistories(settings);
  }
});

/**
 * Asserts that a card table (restored from its records halfway) gives the features of the card
 * states from objects over the test's lines shuffled by blocks, with `settings`.
 */
function assertShuffledHistories(settings: EncoderSettings): void {
  const random = seededRandom(8);
  const blocks: string[][] = [];
  for (let at = 0; at < lines.length; at += 1000) blocks.push(lines.slice(at, at + 1000));
  const shuffled: string[] = [];
  for (let run = 0; run < blocks.length; run += 60) {
    const group = blocks.slice(run, run + 60);
    for (let i = group.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [group[i], group[j]] = [group[j], group[i]];
    }
    for (const block of group) shuffled.push(...block);
  }
  const states = new CardStates(settings);
  let table = new CardTable(settings);
  const cuts = batches(shuffled, 9);
  const middle = Math.floor(cuts.length / 2);
  for (let b = 0; b < cuts.length; b++) {
    if (b === middle) {
      // A restore: the states written out and read into a table of their own.
      const restored = new CardTable(settings);
      applyCardStates(restored, encodeCardStates(table, slotRange(0, table.size)));
      table = restored;
    }
    const rows = cuts[b].map((line) => parseTransactionLine(line) as Transaction);
    const features = new Float32Array(rows.length * FEATURE_COUNT);
    table.encode(transactionsToColumns(rows), features);
    assertSameBits(features, states.encode(rows).features, `features of batch ${b}`);
    table.clearTouched();
  }
}

Deno.test("a batch's features go to the matrix rows asked for, and only where there is room", () => {
  const rows = Array.from({ length: 30 }, (_, i) => sampleTransaction(i, 3));
  const alone = new Float32Array(rows.length * FEATURE_COUNT);
  new CardTable(DEFAULT_ENCODER).encode(transactionsToColumns(rows), alone);
  const matrix = new Float32Array((rows.length + 5) * FEATURE_COUNT).fill(-7);
  const table = new CardTable(DEFAULT_ENCODER);
  table.encode(transactionsToColumns(rows), matrix, 3);
  assertSameBits(
    matrix.subarray(3 * FEATURE_COUNT, (3 + rows.length) * FEATURE_COUNT),
    alone,
    "at 3",
  );
  assert.ok(matrix.subarray(0, 3 * FEATURE_COUNT).every((v) => v === -7));
  assert.ok(matrix.subarray((3 + rows.length) * FEATURE_COUNT).every((v) => v === -7));
  assert.throws(() => table.encode(transactionsToColumns(rows), matrix, 6), RangeError);
  assert.equal(table.touched().length, 3, "three cards");
  table.clearTouched();
  assert.equal(table.touched().length, 0);
});

Deno.test("the seed's encoding from columns equals its encoding from objects", () => {
  const seed = new SeedEncoder();
  const fromColumns = new SeedEncoder();
  for (const batch of batches(lines.slice(0, 60_000), 9)) {
    const rows = batch.map((line) => parseTransactionLine(line) as Transaction);
    const { columns } = parseCsvChunk(encoder.encode(batch.join("\n")));
    const out = new Float64Array(rows.length * SEED_FEATURE_COUNT);
    fromColumns.encodeColumns(columns, out);
    assertSameBits(out, seed.encode(rows), "seed features");
  }
  assert.throws(
    () =>
      fromColumns.encodeColumns(transactionsToColumns([sampleTransaction(0)]), new Float64Array(9)),
    RangeError,
  );
});

Deno.test("the card index gives dense slots in first-seen order and finds them again", () => {
  const index = new CardIndex();
  const random = seededRandom(8);
  const cards: [number, number][] = Array.from(
    { length: 50_000 },
    (_, i) =>
      i % 3 === 0
        ? cardWords(String(4_000_000_000_000_000n + BigInt(i)))!
        : [Math.floor(random() * 2 ** 32), Math.floor(random() * 2 ** 32)],
  );
  cards.forEach(([low, high], i) => assert.equal(index.slotOf(low, high), i));
  cards.forEach(([low, high], i) => {
    assert.equal(index.find(low, high), i);
    assert.equal(index.slotOf(low, high), i);
    assert.deepEqual([index.low(i), index.high(i)], [low, high]);
  });
  assert.equal(index.size, cards.length);
  assert.equal(index.find(1, 1), -1);
});
