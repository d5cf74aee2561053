/**
 * A fixed-memory latency histogram with logarithmic buckets (about 4% relative error), for
 * percentiles in reports and histogram metrics.
 *
 * @module
 */

const BUCKETS_PER_DOUBLING = 16;
const MIN_MS = 0.01;
const DOUBLINGS = 24; // 0.01 ms .. ~168 s

/** Counts of values in logarithmic buckets. */
export class Histogram {
  readonly counts = new Float64Array(BUCKETS_PER_DOUBLING * DOUBLINGS + 1);
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

  /** The value below which a fraction `q` (0..1) of the values fall; 0 when empty. */
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

function bucketOf(value: number): number {
  if (!(value > MIN_MS)) return 0;
  const index = Math.ceil(Math.log2(value / MIN_MS) * BUCKETS_PER_DOUBLING);
  return Math.min(index, BUCKETS_PER_DOUBLING * DOUBLINGS);
}

function upperBound(index: number): number {
  return MIN_MS * 2 ** (index / BUCKETS_PER_DOUBLING);
}
