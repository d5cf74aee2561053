/**
 * The transaction ids a partition has scored lately, so that a row whose `trans_num` was seen
 * before in the same partition goes to the dead letters instead of being scored and alerted on
 * again.
 *
 * The window: ids are kept in segments of `SEGMENT_IDS`, the last `WINDOW_SEGMENTS` of them, so a
 * partition remembers at least its last `(WINDOW_SEGMENTS - 1) * SEGMENT_IDS` (130,048) and at most
 * `WINDOW_SEGMENTS * SEGMENT_IDS` (131,072) ids, the oldest forgotten a segment at a time.
 *
 * The window moves with the committed state: the ids a batch adds are written to the card-state
 * topic in the batch's own transaction, in blocks of `BLOCK_IDS` of a segment (one record per ring
 * slot and block, so compaction keeps the latest of each; a batch writes again only the block it
 * left partly filled), and a partition actor restores the window from there, as it restores the
 * card states. Records of a slot's older segments are told apart by their segment number; records
 * of a whole segment (written by earlier versions, one per slot) are read too. Ids of a batch whose
 * transaction was aborted, or never committed before a crash, are therefore not in the restored
 * window: the batch read again is scored once, not refused as a duplicate of itself.
 *
 * @module
 */

import { lowerHexValue } from "../../../model/value_bytes.ts";

/** Ids per segment. */
export const SEGMENT_IDS = 1024;
/** Segments kept. */
export const WINDOW_SEGMENTS = 128;
/** Ids per record: a segment is written in `SEGMENT_IDS / BLOCK_IDS` blocks. */
export const BLOCK_IDS = 64;

/** Bytes of a record's header: the segment number (float64). */
const HEADER_BYTES = 8;
/** Bytes of one id: `trans_num` is 32 lowercase hex digits (the row validator checks it). */
const ID_BYTES = 16;
/** Marks a segment key in the card-state topic (card numbers are digits only). */
const KEY_MARK = "#ids/";

/**
 * The key suffix (after the pipeline's card-state scope) of block `block` of ring `slot`'s
 * segment; without a block, that of a whole segment (as earlier versions wrote).
 */
export function segmentKey(slot: number, block?: number): string {
  return block === undefined ? KEY_MARK + slot : `${KEY_MARK}${slot}/${block}`;
}

/** The ring slot of a card-state key suffix that names a segment or a block of one, or -1. */
export function segmentSlot(keySuffix: string): number {
  return segmentPlace(keySuffix)?.slot ?? -1;
}

/** The ring slot and block (-1: the whole segment) a key suffix names, if it names one. */
function segmentPlace(keySuffix: string): { slot: number; block: number } | undefined {
  if (!keySuffix.startsWith(KEY_MARK)) return undefined;
  const [slotText, blockText, ...rest] = keySuffix.slice(KEY_MARK.length).split("/");
  const slot = Number(slotText);
  const block = blockText === undefined ? -1 : Number(blockText);
  const valid = rest.length === 0 && slotText !== "" && blockText !== "" &&
    Number.isInteger(slot) && slot >= 0 && slot < WINDOW_SEGMENTS &&
    Number.isInteger(block) && block >= -1 && block < SEGMENT_IDS / BLOCK_IDS;
  return valid ? { slot, block } : undefined;
}

/** A segment record that cannot be read. */
export class SeenIdsFormatError extends Error {
  override name = "SeenIdsFormatError";
}

/** Slots of the id table: a power of two, at least twice the most ids kept. */
const TABLE_SLOTS = 1 << 18;
/** Ids whose table slots `addNewEach` reads before looking them up. */
const WARM_IDS = 256;
/** An empty slot of the id table. */
const EMPTY = -1;
/** The place, after the ring's, of the id being looked up. */
const PROBE = WINDOW_SEGMENTS * SEGMENT_IDS;

/**
 * The recent transaction ids of one partition, as 16-byte binary ids: the kept segments' ids side
 * by side in one buffer (the layout of their records), and an open-addressing table (linear
 * probing) of positions in it, so a batch's ids are checked and added from the bytes of its
 * `trans_num` column without a string per row.
 */
export class SeenIds {
  /**
   * The ids of every ring slot's segment, `SEGMENT_IDS` places a slot, 16 bytes each, and at
   * place `PROBE` the id being looked up.
   */
  readonly #ids = new Uint8Array((PROBE + 1) * ID_BYTES);
  /** The same bytes as 32-bit words (4 an id), for hashing and comparing. */
  readonly #words = new Uint32Array(this.#ids.buffer);
  /** Ids in each ring slot's segment. */
  readonly #counts = new Int32Array(WINDOW_SEGMENTS);
  /** Segment number held by each slot (-1: none). */
  readonly #numbers: number[] = new Array(WINDOW_SEGMENTS).fill(-1);
  /**
   * The id table, two numbers a slot: the place of an id in `#ids` (or `EMPTY`), and the id's
   * hash, so that probing past other ids and moving entries back on delete read no id bytes.
   */
  readonly #table = new Int32Array(TABLE_SLOTS * 2).fill(EMPTY);
  /** A random seed for the hash, so ids made to collide here cannot be made in advance. */
  readonly #seed = crypto.getRandomValues(new Uint32Array(1))[0];
  /** Ids remembered. */
  #size = 0;
  /** The segment new ids go to. */
  #open = 0;
  /** The slot where the last `#find` stopped (the empty slot a new id goes to). */
  #probeEnd = 0;
  /** The hash of the id the last `#find` looked up. */
  #probeHash = 0;
  /** Slots changed since the last `takeChanges`. */
  readonly #changed = new Set<number>();
  /** Ids of each ring slot's segment already written by `takeChanges` (or restored). */
  readonly #taken = new Int32Array(WINDOW_SEGMENTS);
  /** Restored records, the latest per key (a ring slot and block), until `finishRestore`. */
  readonly #restored = new Map<string, { block: number; segment: number; ids: Uint8Array }>();
  /** An id written from its text, for `has` and `add`. */
  readonly #scratch = new Uint8Array(32);
  /** Whether each id `addNewEach` added was new. */
  #batchNew = new Uint8Array(0);
  /** The hashes of the ids `addNewEach` is at, and the ids as `PROBE` holds one. */
  readonly #hashes = new Int32Array(WARM_IDS);
  readonly #packed = new Uint32Array(4 * WARM_IDS);
  /** The hashes of the ids of a segment being forgotten. */
  readonly #forgotten = new Int32Array(SEGMENT_IDS);
  /** What `#warm` read, kept so that the reads are not left out. */
  #warmed = 0;

  /** Number of ids remembered. */
  get size(): number {
    return this.#size;
  }

  /** Whether `id` (32 lowercase hex digits) was seen within the window. */
  has(id: string): boolean {
    this.#pack(this.#text(id), 0, PROBE);
    return this.#find(PROBE, this.#hash(PROBE)) !== EMPTY;
  }

  /** Remembers `id` (32 lowercase hex digits); the oldest segment is forgotten when one starts. */
  add(id: string): void {
    this.addNew(this.#text(id), 0);
  }

  /**
   * Remembers the id whose 32 lowercase hex digits are at `start` in `text`, unless it was seen
   * within the window; whether it was new. The oldest segment is forgotten when a new one starts.
   */
  addNew(text: Uint8Array, start: number): boolean {
    this.#pack(text, start, PROBE);
    return this.#addProbe(this.#hash(PROBE));
  }

  /**
   * `addNew` for each of `count` ids, row `i`'s at `starts[i]` in `text`, in order: whether each
   * was new, as 1 or 0 (an array of the window's own, valid until its next call). A partition's
   * table is megabytes read at random, so a lookup is a cache miss: here the first table slots of
   * a few hundred ids are read before any of them is looked up, and their misses overlap instead
   * of coming one after another.
   */
  addNewEach(text: Uint8Array, starts: Int32Array, count: number): Uint8Array {
    if (this.#batchNew.length < count) {
      this.#batchNew = new Uint8Array(Math.max(count, 2 * this.#batchNew.length));
    }
    const hashes = this.#hashes;
    const packed = this.#packed;
    const w = this.#words;
    const probe = PROBE * 4;
    const fresh = this.#batchNew;
    // A few hundred at a time, so that the slots read are still in the cache when looked at.
    for (let from = 0; from < count; from += WARM_IDS) {
      const to = Math.min(count, from + WARM_IDS);
      for (let i = from; i < to; i++) {
        this.#pack(text, starts[i], PROBE);
        const k = i - from;
        hashes[k] = this.#hash(PROBE);
        packed[4 * k] = w[probe];
        packed[4 * k + 1] = w[probe + 1];
        packed[4 * k + 2] = w[probe + 2];
        packed[4 * k + 3] = w[probe + 3];
      }
      this.#warm(hashes, to - from);
      for (let i = from; i < to; i++) {
        const k = i - from;
        w[probe] = packed[4 * k];
        w[probe + 1] = packed[4 * k + 1];
        w[probe + 2] = packed[4 * k + 2];
        w[probe + 3] = packed[4 * k + 3];
        fresh[i] = this.#addProbe(hashes[k]) ? 1 : 0;
      }
    }
    return fresh.subarray(0, count);
  }

  /** Adds the id at `PROBE`, whose hash is `hash`, unless it is in the window; whether it was new. */
  #addProbe(hash: number): boolean {
    if (this.#find(PROBE, hash) !== EMPTY) return false;
    let slot = this.#open % WINDOW_SEGMENTS;
    if (this.#counts[slot] === SEGMENT_IDS) {
      slot = ++this.#open % WINDOW_SEGMENTS;
      this.#forget(slot);
      this.#find(PROBE, hash); // the table changed: where the id goes now
    }
    this.#numbers[slot] = this.#open;
    this.#insert(slot);
    this.#changed.add(slot);
    return true;
  }

  /** Reads the first table slot of each of `count` hashes, so that they are in the cache. */
  #warm(hashes: Int32Array, count: number): void {
    const table = this.#table;
    let any = 0;
    for (let i = 0; i < count; i++) any |= table[2 * (hashes[i] & (TABLE_SLOTS - 1))];
    this.#warmed = any;
  }

  /**
   * The ids added since the last call, as records to commit with the batch: per changed segment,
   * the blocks they went to (each whole), keyed by `segmentKey(slot, block)`.
   */
  takeChanges(): { key: string; value: Uint8Array }[] {
    const changes: { key: string; value: Uint8Array }[] = [];
    for (const slot of this.#changed) {
      const count = this.#counts[slot];
      const ids = this.#segmentIds(slot);
      for (
        let block = Math.floor(this.#taken[slot] / BLOCK_IDS);
        block * BLOCK_IDS < count;
        block++
      ) {
        const from = block * BLOCK_IDS * ID_BYTES;
        changes.push({
          key: segmentKey(slot, block),
          value: encodeSegment(
            this.#numbers[slot],
            ids.subarray(from, from + BLOCK_IDS * ID_BYTES),
          ),
        });
      }
      this.#taken[slot] = count;
    }
    this.#changed.clear();
    return changes;
  }

  /**
   * Takes in a seen-ids record read back from the card-state topic (in offset order), by the key
   * suffix it was written under; false (and nothing taken) for a key that names no segment.
   *
   * @throws {SeenIdsFormatError} a record that cannot be read.
   */
  restore(keySuffix: string, value: Uint8Array): boolean {
    const place = segmentPlace(keySuffix);
    if (!place) return false;
    const record = decodeSegment(value);
    if (place.block >= 0 && record.ids.byteLength > BLOCK_IDS * ID_BYTES) {
      throw new SeenIdsFormatError("a seen-ids block record holds more than a block");
    }
    this.#restored.set(keySuffix, { block: place.block, ...record });
    return true;
  }

  /**
   * Builds the window from the restored records: per segment number, its whole record (of an
   * earlier version) and then its blocks in order; segments older than the window are dropped.
   *
   * @throws {SeenIdsFormatError} a segment whose blocks leave a gap.
   */
  finishRestore(): void {
    let newest = -1;
    for (const { segment } of this.#restored.values()) newest = Math.max(newest, segment);
    /** The kept segments' records, whole ones first, then blocks in order. */
    const records = [...this.#restored.values()]
      .filter(({ segment }) => segment > newest - WINDOW_SEGMENTS)
      .sort((a, b) => a.segment - b.segment || a.block - b.block);
    for (const { segment, block, ids } of records) {
      const slot = segment % WINDOW_SEGMENTS;
      if (this.#numbers[slot] !== segment) {
        this.#forget(slot);
        this.#numbers[slot] = segment;
      }
      const start = Math.max(0, block) * BLOCK_IDS;
      if (start > this.#counts[slot]) {
        throw new SeenIdsFormatError(
          `seen-ids segment ${segment} has no ids from ${this.#counts[slot]} to ${start}`,
        );
      }
      // A block the whole record already holds in part: the ids past it.
      for (let at = (this.#counts[slot] - start) * ID_BYTES; at < ids.byteLength; at += ID_BYTES) {
        this.#ids.set(ids.subarray(at, at + ID_BYTES), PROBE * ID_BYTES);
        // A record that repeats an id (written by no fraudstream) keeps it once.
        if (this.#find(PROBE, this.#hash(PROBE)) === EMPTY) this.#insert(slot);
      }
    }
    this.#taken.set(this.#counts);
    this.#open = Math.max(newest, 0);
    this.#restored.clear();
  }

  /**
   * Adds the id at `PROBE` to ring `slot`'s segment and to the table, at the empty slot where the
   * last `#find` of it stopped.
   */
  #insert(slot: number): void {
    const place = slot * SEGMENT_IDS + this.#counts[slot];
    this.#ids.copyWithin(place * ID_BYTES, PROBE * ID_BYTES, (PROBE + 1) * ID_BYTES);
    this.#table[2 * this.#probeEnd] = place;
    this.#table[2 * this.#probeEnd + 1] = this.#probeHash;
    this.#counts[slot]++;
    this.#size++;
  }

  /** Forgets the ids of ring `slot`. */
  #forget(slot: number): void {
    const first = slot * SEGMENT_IDS;
    const count = this.#counts[slot];
    const hashes = this.#forgotten;
    for (let i = 0; i < count; i++) hashes[i] = this.#hash(first + i);
    this.#warm(hashes, count);
    for (let i = 0; i < count; i++) this.#remove(first + i, hashes[i]);
    this.#size -= this.#counts[slot];
    this.#counts[slot] = 0;
    this.#taken[slot] = 0;
    this.#numbers[slot] = -1;
  }

  /** Writes the hex digits at `start` in `text` as the 16 bytes of id place `place`. */
  #pack(text: Uint8Array, start: number, place: number): void {
    const ids = this.#ids;
    let at = place * ID_BYTES;
    for (let i = start; i < start + 32; i += 2) {
      ids[at++] = (lowerHexValue(text[i]) << 4) | lowerHexValue(text[i + 1]);
    }
  }

  /** The hash of the id at `place`; its low bits are the table slot to start probing at. */
  #hash(place: number): number {
    const w = this.#words;
    const at = place * 4;
    // Each word multiplied in, then murmur3's finalizer, so every bit of the id moves the slot.
    let h = this.#seed;
    h = Math.imul(h ^ w[at], 0x9e3779b1);
    h = Math.imul(h ^ w[at + 1], 0x85ebca6b);
    h = Math.imul(h ^ w[at + 2], 0xc2b2ae35);
    h = Math.imul(h ^ w[at + 3], 0x27d4eb2f);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  /**
   * The place of an id in the table equal to the id at `place` (not itself in the table), whose
   * hash is `hash`, or `EMPTY`; `#probeEnd` is then the empty slot where it would go.
   */
  #find(place: number, hash: number): number {
    const table = this.#table;
    const w = this.#words;
    const a = place * 4;
    let slot = hash & (TABLE_SLOTS - 1);
    for (;;) {
      const other = table[2 * slot];
      if (other === EMPTY) {
        this.#probeEnd = slot;
        this.#probeHash = hash;
        return EMPTY;
      }
      const b = other * 4;
      if (
        table[2 * slot + 1] === hash && w[a] === w[b] && w[a + 1] === w[b + 1] &&
        w[a + 2] === w[b + 2] && w[a + 3] === w[b + 3]
      ) {
        return other;
      }
      slot = (slot + 1) & (TABLE_SLOTS - 1);
    }
  }

  /**
   * Takes id place `place`, whose id's hash is `hash`, out of the table, moving back the entries
   * probed past it.
   */
  #remove(place: number, hash: number): void {
    const table = this.#table;
    const mask = TABLE_SLOTS - 1;
    let slot = hash & mask;
    while (table[2 * slot] !== place) {
      if (table[2 * slot] === EMPTY) return;
      slot = (slot + 1) & mask;
    }
    // Backward-shift deletion: an entry after the hole moves into it unless its home lies
    // (cyclically) after the hole and at or before the entry.
    let hole = slot;
    for (let next = (hole + 1) & mask; table[2 * next] !== EMPTY; next = (next + 1) & mask) {
      const home = table[2 * next + 1] & mask;
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (stays) continue;
      table[2 * hole] = table[2 * next];
      table[2 * hole + 1] = table[2 * next + 1];
      hole = next;
    }
    table[2 * hole] = EMPTY;
  }

  /** The ids of ring `slot` as their record bytes. */
  #segmentIds(slot: number): Uint8Array {
    const first = slot * SEGMENT_IDS * ID_BYTES;
    return this.#ids.subarray(first, first + this.#counts[slot] * ID_BYTES);
  }

  /** `id` as the bytes of its text. */
  #text(id: string): Uint8Array {
    for (let i = 0; i < 32; i++) this.#scratch[i] = id.charCodeAt(i);
    return this.#scratch;
  }
}

function encodeSegment(segment: number, ids: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + ids.byteLength);
  new DataView(bytes.buffer).setFloat64(0, segment);
  bytes.set(ids, HEADER_BYTES);
  return bytes;
}

function decodeSegment(bytes: Uint8Array): { segment: number; ids: Uint8Array } {
  const count = (bytes.byteLength - HEADER_BYTES) / ID_BYTES;
  if (!Number.isInteger(count) || count > SEGMENT_IDS) {
    throw new SeenIdsFormatError("a seen-ids segment record has the wrong length");
  }
  const segment = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(0);
  if (!Number.isInteger(segment) || segment < 0) {
    throw new SeenIdsFormatError("a seen-ids segment record has a bad segment number");
  }
  return { segment, ids: bytes.subarray(HEADER_BYTES) };
}
