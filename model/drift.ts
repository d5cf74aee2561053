/**
 * The population stability index (PSI) of a binned distribution against a reference one, and the
 * bin search both sides use.
 *
 * PSI = Σ_b (a_b − e_b) · ln(a_b / e_b), over the bins b, where e_b is the reference (expected)
 * share of bin b and a_b the live (actual) share; a share of 0 counts as `PSI_EPSILON` on either
 * side, so an empty bin adds a large but finite term. PSI is 0 for identical distributions and
 * grows with the difference; the usual reading: under 0.1 stable, 0.1 to 0.25 a moderate shift,
 * over 0.25 a significant one.
 *
 * @module
 */

import { paddedEdges, searchBin } from "./forest/binning.ts";

/** The share an empty bin counts as in `psi` (0.01 %). */
export const PSI_EPSILON = 1e-4;

/**
 * PSI of the `actual` counts (or shares) against the `expected` shares, bin by bin (the same
 * length); `actual` is normalised by its own sum. NaN when `actual` holds nothing.
 *
 * @example
 * ```ts
 * import { psi } from "./drift.ts";
 * psi([0.5, 0.5], [60, 40]); // (0.6 - 0.5) ln(0.6/0.5) + (0.4 - 0.5) ln(0.4/0.5) ≈ 0.0405
 * ```
 */
export function psi(
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
  epsilon = PSI_EPSILON,
): number {
  if (expected.length !== actual.length) {
    throw new RangeError(`${actual.length} live bins against ${expected.length} reference bins`);
  }
  let total = 0;
  for (let b = 0; b < actual.length; b++) total += actual[b];
  if (!(total > 0)) return Number.NaN;
  let sum = 0;
  for (let b = 0; b < actual.length; b++) {
    const e = Math.max(expected[b], epsilon);
    const a = Math.max(actual[b] / total, epsilon);
    sum += (a - e) * Math.log(a / e);
  }
  return sum;
}

/** Shares of each bin (all 0 when the counts sum to 0). */
export function shares(counts: ArrayLike<number>): number[] {
  let total = 0;
  for (let b = 0; b < counts.length; b++) total += counts[b];
  return Array.from({ length: counts.length }, (_, b) => total > 0 ? counts[b] / total : 0);
}

/** Most edges a `BinSearch` takes (32 bins), as the forest's binning. */
export const MAX_SEARCH_EDGES = 31;

/**
 * The bin of a value among ascending edges (bin b holds values <= edges[b], the last bin the
 * rest; NaN: bin 0), searched without branches over the edges padded to 32 with +Infinity: the
 * same bins as the forest's training (`forest/binning.ts`).
 */
export class BinSearch {
  readonly #edges: Float32Array;
  /** Number of bins. */
  readonly count: number;

  /** A search over `edges` (at most `MAX_SEARCH_EDGES`). */
  constructor(edges: ArrayLike<number>) {
    if (edges.length > MAX_SEARCH_EDGES) {
      throw new RangeError(`at most ${MAX_SEARCH_EDGES} edges, not ${edges.length}`);
    }
    this.#edges = paddedEdges(edges);
    this.count = edges.length + 1;
  }

  /** The bin of `v`. */
  bin(v: number): number {
    return searchBin(this.#edges, v);
  }
}
