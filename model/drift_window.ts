/**
 * The live side of drift: a sliding window of event time over the scored transactions, binned
 * like the model's reference (`reference.ts`), from which the PSI of every feature and of the
 * score is computed (`drift.ts`).
 *
 * The window is a ring of segments of event time, each holding bin counts (not rows): its memory
 * is fixed whatever the traffic (segments x bins x 4 bytes, about 80 KB for 24 segments), and a
 * segment that leaves the window is taken off the totals at once. Only a sample of the rows is
 * binned (every k-th row, k = 1 / sample), which bounds the cost per transaction.
 *
 * Nothing is judged until the window is covered: the first `warmupSeconds` of event time are not
 * binned (the per-card features need the cards' histories, which a consumer starting afresh
 * builds over the longest card window), then a whole window must pass.
 *
 * @module
 */

import { BinSearch, psi } from "./drift.ts";
import type { ReferenceDistribution } from "./reference.ts";

/** Segments of a window. */
export const DRIFT_SEGMENTS = 24;

/** Fewest binned rows in the window before it is judged. */
export const MIN_JUDGED_ROWS = 500;

/** Binned rows between two judgements when no segment closes. */
const JUDGE_EVERY_ROWS = 1000;

/** The ring slot of a segment (segments before the epoch included). */
function slotOf(segment: number): number {
  return ((segment % DRIFT_SEGMENTS) + DRIFT_SEGMENTS) % DRIFT_SEGMENTS;
}

/** Options of a `DriftWindow`. */
export interface DriftWindowOptions {
  reference: ReferenceDistribution;
  /** Length of the window, in seconds of event time. */
  windowSeconds: number;
  /** Event time not binned at first, in seconds (card histories building up). */
  warmupSeconds: number;
  /** Share of the rows binned, over 0 and at most 1. */
  sample: number;
}

/** One batch's rows as the window reads them. */
export interface DriftRows {
  rows: number;
  /** Encoded features, row-major, one value per reference feature. */
  features: Float32Array | Float64Array;
  scores: Float32Array;
  /** Event time of row `i`, in seconds. */
  time(i: number): number;
}

/** Where the window stands. */
export type DriftWindowState =
  | { judging: true }
  | { judging: false; note: string };

/** A sliding window of event time, binned like a reference. */
export class DriftWindow {
  /** Feature names, then `score` when the reference has the score's distribution. */
  readonly subjects: string[];
  readonly #expected: number[][];
  readonly #searches: (BinSearch | number)[];
  readonly #offsets: number[];
  readonly #width: number;
  readonly #features: number;
  readonly #segmentSeconds: number;
  readonly #warmupSeconds: number;
  readonly #stride: number;
  readonly #counts: Uint32Array;
  readonly #totals: Uint32Array;
  readonly #segmentRows = new Uint32Array(DRIFT_SEGMENTS);
  #rows = 0;
  #countdown = 0;
  #first = Number.NaN;
  #newest = Number.NEGATIVE_INFINITY;
  /** The latest event time seen, binned or in the warm-up. */
  #latest = Number.NEGATIVE_INFINITY;
  #sinceJudged = 0;
  #closed = false;

  /** An empty window. */
  constructor(options: DriftWindowOptions) {
    const { reference } = options;
    if (!(options.sample > 0 && options.sample <= 1)) {
      throw new RangeError(`the sample is a share over 0 and at most 1, not ${options.sample}`);
    }
    if (!(options.windowSeconds > 0)) throw new RangeError("the window must last some time");
    const parts = reference.features.map((f) => ({
      name: f.name,
      shares: f.shares,
      search: f.kind === "categorical" ? f.shares.length : new BinSearch(f.edges),
    }));
    if (reference.score) {
      const { edges, shares } = reference.score;
      parts.push({ name: "score", shares, search: new BinSearch(edges) });
    }
    this.subjects = parts.map((p) => p.name);
    this.#expected = parts.map((p) => p.shares);
    this.#searches = parts.map((p) => p.search);
    this.#features = reference.features.length;
    let width = 0;
    this.#offsets = parts.map((p) => (width += p.shares.length) - p.shares.length);
    this.#width = width;
    this.#counts = new Uint32Array(DRIFT_SEGMENTS * width);
    this.#totals = new Uint32Array(width);
    this.#segmentSeconds = options.windowSeconds / DRIFT_SEGMENTS;
    this.#warmupSeconds = options.warmupSeconds;
    this.#stride = Math.max(1, Math.round(1 / options.sample));
  }

  /** Rows binned in the window now. */
  get rows(): number {
    return this.#rows;
  }

  /**
   * Bins the sampled rows of a batch; true when the PSI are due again (a segment closed, or
   * enough rows came since the last time).
   */
  add(batch: DriftRows): boolean {
    const width = this.#features;
    if (batch.features.length !== batch.rows * width) return false;
    const searches = this.#searches;
    const offsets = this.#offsets;
    const withScore = searches.length > width;
    for (let i = this.#countdown; i < batch.rows; i += this.#stride) {
      const time = batch.time(i);
      if (Number.isNaN(this.#first)) this.#first = time;
      if (time > this.#latest) this.#latest = time;
      if (time < this.#first + this.#warmupSeconds) continue;
      const base = this.#segmentBase(time);
      if (base < 0) continue;
      const counts = this.#counts;
      const totals = this.#totals;
      const row = i * width;
      for (let f = 0; f < width; f++) {
        const search = searches[f];
        const v = batch.features[row + f];
        const bin = typeof search === "number"
          ? (v >= 0 && v < search ? v | 0 : search - 1)
          : search.bin(v);
        counts[base + offsets[f] + bin]++;
        totals[offsets[f] + bin]++;
      }
      if (withScore) {
        const bin = (searches[width] as BinSearch).bin(batch.scores[i]);
        counts[base + offsets[width] + bin]++;
        totals[offsets[width] + bin]++;
      }
      this.#segmentRows[base / this.#width]++;
      this.#rows++;
      this.#sinceJudged++;
    }
    // The next batch goes on with the stride where this one stopped.
    this.#countdown = (this.#countdown - batch.rows % this.#stride + this.#stride) % this.#stride;
    const due = this.#closed || this.#sinceJudged >= JUDGE_EVERY_ROWS;
    if (due) {
      this.#closed = false;
      this.#sinceJudged = 0;
    }
    return due;
  }

  /**
   * Start of the counts of the segment of `time` (the window moving on when it is newer than the
   * newest), or -1 when it is older than the window.
   */
  #segmentBase(time: number): number {
    const segment = Math.floor(time / this.#segmentSeconds);
    if (segment > this.#newest) {
      const from = Math.max(this.#newest + 1, segment - DRIFT_SEGMENTS + 1);
      for (let s = from; s <= segment; s++) this.#clear(s);
      if (Number.isFinite(this.#newest)) this.#closed = true;
      this.#newest = segment;
    } else if (segment <= this.#newest - DRIFT_SEGMENTS) {
      return -1;
    }
    return slotOf(segment) * this.#width;
  }

  /** Empties the slot `segment` takes (the segment a window earlier), off the totals. */
  #clear(segment: number): void {
    const slot = slotOf(segment);
    const base = slot * this.#width;
    for (let b = 0; b < this.#width; b++) this.#totals[b] -= this.#counts[base + b];
    this.#counts.fill(0, base, base + this.#width);
    this.#rows -= this.#segmentRows[slot];
    this.#segmentRows[slot] = 0;
  }

  /** Whether the window is judged now, or why not. */
  state(): DriftWindowState {
    if (Number.isNaN(this.#first)) return { judging: false, note: "no transaction yet" };
    // To the end of the newest segment binned; in the warm-up, to the latest row seen.
    const covered = Math.max((this.#newest + 1) * this.#segmentSeconds, this.#latest);
    const needed = this.#first + this.#warmupSeconds + DRIFT_SEGMENTS * this.#segmentSeconds;
    if (covered < needed) {
      const hours = Math.max(0, (needed - covered) / 3600);
      return {
        judging: false,
        note: `${hours.toFixed(1)} h of event time to go before the window is covered`,
      };
    }
    if (this.#rows < MIN_JUDGED_ROWS) {
      return {
        judging: false,
        note: `${this.#rows} of the ${MIN_JUDGED_ROWS} transactions needed in the window`,
      };
    }
    return { judging: true };
  }

  /** PSI of every subject over the window now (NaN where the window is empty). */
  psi(): number[] {
    return this.subjects.map((_, s) => {
      const offset = this.#offsets[s];
      const expected = this.#expected[s];
      return psi(expected, this.#totals.subarray(offset, offset + expected.length));
    });
  }
}
