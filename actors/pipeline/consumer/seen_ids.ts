/**
 * The transaction ids a partition has scored lately, so that a row whose `trans_num` was seen
 * before in the same partition goes to the dead letters instead of being scored and alerted on
 * again.
 *
 * The window: ids are kept in segments of `SEGMENT_IDS`, the last `WINDOW_SEGMENTS` of them, so a
 * partition remembers at least its last `(WINDOW_SEGMENTS - 1) * SEGMENT_IDS` (130,048) and at most
 * `WINDOW_SEGMENTS * SEGMENT_IDS` (131,072) ids, the oldest forgotten a segment at a time.
 *
 * The window moves with the committed state: every segment a batch changes is written to the
 * card-state topic in the batch's own transaction (one record per ring slot, so compaction keeps
 * the latest of each), and a partition actor restores the window from there, as it restores the
 * card states. Ids of a batch whose transaction was aborted, or never committed before a crash,
 * are therefore not in the restored window: the batch read again is scored once, not refused as
 * a duplicate of itself.
 *
 * @module
 */

/** Ids per segment. */
export const SEGMENT_IDS = 1024;
/** Segments kept. */
export const WINDOW_SEGMENTS = 128;

/** Bytes of a record's header: the segment number (float64). */
const HEADER_BYTES = 8;
/** Bytes of one id: `trans_num` is 32 lowercase hex digits (the row validator checks it). */
const ID_BYTES = 16;
/** Marks a segment key in the card-state topic (card numbers are digits only). */
const KEY_MARK = "#ids/";

/** A segment record's key suffix (after the pipeline's card-state scope) for ring `slot`. */
export function segmentKey(slot: number): string {
  return KEY_MARK + slot;
}

/** The ring slot of a card-state key suffix that names a segment, or -1 for a card. */
export function segmentSlot(keySuffix: string): number {
  if (!keySuffix.startsWith(KEY_MARK)) return -1;
  const slot = Number(keySuffix.slice(KEY_MARK.length));
  return Number.isInteger(slot) && slot >= 0 && slot < WINDOW_SEGMENTS ? slot : -1;
}

/** A segment record that cannot be read. */
export class SeenIdsFormatError extends Error {
  override name = "SeenIdsFormatError";
}

/** The recent transaction ids of one partition. */
export class SeenIds {
  readonly #ids = new Set<string>();
  /** Ids of the kept segments, by ring slot (segment number modulo `WINDOW_SEGMENTS`). */
  readonly #segments: string[][] = Array.from({ length: WINDOW_SEGMENTS }, () => []);
  /** Segment number held by each slot (-1: none). */
  readonly #numbers: number[] = new Array(WINDOW_SEGMENTS).fill(-1);
  /** The segment new ids go to. */
  #open = 0;
  /** Slots changed since the last `takeChanges`. */
  readonly #changed = new Set<number>();
  /** Restored records, the latest per slot, until `finishRestore`. */
  readonly #restored = new Map<number, { segment: number; ids: string[] }>();

  /** Number of ids remembered. */
  get size(): number {
    return this.#ids.size;
  }

  /** Whether `id` was seen within the window. */
  has(id: string): boolean {
    return this.#ids.has(id);
  }

  /** Remembers `id`; the oldest segment is forgotten when a new one starts. */
  add(id: string): void {
    let slot = this.#open % WINDOW_SEGMENTS;
    if (this.#segments[slot].length === SEGMENT_IDS) {
      slot = ++this.#open % WINDOW_SEGMENTS;
      for (const old of this.#segments[slot]) this.#ids.delete(old);
      this.#segments[slot] = [];
    }
    this.#numbers[slot] = this.#open;
    this.#segments[slot].push(id);
    this.#ids.add(id);
    this.#changed.add(slot);
  }

  /** The segments changed since the last call, as records to commit with the batch. */
  takeChanges(): { slot: number; value: Uint8Array }[] {
    const changes = [...this.#changed].map((slot) => ({
      slot,
      value: encodeSegment(this.#numbers[slot], this.#segments[slot]),
    }));
    this.#changed.clear();
    return changes;
  }

  /** Takes in a segment record read back from the card-state topic (in offset order). */
  restore(slot: number, value: Uint8Array): void {
    this.#restored.set(slot, decodeSegment(value));
  }

  /** Builds the window from the restored records (the latest of each slot). */
  finishRestore(): void {
    let newest = -1;
    for (const { segment } of this.#restored.values()) newest = Math.max(newest, segment);
    for (const { segment, ids } of this.#restored.values()) {
      if (segment <= newest - WINDOW_SEGMENTS) continue;
      const slot = segment % WINDOW_SEGMENTS;
      for (const old of this.#segments[slot]) this.#ids.delete(old);
      this.#segments[slot] = ids;
      this.#numbers[slot] = segment;
      for (const id of ids) this.#ids.add(id);
    }
    this.#open = Math.max(newest, 0);
    this.#restored.clear();
  }
}

const HEX = "0123456789abcdef";

function encodeSegment(segment: number, ids: string[]): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + ids.length * ID_BYTES);
  new DataView(bytes.buffer).setFloat64(0, segment);
  let at = HEADER_BYTES;
  for (const id of ids) {
    for (let i = 0; i < 32; i += 2) bytes[at++] = (nibble(id, i) << 4) | nibble(id, i + 1);
  }
  return bytes;
}

function nibble(id: string, at: number): number {
  const c = id.charCodeAt(at);
  return c <= 0x39 ? c - 0x30 : c - 0x57;
}

function decodeSegment(bytes: Uint8Array): { segment: number; ids: string[] } {
  const count = (bytes.byteLength - HEADER_BYTES) / ID_BYTES;
  if (!Number.isInteger(count) || count > SEGMENT_IDS) {
    throw new SeenIdsFormatError("a seen-ids segment record has the wrong length");
  }
  const segment = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(0);
  if (!Number.isInteger(segment) || segment < 0) {
    throw new SeenIdsFormatError("a seen-ids segment record has a bad segment number");
  }
  const ids: string[] = new Array(count);
  let at = HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    let id = "";
    for (let k = 0; k < ID_BYTES; k++) {
      const byte = bytes[at++];
      id += HEX[byte >> 4] + HEX[byte & 15];
    }
    ids[i] = id;
  }
  return { segment, ids };
}
