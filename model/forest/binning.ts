/**
 * Quantile binning: each numeric feature becomes at most `maxBins` bins whose edges are quantiles
 * of a sample; categorical features keep their values as bins. Training then works on one byte
 * per value.
 *
 * @module
 */

import type { FeatureKind } from "../features.ts";

/** How one feature is binned. */
export interface FeatureBins {
  kind: FeatureKind;
  /** Numeric: ascending split values; bin b holds values <= edges[b] (last bin: the rest). */
  edges: Float32Array;
  /** Number of bins (numeric: edges + 1; categorical: the cardinality). */
  count: number;
}

/** Largest sample used to find quantiles. */
const SAMPLE_SIZE = 200_000;

/**
 * Bin edges of a numeric feature: up to `maxBins - 1` distinct quantiles of (a sample of) the
 * values, placed midway between neighbouring distinct values as Spark does. With `rows`, only
 * those rows of `values` count (the same edges as for a copy of them).
 */
export function numericBins(
  values: Float32Array,
  maxBins: number,
  random: () => number,
  rows?: Uint32Array,
): FeatureBins {
  const n = rows ? rows.length : values.length;
  const sampleSize = Math.min(n, SAMPLE_SIZE);
  const sample = new Float32Array(sampleSize);
  if (sampleSize === n) {
    if (rows) { for (let i = 0; i < n; i++) sample[i] = values[rows[i]]; }
    else sample.set(values);
  } else {
    for (let i = 0; i < sampleSize; i++) {
      const k = Math.floor(random() * n);
      sample[i] = values[rows ? rows[k] : k];
    }
  }
  sample.sort();
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < sample.length; i++) {
    if (distinct.length > 0 && distinct[distinct.length - 1] === sample[i]) {
      counts[counts.length - 1]++;
    } else {
      distinct.push(sample[i]);
      counts.push(1);
    }
  }
  const edges: number[] = [];
  if (distinct.length <= maxBins) {
    for (let i = 0; i + 1 < distinct.length; i++) edges.push((distinct[i] + distinct[i + 1]) / 2);
  } else {
    // Walk the sorted distinct values, closing a bin each time its share of the sample is reached.
    const stride = sample.length / maxBins;
    let seen = 0;
    let target = stride;
    for (let i = 0; i + 1 < distinct.length && edges.length < maxBins - 1; i++) {
      seen += counts[i];
      if (seen >= target) {
        edges.push((distinct[i] + distinct[i + 1]) / 2);
        while (target <= seen) target += stride;
      }
    }
  }
  const unique = Float32Array.from(new Set(edges.map((e) => Math.fround(e)))).sort();
  return { kind: "numeric", edges: unique, count: unique.length + 1 };
}

/** Bins of a categorical feature with `cardinality` values. */
export function categoricalBins(cardinality: number): FeatureBins {
  return { kind: "categorical", edges: new Float32Array(0), count: cardinality };
}

/**
 * The bin of every value (one byte each); with `rows`, of those rows only, in their order, so the
 * training rows are binned straight from the full columns without a copy of them.
 */
export function binValues(
  values: Float32Array,
  bins: FeatureBins,
  out?: Uint8Array<ArrayBufferLike>,
  rows?: Uint32Array,
): Uint8Array<ArrayBufferLike> {
  const n = rows ? rows.length : values.length;
  out ??= new Uint8Array(n);
  if (bins.kind === "categorical") {
    if (rows) { for (let i = 0; i < n; i++) out[i] = values[rows[i]]; }
    else for (let i = 0; i < n; i++) out[i] = values[i];
    return out;
  }
  // The same search the scorer uses, so training and scoring agree on every value.
  const edges = paddedEdges(bins.edges);
  const binOf = (v: number) => searchBin(edges, v);
  if (rows) { for (let i = 0; i < n; i++) out[i] = binOf(values[rows[i]]); }
  else for (let i = 0; i < n; i++) out[i] = binOf(values[i]);
  return out;
}

/** Edges (at most 31) padded to 32 with +Infinity, as `searchBin` takes them. */
export function paddedEdges(edges: ArrayLike<number>): Float32Array {
  if (edges.length > 31) throw new RangeError("at most 32 bins per feature");
  const padded = new Float32Array(32).fill(Number.POSITIVE_INFINITY);
  padded.set(edges);
  return padded;
}

/**
 * The bin of `v` among ascending edges padded to 32 (`paddedEdges`): the number of edges below it
 * (bin b holds values <= edges[b]; NaN: bin 0), found without branches. Training, scoring and the
 * drift monitor all bin with it, so they agree on every value.
 */
export function searchBin(edges: Float32Array, v: number): number {
  let k = 0;
  k += +(v > edges[k + 15]) << 4;
  k += +(v > edges[k + 7]) << 3;
  k += +(v > edges[k + 3]) << 2;
  k += +(v > edges[k + 1]) << 1;
  k += +(v > edges[k]);
  return k;
}
