/**
 * The card states of one partition as a typed table, and the features of column batches computed
 * against it: each card (two 32-bit words) has a slot (`CardIndex`), each slot's state is its
 * `stateLength` values in one growable Float64Array (the layout of `features.ts`), and a batch's
 * features come from the one per-row kernel `encodeInto`, row by row in batch order, into a
 * row-major Float32Array matrix. The table remembers which slots the batches since
 * `clearTouched` changed, and how many transactions each had before, for the card-state delta
 * (`card_state_records.ts`).
 *
 * The features are those of `CardStates.encode` over the same rows, value for value.
 *
 * @example
 * ```ts
 * const table = new CardTable(DEFAULT_ENCODER);
 * const features = new Float32Array(columns.length * FEATURE_COUNT);
 * table.encode(columns, features);
 * const delta = encodeCardAppends(table, table.touched(), table.countsBefore());
 * table.clearTouched();
 * ```
 *
 * @module
 */

import { CardIndex } from "./card_index.ts";
import type { FeatureColumns } from "./feature_columns.ts";
import {
  blankFeatureInput,
  emptyState,
  encodeInto,
  type EncoderSettings,
  FEATURE_COUNT,
  type FeatureInput,
  STATE,
  stateLength,
} from "./features.ts";
import { AgeMemo, weekdayOf } from "./time.ts";
import { resized } from "./typed_memory.ts";

const SECONDS_PER_DAY = 86_400;
const FIRST_SLOTS = 1 << 10;

/** Card states by slot, and the slots changed since `clearTouched`. */
export class CardTable {
  /** The encoder settings the states are kept for. */
  readonly settings: EncoderSettings;
  /** Values per state (`stateLength(settings)`): slot `s`'s state starts at `s * stride`. */
  readonly stride: number;
  /** The cards' slots. */
  readonly cards: CardIndex = new CardIndex();
  #states: Float64Array;
  readonly #empty: Float64Array;
  /** The slots touched since `clearTouched`, in first-touch order. */
  #touched = new Int32Array(FIRST_SLOTS);
  /** Per touched slot (same index), its transaction count when first touched. */
  #countsBefore = new Float64Array(FIRST_SLOTS);
  #touchedCount = 0;
  /** Per slot, the `#epoch` in which it was last touched. */
  #mark = new Uint32Array(FIRST_SLOTS);
  #epoch = 1;
  readonly #input: FeatureInput = blankFeatureInput();
  readonly #ages = new AgeMemo();

  /** An empty table for the given encoder settings. */
  constructor(settings: EncoderSettings) {
    this.settings = settings;
    this.stride = stateLength(settings);
    this.#empty = emptyState(settings);
    this.#states = new Float64Array(FIRST_SLOTS * this.stride);
  }

  /** Number of cards. */
  get size(): number {
    return this.cards.size;
  }

  /**
   * Every slot's state (slot `s` at `s * stride`). The array is replaced when the table grows:
   * read it again after adding cards.
   */
  get states(): Float64Array {
    return this.#states;
  }

  /** The slot of the card `(low, high)`, created with an empty state when new. */
  slotOf(low: number, high: number): number {
    const before = this.cards.size;
    const slot = this.cards.slotOf(low, high);
    if (slot === before) {
      const at = slot * this.stride;
      if (at + this.stride > this.#states.length) {
        this.#states = resized(this.#states, 2 * this.#states.length);
      }
      this.#states.set(this.#empty, at);
    }
    return slot;
  }

  /** Records that `slot`'s state is about to change (its transaction count is taken now). */
  touch(slot: number): void {
    if (slot >= this.#mark.length) {
      this.#mark = resized(this.#mark, Math.max(2 * this.#mark.length, slot + 1));
    }
    if (this.#mark[slot] === this.#epoch) return;
    this.#mark[slot] = this.#epoch;
    if (this.#touchedCount === this.#touched.length) {
      this.#touched = resized(this.#touched, 2 * this.#touched.length);
      this.#countsBefore = resized(this.#countsBefore, this.#touched.length);
    }
    this.#countsBefore[this.#touchedCount] = this.#states[slot * this.stride + STATE.COUNT];
    this.#touched[this.#touchedCount++] = slot;
  }

  /** The slots changed since `clearTouched`, in first-change order (a view, valid until then). */
  touched(): Int32Array {
    return this.#touched.subarray(0, this.#touchedCount);
  }

  /**
   * The transaction count of each slot of `touched()` (same index) before its first change since
   * `clearTouched` (a view, valid until then).
   */
  countsBefore(): Float64Array {
    return this.#countsBefore.subarray(0, this.#touchedCount);
  }

  /** Forgets which slots changed. */
  clearTouched(): void {
    this.#touchedCount = 0;
    if (this.#epoch === 0xffffffff) {
      this.#mark.fill(0);
      this.#epoch = 0;
    }
    this.#epoch++;
  }

  /**
   * Computes the features of every row of `columns`, in row order, into `out` from row `outRow`
   * on (`FEATURE_COUNT` values a row, row-major), each from its card's state before the row, and
   * adds each row to its card's state.
   */
  encode(columns: FeatureColumns, out: Float32Array, outRow = 0): void {
    if ((outRow + columns.length) * FEATURE_COUNT > out.length) {
      throw new RangeError(
        `a feature matrix of ${out.length / FEATURE_COUNT} rows has no room for rows ${outRow} to ${
          outRow + columns.length - 1
        }`,
      );
    }
    const input = this.#input;
    const settings = this.settings;
    const stride = this.stride;
    const { card, transDate, transTime } = columns;
    for (let i = 0; i < columns.length; i++) {
      const slot = this.slotOf(card[2 * i], card[2 * i + 1]);
      this.touch(slot);
      const day = transDate[i];
      const second = transTime[i];
      input.amt = columns.amt[i];
      input.category = columns.category[i];
      input.time = day * SECONDS_PER_DAY + second;
      input.hour = Math.floor(second / 3600);
      input.weekday = weekdayOf(day);
      input.age = this.#ages.onDay(columns.dob[i], day);
      input.gender = columns.gender[i];
      input.cityPop = columns.cityPop[i];
      input.lat = columns.lat[i];
      input.long = columns.long[i];
      input.merchLat = columns.merchLat[i];
      input.merchLong = columns.merchLong[i];
      encodeInto(input, this.#states, settings, out, (outRow + i) * FEATURE_COUNT, slot * stride);
    }
  }
}
