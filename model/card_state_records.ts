/**
 * Card states as one compact binary record for many cards: what a partition writes to the
 * `card-state` topic. Every so often it writes all its cards' states in chunks (a full snapshot,
 * version 1 records); per batch it writes what the batch added to the cards it changed (a delta,
 * version 2 records); a restore applies the last snapshot's records and the deltas after it, in
 * order.
 *
 * A record, little-endian:
 *
 * | bytes | value |
 * |---|---|
 * | 4 | `FSCS` |
 * | 2 | format version: 1 (states) or 2 (additions) |
 * | 2 | the encoder's history size (a record fits only a table of the same) |
 * | 4 | cards in the record |
 *
 * then per card: its number (low, high 32-bit words), `COUNT` (u32), `HEAD` (u16), `SUM`,
 * `LAST_TIME`, `LAST_LAT`, `LAST_LONG`, `FIRST_TIME` (f64 each), and
 *
 * - version 1: the history entries that hold a transaction (`min(COUNT, historySize)` of them, in
 *   ring order): their times and amounts (f64 pairs), then their category indices (u8 each). A card
 *   costs 54 bytes plus 17 per remembered transaction, and replaces the card's state;
 * - version 2: the transactions the batch added (u32), then the history entries they wrote (the
 *   last `min(added, historySize)` before `HEAD`, oldest first), as in version 1. A card costs 58
 *   bytes plus 17 per transaction added, and applies only to the state it was made from: the card's
 *   count must be `COUNT - added` (0 for a card not seen yet), else the record is refused.
 *
 * Either reads back to exactly the states it was made from.
 *
 * @module
 */

import { StateFormatError } from "./card_states.ts";
import type { CardTable } from "./card_table.ts";
import { type EncoderSettings, STATE } from "./features.ts";
import { CATEGORIES } from "./schema.ts";

/** The format version of records of whole card states (snapshots). */
export const CARD_STATES_VERSION = 1;
/** The format version of records of what batches added to cards (deltas). */
export const CARD_APPENDS_VERSION = 2;

const MAGIC = [0x46, 0x53, 0x43, 0x53]; // "FSCS"
const RECORD_HEADER = 12;
/** A card's fixed part: number 8, COUNT 4, HEAD 2, five f64. */
const CARD_HEADER = 8 + 4 + 2 + 5 * 8;
/** A card's fixed part in a delta: that of a state, and the transactions added (u32). */
const APPENDS_CARD_HEADER = CARD_HEADER + 4;
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

/**
 * The most bytes one card takes in a record of either version for `settings` (a delta adding a
 * whole history).
 */
export function maxCardStateBytes(settings: EncoderSettings): number {
  return APPENDS_CARD_HEADER + ENTRY * settings.historySize;
}

/** The slots `from` to `to - 1`: a chunk of a full snapshot is `encodeCardStates` of them. */
export function slotRange(from: number, to: number): Int32Array {
  return Int32Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
}

/** The states of the cards of `slots` in `table`, as one record (version 1). */
export function encodeCardStates(table: CardTable, slots: ArrayLike<number>): Uint8Array {
  const size = table.settings.historySize;
  const states = table.states;
  let total = RECORD_HEADER;
  for (let k = 0; k < slots.length; k++) {
    total += CARD_HEADER + ENTRY * Math.min(checkedCount(table, slots[k]), size);
  }
  const { bytes, view } = recordOf(total, CARD_STATES_VERSION, table, slots.length);
  let at = RECORD_HEADER;
  for (let k = 0; k < slots.length; k++) {
    const slot = slots[k];
    at = writeCardHeader(view, at, table, slot);
    const filled = Math.min(states[slot * table.stride + STATE.COUNT], size);
    at = writeEntries({ bytes, view, at }, table, slot, { first: 0, count: filled });
  }
  return bytes;
}

/**
 * What the batches since `countsBefore` were taken added to the cards of `slots` in `table`, as
 * one record (version 2): `countsBefore[k]` is the count of `slots[k]` before them
 * (`CardTable.countsBefore`).
 */
export function encodeCardAppends(
  table: CardTable,
  slots: ArrayLike<number>,
  countsBefore: ArrayLike<number>,
): Uint8Array {
  const size = table.settings.historySize;
  const states = table.states;
  let total = RECORD_HEADER;
  for (let k = 0; k < slots.length; k++) {
    const added = checkedCount(table, slots[k]) - countsBefore[k];
    if (!(added >= 0)) {
      throw new RangeError(`card state of slot ${slots[k]} lost transactions (${added} added)`);
    }
    total += APPENDS_CARD_HEADER + ENTRY * Math.min(added, size);
  }
  const { bytes, view } = recordOf(total, CARD_APPENDS_VERSION, table, slots.length);
  let at = RECORD_HEADER;
  for (let k = 0; k < slots.length; k++) {
    const slot = slots[k];
    const base = slot * table.stride;
    const added = states[base + STATE.COUNT] - countsBefore[k];
    at = writeCardHeader(view, at, table, slot);
    view.setUint32(at, added, true);
    const written = Math.min(added, size);
    // The entries written last, oldest first: the `written` ring positions before `HEAD`.
    const first = states[base + STATE.HEAD] - written + size;
    at = writeEntries({ bytes, view, at: at + 4 }, table, slot, { first, count: written });
  }
  return bytes;
}

/**
 * Writes `entries.count` history entries of `slot` from ring position `entries.first` (modulo
 * the history size) at `out.at`: their times and amounts, then their categories. Returns the
 * offset after them.
 */
function writeEntries(
  out: { bytes: Uint8Array; view: DataView; at: number },
  table: CardTable,
  slot: number,
  entries: { first: number; count: number },
): number {
  const { bytes, view } = out;
  const size = table.settings.historySize;
  const states = table.states;
  const history = slot * table.stride + STATE.HEADER;
  let at = out.at;
  for (let i = 0; i < entries.count; i++) {
    const entry = (entries.first + i) % size;
    view.setFloat64(at, states[history + entry], true);
    view.setFloat64(at + 8, states[history + size + entry], true);
    at += 16;
  }
  for (let i = 0; i < entries.count; i++) {
    bytes[at++] = states[history + 2 * size + (entries.first + i) % size];
  }
  return at;
}

/** The transaction count of `slot`, checked to fit a record. */
function checkedCount(table: CardTable, slot: number): number {
  const count = table.states[slot * table.stride + STATE.COUNT];
  if (!(count >= 0 && count <= 0xffffffff)) {
    throw new RangeError(`card state of slot ${slot} counts ${count} transactions`);
  }
  return count;
}

/** A record of `total` bytes with its header written. */
function recordOf(
  total: number,
  version: number,
  table: CardTable,
  cards: number,
): { bytes: Uint8Array; view: DataView } {
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint16(4, version, true);
  view.setUint16(6, table.settings.historySize, true);
  view.setUint32(8, cards, true);
  return { bytes, view };
}

/** Writes the fixed part of `slot`'s state at `at`; returns the offset after it. */
function writeCardHeader(view: DataView, at: number, table: CardTable, slot: number): number {
  const base = slot * table.stride;
  const states = table.states;
  view.setUint32(at, table.cards.low(slot), true);
  view.setUint32(at + 4, table.cards.high(slot), true);
  view.setUint32(at + 8, states[base + STATE.COUNT], true);
  view.setUint16(at + 12, states[base + STATE.HEAD], true);
  at += 14;
  for (const index of DOUBLES) {
    view.setFloat64(at, states[base + index], true);
    at += 8;
  }
  return at;
}

/**
 * Applies `record` (made by `encodeCardStates` or `encodeCardAppends` with the same encoder
 * settings) to `table`: a record of states replaces the states of its cards, adding cards the
 * table does not know; a record of additions adds to each card the transactions it holds. Returns
 * the number of cards. The whole record is checked before any state changes.
 *
 * @throws {StateFormatError} a record of another format version or history size, truncated, or
 * whose values contradict each other or, for additions, the table's states.
 */
export function applyCardStates(table: CardTable, record: Uint8Array): number {
  const { cards, version } = checkRecord(record, table);
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
    const head = view.getUint16(at + 12, true);
    if (version === CARD_STATES_VERSION) states.fill(0, base, base + stride);
    states[base + STATE.COUNT] = count;
    states[base + STATE.HEAD] = head;
    at += 14;
    for (const index of DOUBLES) {
      states[base + index] = view.getFloat64(at, true);
      at += 8;
    }
    // States: the ring from its start. Additions: the entries last written, before the head.
    let written = Math.min(count, size);
    let first = 0;
    if (version === CARD_APPENDS_VERSION) {
      written = Math.min(view.getUint32(at, true), size);
      first = head - written + size;
      at += 4;
    }
    for (let i = 0; i < written; i++) {
      const entry = (first + i) % size;
      states[history + entry] = view.getFloat64(at, true);
      states[history + size + entry] = view.getFloat64(at + 8, true);
      at += 16;
    }
    for (let i = 0; i < written; i++) {
      states[history + 2 * size + (first + i) % size] = record[at++];
    }
  }
  return cards;
}

/** The number of cards in `record` and its version, once checked against `table`. */
function checkRecord(record: Uint8Array, table: CardTable): { cards: number; version: number } {
  const settings = table.settings;
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
  if (
    (version !== CARD_STATES_VERSION && version !== CARD_APPENDS_VERSION) ||
    size !== settings.historySize
  ) {
    throw new StateFormatError(
      `card-state record version ${version} with history ${size} does not fit this model (version ${CARD_STATES_VERSION} or ${CARD_APPENDS_VERSION}, history ${settings.historySize})`,
    );
  }
  const appends = version === CARD_APPENDS_VERSION;
  const cardHeader = appends ? APPENDS_CARD_HEADER : CARD_HEADER;
  const cards = view.getUint32(8, true);
  /** The cards of a record of additions, each at most once. */
  const added = new Set<string>();
  let at = RECORD_HEADER;
  for (let k = 0; k < cards; k++) {
    if (at + cardHeader > length) {
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
    let written = Math.min(count, size);
    if (appends) {
      const adds = view.getUint32(at + CARD_HEADER, true);
      const card = `${view.getUint32(at, true)}:${view.getUint32(at + 4, true)}`;
      if (adds > count || added.has(card)) {
        throw new StateFormatError(
          `card-state record is corrupt: card ${k + 1} adds ${adds} of its ${count} transactions${
            added.has(card) ? ", and came before in the record" : ""
          }`,
        );
      }
      added.add(card);
      // The card as the table holds it must be the state the additions were made to.
      const slot = table.cards.find(view.getUint32(at, true), view.getUint32(at + 4, true));
      const held = slot < 0 ? 0 : table.states[slot * table.stride + STATE.COUNT];
      if (held !== count - adds) {
        throw new StateFormatError(
          `card-state record does not follow the states restored: card ${
            k + 1
          } adds ${adds} transactions to ${count - adds}, but its state holds ${held}`,
        );
      }
      written = Math.min(adds, size);
    }
    const categories = at + cardHeader + 16 * written;
    at += cardHeader + ENTRY * written;
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
  return { cards, version };
}
