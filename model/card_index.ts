/**
 * Card numbers (unsigned 64-bit, as two 32-bit words) to dense slots 0, 1, 2... in the order the
 * cards were first seen: an open-addressing hash table over typed arrays, so a batch looks its
 * cards up without a string or an object per row. The slot is the index of whatever the caller
 * keeps per card (a card's state, its number as text).
 *
 * @example
 * ```ts
 * const cards = new CardIndex();
 * const slot = cards.slotOf(columns.card[0], columns.card[1]); // 0: the first card seen
 * cards.find(columns.card[0], columns.card[1]);               // 0 again; -1 for an unknown card
 * ```
 *
 * @module
 */

import { resized } from "./typed_memory.ts";

const EMPTY = -1;
const FIRST_BUCKETS = 1 << 10;

/** A bucket for a card: the mix of its two words (murmur3's finalizer over both). */
function mix(low: number, high: number): number {
  let h = low ^ Math.imul(high ^ (high >>> 16), 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Cards to dense slots, in first-seen order. */
export class CardIndex {
  /** Slot per bucket, `EMPTY` for none; a power of two long, at most half full. */
  #buckets = new Int32Array(FIRST_BUCKETS).fill(EMPTY);
  /** The card of each slot: low word at `2 * slot`, high word at `2 * slot + 1`. */
  #cards = new Uint32Array(FIRST_BUCKETS);
  #size = 0;

  /** Number of cards (slots are `0 .. size - 1`). */
  get size(): number {
    return this.#size;
  }

  /** The slot of the card `(low, high)`, or -1 when it has none. */
  find(low: number, high: number): number {
    const buckets = this.#buckets;
    const mask = buckets.length - 1;
    const cards = this.#cards;
    for (let b = mix(low, high) & mask;; b = (b + 1) & mask) {
      const slot = buckets[b];
      if (slot === EMPTY) return -1;
      if (cards[2 * slot] === low && cards[2 * slot + 1] === high) return slot;
    }
  }

  /** The slot of the card `(low, high)`, given the next free one when it has none. */
  slotOf(low: number, high: number): number {
    const buckets = this.#buckets;
    const mask = buckets.length - 1;
    const cards = this.#cards;
    let b = mix(low, high) & mask;
    for (;; b = (b + 1) & mask) {
      const slot = buckets[b];
      if (slot === EMPTY) break;
      if (cards[2 * slot] === low && cards[2 * slot + 1] === high) return slot;
    }
    const slot = this.#size++;
    if (2 * slot + 2 > cards.length) this.#cards = resized(cards, 2 * cards.length);
    this.#cards[2 * slot] = low;
    this.#cards[2 * slot + 1] = high;
    buckets[b] = slot;
    if (2 * this.#size > buckets.length) this.#rehash(2 * buckets.length);
    return slot;
  }

  /** The low 32 bits of the card of `slot`. */
  low(slot: number): number {
    return this.#cards[2 * slot];
  }

  /** The high 32 bits of the card of `slot`. */
  high(slot: number): number {
    return this.#cards[2 * slot + 1];
  }

  #rehash(length: number): void {
    const buckets = new Int32Array(length).fill(EMPTY);
    const mask = length - 1;
    const cards = this.#cards;
    for (let slot = 0; slot < this.#size; slot++) {
      let b = mix(cards[2 * slot], cards[2 * slot + 1]) & mask;
      while (buckets[b] !== EMPTY) b = (b + 1) & mask;
      buckets[b] = slot;
    }
    this.#buckets = buckets;
  }
}
