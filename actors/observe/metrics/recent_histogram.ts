/**
 * Percentiles of the recent past from a cumulative histogram: copies of it taken as time goes by,
 * and the difference between the histogram now and the copy of about one window ago.
 *
 * @module
 */

import { type Histogram, latencyText } from "./histogram.ts";

/** Default length of the recent window, in ms. */
export const RECENT_WINDOW_MS = 10_000;

/** Follows a cumulative histogram and answers what it recorded over the last window. */
export class RecentHistogram {
  readonly #snapshots: { at: number; histogram: Histogram }[] = [];

  /** Keeps enough copies to look `windowMs` back. */
  constructor(readonly windowMs = RECENT_WINDOW_MS) {}

  /** Notes `cumulative` as it is at `now` (ms); call it every second or so. */
  sample(cumulative: Histogram, now: number): void {
    this.#snapshots.push({ at: now, histogram: cumulative.copy() });
    // The oldest copy kept is the newest one at least a window old.
    while (this.#snapshots.length > 1 && this.#snapshots[1].at <= now - this.windowMs) {
      this.#snapshots.shift();
    }
  }

  /**
   * What `cumulative` recorded since the oldest copy kept: about the last window (a little more,
   * up to one sampling interval; less while the role is younger than the window). Everything
   * when nothing was sampled yet.
   */
  recent(cumulative: Histogram): Histogram {
    const base = this.#snapshots[0];
    return base ? cumulative.since(base.histogram) : cumulative.copy();
  }
}

/**
 * What a status line shows beside its rate: the p99 of what `cumulative` recorded since the
 * previous call (since the start at the first call), as text; `-` when it recorded nothing.
 *
 * @example
 * ```ts
 * const p99 = p99SinceLastCall(metrics.latencyMs);
 * say(`scored ${scored} (${rate}/s), p99 ${p99()} ms`);
 * ```
 */
export function p99SinceLastCall(
  cumulative: Histogram,
  now = () => performance.now(),
): () => string {
  const last = new RecentHistogram(0);
  return () => {
    const recent = last.recent(cumulative);
    last.sample(cumulative, now());
    return recent.count === 0 ? "-" : latencyText(recent.quantile(0.99));
  };
}
