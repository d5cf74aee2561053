/**
 * The worker behaviour that grows trees: it reads the binned training data from shared memory
 * (no copy per worker) and returns each tree with its arrays moved, not copied.
 *
 * @module
 */

import type { WorkerBehavior } from "../../actors/runtime/worker_host.ts";
import { withTransfer } from "../../actors/runtime/protocol.ts";
import type { FeatureBins } from "./binning.ts";
import { type BinnedData, growTree, type Tree, type TreeParams } from "./tree.ts";

/** Name of the behaviour in the worker registry. */
export const GROW_WORKER = "forest.grow";

/** Shared training data handed to every worker at start. */
export interface GrowWorkerArgs {
  n: number;
  columns: SharedArrayBuffer[];
  label: SharedArrayBuffer;
  bins: FeatureBins[];
}

/** One tree to grow. */
export interface GrowRequest {
  index: number;
  seed: number;
  params: TreeParams;
}

/** Builds the tree-growing behaviour over the shared data. */
export function growWorker(args: GrowWorkerArgs): WorkerBehavior<GrowRequest, unknown> {
  const data: BinnedData = {
    n: args.n,
    columns: args.columns.map((buffer) => new Uint8Array(buffer)),
    label: new Uint8Array(args.label),
    bins: args.bins,
  };
  return {
    handle(request) {
      const tree: Tree = growTree(data, request.params, request.seed);
      const arrays = [
        tree.feature,
        tree.threshold,
        tree.categoriesLeft,
        tree.left,
        tree.right,
        tree.value,
        tree.gain,
      ];
      return withTransfer(tree, arrays.map((array) => array.buffer as ArrayBuffer));
    },
  };
}
