/**
 * The worker behaviour that grows trees: it reads the binned training rows from shared memory (no
 * copy per worker) and returns each tree with its arrays moved, not copied.
 *
 * @module
 */

import {
  binnedData,
  type GrowData,
  type GrowRequest,
  growRequested,
} from "../../../model/forest/grow.ts";
import type { Tree } from "../../../model/forest/tree.ts";
import type { WorkerBehavior } from "../../runtime/mod.ts";
import { withTransfer } from "../../runtime/protocol.ts";

/** Builds the tree-growing behaviour over the shared rows. */
export function growWorker(data: GrowData): WorkerBehavior<GrowRequest, Tree> {
  const binned = binnedData(data);
  return {
    handle(request) {
      const tree = growRequested(binned, request);
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
