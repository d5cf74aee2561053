import assert from "node:assert/strict";
import { applyCardStates, encodeCardStates, slotRange } from "../../model/card_state_records.ts";
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
  const restored = new CardTable(DEFAULT_ENCODER);
  let cards = 0;
  for (const record of [...snapshot, ...deltas]) cards += applyCardStates(restored, record);
  assert.ok(cards > live.size, `${cards} cards applied`);
  assert.deepEqual(statesOf(restored), statesOf(live));
  assert.equal(restored.touched().length, 0, "restoring changes nothing to write");
  // From then on the restored table gives the same features.
  assert.deepEqual(
    features(restored, columns.length - 500, columns.length),
    features(live, columns.length - 500, columns.length),
  );
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
  refused(changed(4, 2), /version 2 with history 48 does not fit/, "version");
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
