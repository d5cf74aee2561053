/**
 * Accounts for transaction ids: which were produced, which were scored (and how often), which went
 * to the dead letters. Exact up to a number of ids; past that it keeps counts and an
 * order-independent checksum of the ids on each side, which still proves "nothing lost, nothing
 * doubled" when both sides match, in constant memory.
 *
 * @module
 */

/** The reconciliation of produced against scored and dead-lettered ids. */
export interface Reconciliation {
  produced: number;
  scored: number;
  deadLetters: number;
  /** Produced ids never scored nor dead-lettered (a lower bound when not `exact`). */
  lost: number;
  /** Extra scorings of ids scored more than once (a lower bound when not `exact`). */
  duplicates: number;
  /** Scored ids that were never produced. */
  unknown: number;
  /** True while every id is tracked individually; otherwise counts and checksums. */
  exact: boolean;
  /** In checksum mode: whether the scored and dead-lettered ids are exactly the produced ones. */
  checksumsMatch: boolean;
}

/** Two independent 32-bit hashes of an id (FNV-1a and a murmur-style variant). */
function hashPair(id: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b = Math.imul(b ^ (b >>> 16), 0xc2b2ae35);
  return [a >>> 0, (b ^ (b >>> 16)) >>> 0];
}

/** An order-independent summary of a multiset of ids. */
class Checksum {
  count = 0;
  sumA = 0;
  sumB = 0;
  xorA = 0;
  xorB = 0;
  add(id: string): void {
    const [a, b] = hashPair(id);
    this.count++;
    this.sumA = (this.sumA + a) >>> 0;
    this.sumB = (this.sumB + b) >>> 0;
    this.xorA = (this.xorA ^ a) >>> 0;
    this.xorB = (this.xorB ^ b) >>> 0;
  }
  equals(other: Checksum): boolean {
    return this.count === other.count && this.sumA === other.sumA && this.sumB === other.sumB &&
      this.xorA === other.xorA && this.xorB === other.xorB;
  }
}

/** Tracks ids on the producing and the consuming side. */
export class IdLedger {
  readonly #limit: number;
  #produced: Set<string> | undefined = new Set();
  #scored: Map<string, number> | undefined = new Map();
  #dead: Set<string> | undefined = new Set();
  #counts = { produced: 0, scored: 0, dead: 0 };
  readonly #producedSum = new Checksum();
  readonly #consumedSum = new Checksum();

  /** Tracks up to `exactLimit` ids individually (default 1 million, about 200 MB). */
  constructor(exactLimit = 1_000_000) {
    this.#limit = exactLimit;
  }

  /** An id was produced (acknowledged by the log). */
  produced(id: string): void {
    this.#counts.produced++;
    this.#producedSum.add(id);
    this.#produced?.add(id);
    this.#checkLimit();
  }

  /** An id was scored and committed. */
  scored(id: string): void {
    this.#counts.scored++;
    this.#consumedSum.add(id);
    if (this.#scored) this.#scored.set(id, (this.#scored.get(id) ?? 0) + 1);
    this.#checkLimit();
  }

  /** An id went to the dead letters. */
  deadLettered(id: string): void {
    this.#counts.dead++;
    this.#consumedSum.add(id);
    this.#dead?.add(id);
  }

  /** Ids produced, scored and dead-lettered so far, in constant time. */
  counts(): { produced: number; scored: number; deadLetters: number } {
    const { produced, scored, dead } = this.#counts;
    return { produced, scored, deadLetters: dead };
  }

  /** Compares both sides. */
  reconcile(): Reconciliation {
    const { produced, scored, dead } = this.#counts;
    const checksumsMatch = this.#producedSum.equals(this.#consumedSum);
    if (this.#produced && this.#scored && this.#dead) {
      let lost = 0;
      for (const id of this.#produced) {
        if (!this.#scored.has(id) && !this.#dead.has(id)) lost++;
      }
      let duplicates = 0;
      let unknown = 0;
      for (const [id, times] of this.#scored) {
        duplicates += times - 1;
        if (!this.#produced.has(id)) unknown++;
      }
      return {
        produced,
        scored,
        deadLetters: dead,
        lost,
        duplicates,
        unknown,
        exact: true,
        checksumsMatch,
      };
    }
    // Without the ids, a mismatch gives lower bounds: equal counts hide a loss and a duplicate.
    const consumed = scored + dead;
    const hidden = !checksumsMatch && consumed === produced ? 1 : 0;
    return {
      produced,
      scored,
      deadLetters: dead,
      lost: checksumsMatch ? 0 : Math.max(hidden, produced - consumed),
      duplicates: checksumsMatch ? 0 : Math.max(hidden, consumed - produced),
      unknown: 0,
      exact: false,
      checksumsMatch,
    };
  }

  #checkLimit(): void {
    if (this.#produced && this.#produced.size + (this.#scored?.size ?? 0) > this.#limit) {
      this.#produced = undefined;
      this.#scored = undefined;
      this.#dead = undefined;
    }
  }
}
