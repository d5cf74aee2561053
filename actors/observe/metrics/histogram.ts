/**
 * A fixed-memory latency histogram with logarithmic buckets (about 4% relative error), for
 * percentiles in reports and histogram metrics. Values above its range (about 168 s) are counted
 * in one overflow bucket: of them only "more than the top" is known, and the text and report
 * forms below say so (`> 167,772` ms) instead of a figure.
 *
 * @module
 */

const BUCKETS_PER_DOUBLING = 16;
const MIN_MS = 0.01;
const DOUBLINGS = 24; // 0.01 ms .. ~168 s
/** Index of the highest bucket with a finite upper bound; the next one is the overflow. */
const TOP_INDEX = BUCKETS_PER_DOUBLING * DOUBLINGS;

/** The largest latency the histogram measures, in ms (about 168 s): the top of its range. */
export const HISTOGRAM_TOP_MS: number = MIN_MS * 2 ** DOUBLINGS;

/** Counts of values in logarithmic buckets. */
export class Histogram {
  /** Counts per bucket; the last one counts the values above `HISTOGRAM_TOP_MS`. */
  readonly counts = new Float64Array(TOP_INDEX + 2);
  count = 0;
  sum = 0;
  max = 0;

  /** Adds one value (ms). */
  record(value: number): void {
    this.count++;
    this.sum += value;
    if (value > this.max) this.max = value;
    this.counts[bucketOf(value)]++;
  }

  /** Adds every value of another histogram. */
  merge(other: Histogram): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    this.count += other.count;
    this.sum += other.sum;
    this.max = Math.max(this.max, other.max);
  }

  /** An independent copy of the histogram as it is now. */
  copy(): Histogram {
    const copy = new Histogram();
    copy.merge(this);
    return copy;
  }

  /**
   * What was recorded since this histogram was `before` (an earlier `copy()` of it). The maximum
   * is the upper bound of the highest bucket recorded since, capped by the overall maximum.
   */
  since(before: Histogram): Histogram {
    const delta = new Histogram();
    let highest = -1;
    for (let i = 0; i < delta.counts.length; i++) {
      delta.counts[i] = this.counts[i] - before.counts[i];
      if (delta.counts[i] > 0) highest = i;
    }
    delta.count = this.count - before.count;
    delta.sum = this.sum - before.sum;
    delta.max = highest < 0 ? 0 : Math.min(upperBound(highest), this.max);
    return delta;
  }

  /**
   * The value below which a fraction `q` (0..1) of the values fall; 0 when empty. Past the top
   * of the range it is the largest value recorded, which is above `HISTOGRAM_TOP_MS`: only an
   * upper bound (show it with `latencyText` or `latencyValue`).
   */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(upperBound(i), this.max);
    }
    return this.max;
  }

  /** Cumulative counts at the given upper bounds (for Prometheus `le` buckets). */
  cumulative(bounds: number[]): number[] {
    return bounds.map((bound) => {
      let total = 0;
      for (let i = 0; i < this.counts.length && upperBound(i) <= bound; i++) {
        total += this.counts[i];
      }
      return total;
    });
  }
}

/**
 * A latency (ms) from this histogram as text: rounded to `digits` decimals with thousands
 * separators, or `> 167,772` past the top of the range.
 */
export function latencyText(ms: number, digits = 0): string {
  if (ms > HISTOGRAM_TOP_MS) return `> ${Math.floor(HISTOGRAM_TOP_MS).toLocaleString("en-US")}`;
  return ms.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/**
 * A latency (ms) from this histogram for JSON: the number rounded to `digits` decimals, or the
 * text `> 167772` past the top of the range.
 */
export function latencyValue(ms: number, digits = 1): number | string {
  if (ms > HISTOGRAM_TOP_MS) return `> ${Math.floor(HISTOGRAM_TOP_MS)}`;
  const scale = 10 ** digits;
  return Math.round(ms * scale) / scale;
}

function bucketOf(value: number): number {
  if (!(value > MIN_MS)) return 0;
  if (value > HISTOGRAM_TOP_MS) return TOP_INDEX + 1;
  const index = Math.ceil(Math.log2(value / MIN_MS) * BUCKETS_PER_DOUBLING);
  return Math.min(index, TOP_INDEX);
}

function upperBound(index: number): number {
  return index > TOP_INDEX ? Infinity : MIN_MS * 2 ** (index / BUCKETS_PER_DOUBLING);
}
