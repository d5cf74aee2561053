/**
 * The fraud shares of a flat forest's internal slots, which reason codes start from: kept in a
 * model folder's `nodes.bin` beside `forest.bin` (optional, so older models load as they are),
 * or, for a model saved without them, estimated from the leaves.
 *
 * `nodes.bin`: the 8 bytes `FSNODES1`, the number of values (32-bit, little-endian), then one
 * 32-bit float per internal slot in `forest.bin`'s order.
 *
 * @module
 */

import type { FlatForest } from "./flat.ts";

const MAGIC = new TextEncoder().encode("FSNODES1");
const HEADER_BYTES = MAGIC.length + 4;

/** Where the internal slots' values of a loaded forest come from. */
export type NodeValueSource = "training" | "children-mean";

/** Serialises the internal slots' values of a forest. */
export function encodeNodeValues(node: Float32Array): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + node.length * 4);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint32(MAGIC.length, node.length, true);
  for (let i = 0; i < node.length; i++) view.setFloat32(HEADER_BYTES + 4 * i, node[i], true);
  return bytes;
}

/**
 * Reads values written by `encodeNodeValues` for a forest of `slots` internal slots; throws a
 * `RangeError` saying what is wrong when they do not fit it.
 */
export function decodeNodeValues(bytes: Uint8Array, slots: number): Float32Array {
  if (bytes.length < HEADER_BYTES || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new RangeError("bad header");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(MAGIC.length, true);
  if (count !== slots) throw new RangeError(`${count} node values for ${slots} internal slots`);
  if (bytes.length !== HEADER_BYTES + 4 * count) {
    throw new RangeError(`${bytes.length} bytes, expected ${HEADER_BYTES + 4 * count}`);
  }
  const node = new Float32Array(count);
  for (let i = 0; i < count; i++) node[i] = view.getFloat32(HEADER_BYTES + 4 * i, true);
  return node;
}

/**
 * Values for the internal slots of a forest saved without them: each slot's value is the mean of
 * its two children's (bottom up from the leaves). Not the training fraud shares (the training
 * rows' split between the children is unknown), but reason codes stay exact: along any path the
 * changes still add up to the leaf's value minus the root's. A padding slot (its two children
 * copies of one leaf) gets that leaf's value, so it contributes nothing.
 */
export function childrenMeanNodeValues(forest: FlatForest): Float32Array {
  const internal = 2 ** forest.depth - 1;
  const leaves = 2 ** forest.depth;
  const node = new Float32Array(forest.trees * internal);
  const value = new Float64Array(internal + leaves);
  for (let t = 0; t < forest.trees; t++) {
    for (let j = 0; j < leaves; j++) value[internal + j] = forest.leaf[t * leaves + j];
    for (let slot = internal - 1; slot >= 0; slot--) {
      value[slot] = (value[2 * slot + 1] + value[2 * slot + 2]) / 2;
      node[t * internal + slot] = value[slot];
    }
  }
  return node;
}
