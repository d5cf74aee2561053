/**
 * Card states as one compact binary record for many cards: what a partition writes to the
 * `card-state` topic per batch (the states of the cards the batch changed, a delta) and, every so
 * often, for all its cards in chunks (a full snapshot); a restore applies the last snapshot's
 * records and the deltas after it, in order.
 *
 * A record, little-endian:
 *
 * | bytes | value |
 * |---|---|
 * | 4 | `FSCS` |
 * | 2 | format version (1) |
 * | 2 | the encoder's history size (a record fits only a table of the same) |
 * | 4 | cards in the record |
 *
 * then per card: its number (low, high 32-bit words), `COUNT` (u32), `HEAD` (u16), `SUM`,
 * `LAST_TIME`, `LAST_LAT`, `LAST_LONG`, `FIRST_TIME` (f64 each), then only the history entries that
 * hold a transaction (`min(COUNT, historySize)` of them, in ring order): their times and amounts
 * (f64 pairs), then their category indices (u8 each). So a card costs 54 bytes plus 17 per
 * remembered transaction, and a record reads back to exactly the states it was made from.
 *
 * @module
 */

import { StateFormatError } from "./card_states.ts";
import type { CardTable } from "./card_table.ts";
import { type EncoderSettings, STATE } from "./features.ts";
import { CATEGORIES } from "./schema.ts";

/** The format version written, and the only one read. */
export const CARD_STATES_VERSION = 1;

const MAGIC = [0x46, 0x53, 0x43, 0x53]; // "FSCS"
const RECORD_HEADER = 12;
/** A card's fixed part: number 8, COUNT 4, HEAD 2, five f64. */
const CARD_HEADER = 8 + 4 + 2 + 5 * 8;
/** A remembered transaction: time and amount f64, category u8. */
const ENTRY = 17;
/** The header values kept as f64, in record order. */
const DOUBLES = [
  STATE.SUM,
  STATE.LAST_TIME,
  STATE.LAST_LAT,
  STATE.LAST_LONG,
  STATE.FIRST_TIME,
] as const;

/** The most bytes one card takes in a record for `settings` (a card whose history is full). */
export function maxCardStateBytes(settings: EncoderSettings): number {
  return CARD_HEADER + ENTRY * settings.historySize;
}

/** The slots `from` to `to - 1`: a chunk of a full snapshot is `encodeCardStates` of them. */
export function slotRange(from: number, to: number): Int32Array {
  return Int32Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
}

/** The states of the cards of `slots` in `table`, as one record. */
export function encodeCardStates(table: CardTable, slots: ArrayLike<number>): Uint8Array {
  const size = table.settings.historySize;
  const states = table.states;
  const stride = table.stride;
  let total = RECORD_HEADER;
  for (let k = 0; k < slots.length; k++) {
    const count = states[slots[k] * stride + STATE.COUNT];
    if (!(count >= 0 && count <= 0xffffffff)) {
      throw new RangeError(`card state of slot ${slots[k]} counts ${count} transactions`);
    }
    total += CARD_HEADER + ENTRY * Math.min(count, size);
  }
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint16(4, CARD_STATES_VERSION, true);
  view.setUint16(6, size, true);
  view.setUint32(8, slots.length, true);
  let at = RECORD_HEADER;
  for (let k = 0; k < slots.length; k++) {
    const slot = slots[k];
    const base = slot * stride;
    const history = base + STATE.HEADER;
    const count = states[base + STATE.COUNT];
    const filled = Math.min(count, size);
    view.setUint32(at, table.cards.low(slot), true);
    view.setUint32(at + 4, table.cards.high(slot), true);
    view.setUint32(at + 8, count, true);
    view.setUint16(at + 12, states[base + STATE.HEAD], true);
    at += 14;
    for (const index of DOUBLES) {
      view.setFloat64(at, states[base + index], true);
      at += 8;
    }
    for (let i = 0; i < filled; i++) {
      view.setFloat64(at, states[history + i], true);
      view.setFloat64(at + 8, states[history + size + i], true);
      at += 16;
    }
    for (let i = 0; i < filled; i++) bytes[at++] = states[history + 2 * size + i];
  }
  return bytes;
}

/**
 * Replaces the states of the cards in `record` (made by `encodeCardStates` with the same encoder
 * settings) in `table`, adding cards it does not know; returns the number of cards. The whole
 * record is checked before any state changes.
 *
 * @throws {StateFormatError} a record of another format version or history size, truncated, or
 * whose values contradict each other.
 */
export function applyCardStates(table: CardTable, record: Uint8Array): number {
  const cards = checkRecord(record, table.settings);
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const size = table.settings.historySize;
  const stride = table.stride;
  let at = RECORD_HEADER;
  for (let k = 0; k < cards; k++) {
    const slot = table.slotOf(view.getUint32(at, true), view.getUint32(at + 4, true));
    const states = table.states;
    const base = slot * stride;
    const history = base + STATE.HEADER;
    const count = view.getUint32(at + 8, true);
    const filled = Math.min(count, size);
    states.fill(0, base, base + stride);
    states[base + STATE.COUNT] = count;
    states[base + STATE.HEAD] = view.getUint16(at + 12, true);
    at += 14;
    for (const index of DOUBLES) {
      states[base + index] = view.getFloat64(at, true);
      at += 8;
    }
    for (let i = 0; i < filled; i++) {
      states[history + i] = view.getFloat64(at, true);
      states[history + size + i] = view.getFloat64(at + 8, true);
      at += 16;
    }
    for (let i = 0; i < filled; i++) states[history + 2 * size + i] = record[at++];
  }
  return cards;
}

/** The number of cards in `record` once its form is checked against `settings`. */
function checkRecord(record: Uint8Array, settings: EncoderSettings): number {
  const length = record.byteLength;
  if (length < RECORD_HEADER) {
    throw new StateFormatError(`card-state record of ${length} bytes is truncated`);
  }
  if (MAGIC.some((byte, i) => record[i] !== byte)) {
    throw new StateFormatError("not a card-state record (no FSCS mark)");
  }
  const view = new DataView(record.buffer, record.byteOffset, length);
  const version = view.getUint16(4, true);
  const size = view.getUint16(6, true);
  if (version !== CARD_STATES_VERSION || size !== settings.historySize) {
    throw new StateFormatError(
      `card-state record version ${version} with history ${size} does not fit this model (version ${CARD_STATES_VERSION}, history ${settings.historySize})`,
    );
  }
  const cards = view.getUint32(8, true);
  let at = RECORD_HEADER;
  for (let k = 0; k < cards; k++) {
    if (at + CARD_HEADER > length) {
      throw new StateFormatError(`card-state record is truncated in card ${k + 1} of ${cards}`);
    }
    const count = view.getUint32(at + 8, true);
    const head = view.getUint16(at + 12, true);
    if (head !== count % size) {
      throw new StateFormatError(
        `card-state record is corrupt: card ${
          k + 1
        } has ${count} transactions but history head ${head}`,
      );
    }
    const filled = Math.min(count, size);
    const categories = at + CARD_HEADER + 16 * filled;
    at += CARD_HEADER + ENTRY * filled;
    if (at > length) {
      throw new StateFormatError(`card-state record is truncated in card ${k + 1} of ${cards}`);
    }
    for (let i = categories; i < at; i++) {
      if (record[i] >= CATEGORIES.length) {
        throw new StateFormatError(
          `card-state record is corrupt: card ${k + 1} has category index ${record[i]}`,
        );
      }
    }
  }
  if (at !== length) {
    throw new StateFormatError(
      `card-state record has ${length - at} bytes after its ${cards} cards`,
    );
  }
  return cards;
}
