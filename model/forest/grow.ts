/**
 * Where the trees of a forest grow. The trainer asks a `TreeGrower` for each tree; the program
 * passes one that grows them on worker threads (the pipeline's), the tests may grow them inline.
 * Either way a tree depends only on the binned rows and its request, so the forest is the same.
 *
 * @module
 */

import type { FeatureBins } from "./binning.ts";
import { type BinnedData, growTree, type Tree, type TreeParams } from "./tree.ts";

/** The training rows as every grower reads them: binned, in shared memory (no copy per thread). */
export interface GrowData {
  /** Rows. */
  n: number;
  /** One column of `n` bins per feature. */
  columns: SharedArrayBuffer[];
  /** 0/1 label per row. */
  label: SharedArrayBuffer;
  bins: FeatureBins[];
}

/** One tree to grow. */
export interface GrowRequest {
  /** Index of the tree in the forest. */
  index: number;
  seed: number;
  params: TreeParams;
}

/** Grows the trees of one forest, a lane at a time per lane. */
export interface TreeGrower {
  /** Grows the tree of `request`; `lane` (0 .. lanes - 1) is the one of the parallel growers asking. */
  grow(request: GrowRequest, lane: number): Promise<Tree>;
  /** Frees what the grower holds (its threads). */
  close(): Promise<void>;
}

/** Starts a grower of `lanes` parallel lanes over `data`. */
export type StartTreeGrower = (data: GrowData, lanes: number) => Promise<TreeGrower>;

/** Views over the shared training rows, as `growTree` reads them. */
export function binnedData(data: GrowData): BinnedData {
  return {
    n: data.n,
    columns: data.columns.map((buffer) => new Uint8Array(buffer)),
    label: new Uint8Array(data.label),
    bins: data.bins,
  };
}

/** Grows the tree a request asks for. */
export function growRequested(data: BinnedData, request: GrowRequest): Tree {
  return growTree(data, request.params, request.seed);
}

/** A grower on the calling thread: one tree after the other, whatever the lanes. */
export const inlineTreeGrower: StartTreeGrower = (data) => {
  const binned = binnedData(data);
  return Promise.resolve({
    grow: (request) => Promise.resolve(growRequested(binned, request)),
    close: () => Promise.resolve(),
  });
};
