import assert from "node:assert/strict";
import {
  applyCardStates,
  encodeCardAppends,
  encodeCardStates,
  slotRange,
} from "../../model/card_state_records.ts";
import { encodeState, StateFormatError } from "../../model/card_states.ts";
import { CardTable } from "../../model/card_table.ts";
import { sliceRows } from "../../model/column_rows.ts";
import { parseCsvChunk } from "../../model/csv_chunk.ts";
import { DEFAULT_ENCODER, FEATURE_COUNT, STATE } from "../../model/features.ts";
import { generatedLines } from "../fixtures/generated_lines.ts";

const encoder = new TextEncoder();
const lines = await generatedLines({ customers: 300, days: 60, seed: 31 });
const { columns } = parseCsvChunk(encoder.encode(lines.join("\n")));

/** Every state of `table`, bit for bit, by card (as `low:high`). */
function statesOf(table: CardTable): Map<string, string> {
  const out = new Map<string, string>();
  for (let slot = 0; slot < table.size; slot++) {
    const state = table.states.slice(slot * table.stride, (slot + 1) * table.stride);
    out.set(
      `${table.cards.low(slot)}:${table.cards.high(slot)}`,
      [...new Uint8Array(state.buffer)].join(","),
    );
  }
  return out;
}

/** The features of `rows` of the columns encoded against `table`. */
function features(table: CardTable, from: number, to: number): Float32Array {
  const out = new Float32Array((to - from) * FEATURE_COUNT);
  table.encode(sliceRows(columns, from, to), out);
  return out;
}

/**
 * Asserts that `records` applied in order to an empty table give `live`'s states bit for bit, and
 * from then on the same features (of the last 500 rows, which both tables then take in); returns
 * the cards applied.
 */
function assertRestoresAs(records: Uint8Array[], live: CardTable): number {
  const restored = new CardTable(DEFAULT_ENCODER);
  let cards = 0;
  for (const record of records) cards += applyCardStates(restored, record);
  assert.deepEqual(statesOf(restored), statesOf(live));
  assert.equal(restored.touched().length, 0, "restoring changes nothing to write");
  assert.deepEqual(
    features(restored, columns.length - 500, columns.length),
    features(live, columns.length - 500, columns.length),
  );
  return cards;
}

Deno.test("a snapshot in chunks and the deltas after it restore every card exactly", () => {
  const third = Math.floor(columns.length / 3);
  const live = new CardTable(DEFAULT_ENCODER);
  features(live, 0, third);
  // A full snapshot in chunks of 100 cards.
  const snapshot: Uint8Array[] = [];
  for (let from = 0; from < live.size; from += 100) {
    snapshot.push(encodeCardStates(live, slotRange(from, Math.min(live.size, from + 100))));
  }
  live.clearTouched();
  // Two batches, each written as the delta of the cards it changed.
  const deltas: Uint8Array[] = [];
  for (const [from, to] of [[third, 2 * third], [2 * third, columns.length - 500]]) {
    features(live, from, to);
    deltas.push(encodeCardStates(live, live.touched()));
    live.clearTouched();
  }
  const cards = assertRestoresAs([...snapshot, ...deltas], live);
  assert.ok(cards > live.size, `${cards} cards applied`);
});

Deno.test("a record holds only the filled history: 54 bytes a card and 17 per transaction", () => {
  const table = new CardTable(DEFAULT_ENCODER);
  features(table, 0, 4000);
  const slots = slotRange(0, table.size);
  const record = encodeCardStates(table, slots);
  let expected = 12;
  let snapshots = 0;
  for (const slot of slots) {
    const state = table.states.subarray(slot * table.stride, (slot + 1) * table.stride);
    expected += 54 + 17 * Math.min(state[STATE.COUNT], DEFAULT_ENCODER.historySize);
    snapshots += encodeState(state, DEFAULT_ENCODER).length;
  }
  assert.equal(record.length, expected);
  assert.ok(record.length < snapshots, `${record.length} bytes vs ${snapshots} as snapshots`);
  assert.equal(encodeCardStates(table, []).length, 12);
  assert.equal(applyCardStates(new CardTable(DEFAULT_ENCODER), encodeCardStates(table, [])), 0);
});

Deno.test("a truncated, foreign or corrupt record is refused whole, with the reason", () => {
  const table = new CardTable(DEFAULT_ENCODER);
  features(table, 0, 2000);
  const record = encodeCardStates(table, slotRange(0, 20));
  const refused = (bytes: Uint8Array, reason: RegExp, what: string) => {
    const target = new CardTable(DEFAULT_ENCODER);
    assert.throws(() => applyCardStates(target, bytes), (error: unknown) => {
      assert.ok(error instanceof StateFormatError, `${what}: ${error}`);
      assert.match(error.message, reason, what);
      return true;
    });
    assert.equal(target.size, 0, `${what}: no card was changed`);
  };
  for (let length = 0; length < record.length; length++) {
    refused(record.subarray(0, length), /truncated|bytes after/, `cut to ${length} bytes`);
  }
  const changed = (at: number, value: number) => {
    const copy = record.slice();
    copy[at] = value;
    return copy;
  };
  refused(changed(0, 0x58), /not a card-state record/, "mark");
  refused(changed(4, 3), /version 3 with history 48 does not fit/, "version");
  refused(changed(6, 32), /history 32 does not fit/, "history size");
  refused(changed(8, 21), /truncated in card 21 of 21/, "one card more");
  const count = new DataView(record.buffer).getUint32(12 + 8, true);
  const head = (count + 1) % DEFAULT_ENCODER.historySize;
  refused(
    changed(12 + 12, head),
    new RegExp(`card 1 has ${count} transactions but history head ${head}`),
    "head",
  );
  // The first card's first category byte: after its fixed part and its time and amount pairs.
  const filled = Math.min(table.states[STATE.COUNT], DEFAULT_ENCODER.historySize);
  refused(changed(12 + 54 + 16 * filled, 200), /card 1 has category index 200/, "category");
  refused(new Uint8Array([...record, 0]), /1 bytes after its 20 cards/, "trailing byte");
  const other = new CardTable({ ...DEFAULT_ENCODER, historySize: 32 });
  assert.throws(() => applyCardStates(other, record), StateFormatError);
});

/** What the batches since `table.clearTouched` added to its cards, as one record. */
function additions(table: CardTable): Uint8Array {
  return encodeCardAppends(table, table.touched(), table.countsBefore());
}

Deno.test("deltas of what batches added restore every card exactly, a whole history added too", () => {
  const live = new CardTable(DEFAULT_ENCODER);
  const snapshotAt = 3000;
  features(live, 0, snapshotAt);
  const snapshot = encodeCardStates(live, slotRange(0, live.size));
  live.clearTouched();
  // Batches of one row (a card adds 1), of a few hundred, and one in which the cards add more
  // transactions than a history holds (about 150 a card: 300 cards over 60 days).
  const ends = [snapshotAt + 1, snapshotAt + 2, snapshotAt + 400, columns.length - 500];
  const deltas: Uint8Array[] = [];
  let from = snapshotAt;
  let mostAdded = 0;
  for (const to of ends) {
    features(live, from, to);
    const before = live.countsBefore();
    live.touched().forEach((slot, k) => {
      const added = live.states[slot * live.stride + STATE.COUNT] - before[k];
      mostAdded = Math.max(mostAdded, added);
    });
    deltas.push(additions(live));
    live.clearTouched();
    from = to;
  }
  assert.ok(mostAdded > DEFAULT_ENCODER.historySize, `a card added ${mostAdded} in one batch`);
  assert.ok(deltas[0].length < 12 + 58 + 17 + 1, "one row: one card, one transaction");
  assertRestoresAs([snapshot, ...deltas], live);
});

Deno.test("a delta holds 58 bytes a card and 17 per transaction added", () => {
  const table = new CardTable(DEFAULT_ENCODER);
  features(table, 0, 4000);
  table.clearTouched();
  features(table, 4000, 4600);
  const record = additions(table);
  let expected = 12;
  table.countsBefore().forEach((before, k) => {
    const added = table.states[table.touched()[k] * table.stride + STATE.COUNT] - before;
    expected += 58 + 17 * Math.min(added, DEFAULT_ENCODER.historySize);
  });
  assert.equal(record.length, expected);
  const states = encodeCardStates(table, table.touched());
  assert.ok(record.length < states.length / 3, `${record.length} bytes vs ${states.length}`);
});

Deno.test("a delta that does not follow the states it is applied to is refused whole", () => {
  const live = new CardTable(DEFAULT_ENCODER);
  features(live, 0, 3000);
  const snapshot = encodeCardStates(live, slotRange(0, live.size));
  live.clearTouched();
  features(live, 3000, 3040);
  const delta = additions(live);
  /** The bytes of every state of `table`. */
  const bytesOf = (table: CardTable) =>
    new Uint8Array(table.states.buffer, 0, table.size * table.stride * 8).slice();
  const refused = (target: CardTable, bytes: Uint8Array, reason: RegExp, what: string) => {
    const before = bytesOf(target);
    assert.throws(() => applyCardStates(target, bytes), (error: unknown) => {
      assert.ok(error instanceof StateFormatError, `${what}: ${error}`);
      assert.match(error.message, reason, what);
      return true;
    });
    const after = bytesOf(target);
    let same = after.length === before.length;
    for (let i = 0; same && i < after.length; i++) same = after[i] === before[i];
    assert.ok(same, `${what}: no card was changed`);
  };
  // Without the snapshot it follows, and applied twice.
  refused(new CardTable(DEFAULT_ENCODER), delta, /does not follow the states restored/, "alone");
  const restored = new CardTable(DEFAULT_ENCODER);
  applyCardStates(restored, snapshot);
  applyCardStates(restored, delta);
  refused(restored, delta, /does not follow the states restored/, "twice");
  // Truncated anywhere, a card twice, more added than the card holds.
  const base = new CardTable(DEFAULT_ENCODER);
  applyCardStates(base, snapshot);
  for (let length = 0; length < delta.length; length++) {
    refused(base, delta.subarray(0, length), /truncated|bytes after/, `cut to ${length} bytes`);
  }
  const view = new DataView(delta.buffer);
  const firstCard = delta.subarray(
    12,
    12 + 58 + 17 * Math.min(
          view.getUint32(12 + 54, true),
          DEFAULT_ENCODER.historySize,
        ),
  );
  const twice = new Uint8Array([...delta.subarray(0, 12), ...firstCard, ...firstCard]);
  new DataView(twice.buffer).setUint32(8, 2, true);
  refused(base, twice, /card 2 adds .* and came before in the record/, "a card twice");
  const overdrawn = delta.slice();
  new DataView(overdrawn.buffer).setUint32(12 + 54, view.getUint32(12 + 8, true) + 1, true);
  refused(base, overdrawn, /card 1 adds \d+ of its \d+ transactions/, "more added than held");
});
