/**
 * Percentiles of the recent past from a cumulative histogram: copies of it taken as time goes by,
 * and the difference between the histogram now and the copy of about one window ago.
 *
 * @module
 */

import type { Histogram } from "./histogram.ts";

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
