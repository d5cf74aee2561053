/**
 * A memo of a number computed from a text, looked up by the text's UTF-8 bytes: for values that
 * repeat across rows (a merchant, a job), the text is decoded and the number computed once, and
 * later rows find it without making a string. Lookups compare the bytes exactly (a hash only picks
 * where to look).
 *
 * @module
 */

import { resized } from "./typed_memory.ts";

const EMPTY = -1;
const decoder = new TextDecoder();

/** Numbers of texts, by the texts' bytes. */
export class TextMemo {
  readonly #compute: (text: string) => number;
  readonly #limit: number;
  /** Entry per bucket, `EMPTY` for none; a power of two long, at most half full. */
  #buckets = new Int32Array(1 << 10).fill(EMPTY);
  /** Per entry: its bytes' start and end in `#arena`, its hash, its value. */
  #start = new Int32Array(512);
  #end = new Int32Array(512);
  #hash = new Int32Array(512);
  #value = new Float64Array(512);
  #arena = new Uint8Array(1 << 14);
  #used = 0;
  #size = 0;

  /**
   * A memo of `compute`, holding at most `limit` texts (past that, new texts are computed every
   * time).
   */
  constructor(compute: (text: string) => number, limit = 1_000_000) {
    this.#compute = compute;
    this.#limit = limit;
  }

  /** Number of texts held. */
  get size(): number {
    return this.#size;
  }

  /** `compute` of the text `bytes[start, end)` (decoded as UTF-8, as `TextDecoder` does). */
  valueOf(bytes: Uint8Array, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
    const buckets = this.#buckets;
    const mask = buckets.length - 1;
    const length = end - start;
    let b = (h ^ (h >>> 15)) & mask;
    for (;; b = (b + 1) & mask) {
      const entry = buckets[b];
      if (entry === EMPTY) break;
      if (this.#hash[entry] === h && this.#end[entry] - this.#start[entry] === length) {
        const arena = this.#arena;
        const from = this.#start[entry] - start;
        let i = start;
        while (i < end && arena[from + i] === bytes[i]) i++;
        if (i === end) return this.#value[entry];
      }
    }
    const value = this.#compute(decoder.decode(bytes.subarray(start, end)));
    if (this.#size < this.#limit) this.#add(bytes, start, end, h, b, value);
    return value;
  }

  #add(bytes: Uint8Array, start: number, end: number, h: number, bucket: number, value: number) {
    const entry = this.#size++;
    if (entry === this.#value.length) {
      this.#start = resized(this.#start, 2 * entry);
      this.#end = resized(this.#end, 2 * entry);
      this.#hash = resized(this.#hash, 2 * entry);
      this.#value = resized(this.#value, 2 * entry);
    }
    const length = end - start;
    if (this.#used + length > this.#arena.length) {
      this.#arena = resized(this.#arena, 2 * Math.max(this.#arena.length, this.#used + length));
    }
    this.#arena.set(bytes.subarray(start, end), this.#used);
    this.#start[entry] = this.#used;
    this.#end[entry] = this.#used + length;
    this.#used += length;
    this.#hash[entry] = h;
    this.#value[entry] = value;
    this.#buckets[bucket] = entry;
    if (2 * this.#size > this.#buckets.length) this.#rehash();
  }

  #rehash(): void {
    const buckets = new Int32Array(2 * this.#buckets.length).fill(EMPTY);
    const mask = buckets.length - 1;
    for (let entry = 0; entry < this.#size; entry++) {
      const h = this.#hash[entry];
      let b = (h ^ (h >>> 15)) & mask;
      while (buckets[b] !== EMPTY) b = (b + 1) & mask;
      buckets[b] = entry;
    }
    this.#buckets = buckets;
  }
}
