/**
 * How the WebAssembly forest kernel (wasm_kernel.ts) lays a binned forest out in its memory.
 *
 * Rows are scored sixteen at a time, one row per 8-bit lane. The top `top` levels of every tree
 * are evaluated for all sixteen rows at once, every node of those levels on the feature's column
 * of bins (a vector compare, or a table lookup for a categorical split), and each row's node is
 * picked level by level with lane selects: no row ever loads a node. Below, each row descends
 * alone through "chunks" of up to four levels: the chunk's fifteen nodes are one record (features,
 * thresholds, and for categorical splits the categories that go right), compared against the
 * row's bins in one vector step; the sixteen decisions, as a bitmask, index a table that gives
 * the chunk's exit. The last exit is the leaf.
 *
 * Numeric splits compare a bin with the split's bin; categorical splits test a bit of the row's
 * "code" (the bins of all categorical features in mixed radix, at most 32 codes) in the record's
 * planes, one byte plane per eight codes.
 *
 * Every address the kernel uses without a row-dependent part is a constant below the module's
 * initial memory size, so the engine checks no bounds there.
 *
 * @module
 */

import { type BinnedForest, MAX_BINS } from "./flat.ts";
import { PAGE_BYTES } from "./wasm_writer.ts";

/** Levels evaluated for sixteen rows at once. */
export const TOP_LEVELS = 6;
/** Largest chunk below the top (its 15 nodes fill one vector). */
export const CHUNK_LEVELS = 4;
/** Rows of one group (one row per vector lane). */
export const GROUP = 16;
/** Rows binned and scored per call into the module. */
export const CHUNK_ROWS = 4096;
/** Byte of a row's bins that holds its categorical plane offset (a feature never uses it). */
export const PLANE_LANE = 31;

/** Constant scratch and tables, then the forest, then the rows in and the scores out. */
export interface KernelLayout {
  /** 16 bins per feature (one per row of the group). */
  columns: number;
  /** 32 bytes per row: its bins (feature f at f, f >= 16 at 16 + f - 16), its plane offset. */
  rows: number;
  /** Per row, its code's bit within its plane, in every lane. */
  codeBits: number;
  /** The top's exit per row (the node of level `top`). */
  exits: number;
  /** Per row, the running sum of leaves (f64). */
  sums: number;
  /** The group's features transposed: per feature, 4 vectors of 4 floats. */
  values: number;
  /** A vector of `v` in every lane, at `splats + 16 v`, v < 32. */
  splats: number;
  /** Exit of a 4-level chunk per bitmask of its decisions (breadth-first lanes). */
  chunkExit: number;
  /** Per numeric edge, a vector of it in 4 float lanes (`edgeAt`). */
  edges: number;
  /** Per categorical top node, the bins that go right as 0/255 bytes (16 or 32 of them). */
  categoryMasks: number;
  /** Categorical features' code tables (value -> value * radix), then plane and bit tables. */
  codeTables: number;
  /** Per chunk, the records of all trees (`tree * 2^level + node` of the chunk's root level). */
  chunkRecords: number[];
  /** Per tree, 2^depth leaves (f32). */
  leaves: number;
  /** Rows in (f32, CHUNK_ROWS rows and one spare vector). */
  input: number;
  /** Binned groups (`groupBytes` each). */
  binned: number;
  /** Scores out (f32). */
  output: number;
  /** Per row of the chunk, its running sum of leaves (f64) between tree functions. */
  groupSums: number;
  /** Initial memory in pages. */
  pages: number;
}

/** What the kernel needs to know about a forest, and where everything is. */
export interface KernelPlan {
  trees: number;
  depth: number;
  features: number;
  /** Levels evaluated for all rows at once. */
  top: number;
  /** Levels of each chunk below the top, top to bottom. */
  chunks: number[];
  /** Bins per feature; 0 for numeric features (which use `edgeCount`). */
  categories: number[];
  /** Finite edges per numeric feature (0 for categorical ones). */
  edgeCount: number[];
  /** Index of the first edge of each feature in the edge table. */
  edgeStart: number[];
  /** Categorical features in code order, and their radix in the code. */
  codeFeatures: number[];
  codeRadix: number[];
  /** Byte planes of categorical decisions per chunk record (0 without categorical features). */
  planes: number;
  /** Bytes per chunk record: features, thresholds, planes. */
  recordBytes: number;
  /** Bytes of one binned group. */
  groupBytes: number;
  /** Offset in `categoryMasks` of each categorical top node (`tree * (2^depth - 1) + slot`). */
  categoryMaskAt: Map<number, number>;
  layout: KernelLayout;
}

/** Bin that a numeric split's mask sends right above (-1: never right, as padding). */
export function splitBin(mask: number): number {
  const bits = mask >>> 0;
  if (bits === 0) return -1;
  let low = 0;
  while (((bits >>> low) & 1) === 0) low++;
  if (((0xffff_ffff << low) >>> 0) !== bits) return Number.NaN;
  return low - 1;
}

/** The kernel plan of a forest, or why the kernel cannot score it. */
export function planKernel(forest: BinnedForest): KernelPlan | string {
  const { trees, depth, features } = forest;
  if (features > PLANE_LANE) return `${features} features (the kernel takes ${PLANE_LANE})`;
  if (depth > 16 || trees > 4096) return `${trees} trees of depth ${depth} are too many`;
  const categories = Array.from(
    { length: features },
    (_, f) => forest.categorical[f] ? forest.counts[f] : 0,
  );
  const codeFeatures = categories.flatMap((count, f) => count > 0 ? [f] : []);
  const codeRadix: number[] = [];
  let codes = 1;
  for (const f of codeFeatures) {
    codeRadix.push(codes);
    codes *= categories[f];
  }
  if (codes > 32) return `${codes} combinations of categories (the kernel takes 32)`;
  const internal = 2 ** depth - 1;
  for (let slot = 0; slot < forest.mask.length; slot++) {
    const f = forest.feature[slot];
    if (!forest.categorical[f] && Number.isNaN(splitBin(forest.mask[slot]))) {
      return "a numeric split is not a threshold on bins";
    }
  }
  const edgeCount = Array.from(
    { length: features },
    (_, f) => forest.categorical[f] ? 0 : forest.counts[f] - 1,
  );
  const edgeStart: number[] = [];
  edgeCount.reduce((start, count) => (edgeStart.push(start), start + count), 0);
  const top = Math.min(depth, TOP_LEVELS);
  const chunks: number[] = [];
  for (let level = top; level < depth; level += CHUNK_LEVELS) {
    chunks.push(Math.min(CHUNK_LEVELS, depth - level));
  }
  const planes = codeFeatures.length > 0 ? Math.ceil(codes / 8) : 0;
  const recordBytes = 32 + 16 * planes;
  const categoryMaskAt = new Map<number, number>();
  let maskBytes = 0;
  for (let t = 0; t < trees; t++) {
    for (let slot = 0; slot < 2 ** top - 1; slot++) {
      const at = t * internal + slot;
      const f = forest.feature[at];
      if (forest.categorical[f] && forest.mask[at] !== 0) {
        categoryMaskAt.set(at, maskBytes);
        maskBytes += categories[f] > 16 ? 32 : 16;
      }
    }
  }
  const plan = {
    trees,
    depth,
    features,
    top,
    chunks,
    categories,
    edgeCount,
    edgeStart,
    codeFeatures,
    codeRadix,
    planes,
    recordBytes,
    groupBytes: 16 * features + 32 * GROUP + (planes > 0 ? 16 * GROUP : 0),
    categoryMaskAt,
  };
  return { ...plan, layout: layoutOf(plan, maskBytes) };
}

function layoutOf(plan: Omit<KernelPlan, "layout">, maskBytes: number): KernelLayout {
  let end = 0;
  const take = (bytes: number) => {
    const at = end;
    end = Math.ceil((end + bytes) / 16) * 16;
    return at;
  };
  const edges = plan.edgeCount.reduce((a, b) => a + b, 0);
  const layout = {
    columns: take(16 * 32),
    rows: take(32 * GROUP),
    codeBits: take(16 * GROUP),
    exits: take(16),
    sums: take(8 * GROUP),
    values: take(64 * 32),
    splats: take(16 * MAX_BINS),
    chunkExit: take(2 ** 15),
    edges: take(16 * edges),
    categoryMasks: take(maskBytes),
    codeTables: take(32 * (plan.codeFeatures.length + 2)),
    chunkRecords: [] as number[],
    leaves: 0,
    input: 0,
    binned: 0,
    output: 0,
    groupSums: 0,
    pages: 0,
  };
  let level = plan.top;
  for (const levels of plan.chunks) {
    layout.chunkRecords.push(take(plan.trees * 2 ** level * plan.recordBytes));
    level += levels;
  }
  layout.leaves = take(plan.trees * 2 ** plan.depth * 4);
  layout.input = take(CHUNK_ROWS * plan.features * 4 + 16);
  layout.binned = take((CHUNK_ROWS / GROUP) * plan.groupBytes);
  layout.output = take(CHUNK_ROWS * 4);
  layout.groupSums = take(CHUNK_ROWS * 8);
  layout.pages = Math.ceil(end / PAGE_BYTES);
  return layout;
}

/** Breadth-first slots of the subtree of `levels` levels under `root` (complete-tree slots). */
function subtreeSlots(root: number, levels: number): number[] {
  const slots: number[] = [];
  let level = [root];
  for (let l = 0; l < levels; l++) {
    slots.push(...level);
    level = level.flatMap((slot) => [2 * slot + 1, 2 * slot + 2]);
  }
  return slots;
}

/** Exit (0-15) of a 4-level chunk whose breadth-first decisions are the bits of `decisions`. */
export function chunkExitOf(decisions: number): number {
  let node = 0;
  for (let level = 0; level < CHUNK_LEVELS; level++) {
    node = 2 * node + 1 + ((decisions >>> node) & 1);
  }
  return node - (2 ** CHUNK_LEVELS - 1);
}

/** Writes the kernel's tables and the forest into the module's memory. */
export function writeForest(plan: KernelPlan, forest: BinnedForest, memory: ArrayBufferLike): void {
  const { layout } = plan;
  const bytes = new Uint8Array(memory);
  const view = new DataView(memory);
  for (let v = 0; v < MAX_BINS; v++) {
    bytes.fill(v, layout.splats + 16 * v, layout.splats + 16 * v + 16);
  }
  for (let m = 0; m < 2 ** 15; m++) bytes[layout.chunkExit + m] = chunkExitOf(m);
  for (let f = 0; f < plan.features; f++) {
    for (let e = 0; e < plan.edgeCount[f]; e++) {
      const at = layout.edges + 16 * (plan.edgeStart[f] + e);
      for (let lane = 0; lane < 4; lane++) {
        view.setFloat32(at + 4 * lane, forest.edges[f * MAX_BINS + e], true);
      }
    }
  }
  const internal = 2 ** plan.depth - 1;
  for (const [at, offset] of plan.categoryMaskAt) {
    const mask = forest.mask[at] >>> 0;
    const width = plan.categories[forest.feature[at]] > 16 ? 32 : 16;
    for (let bin = 0; bin < width; bin++) {
      bytes[layout.categoryMasks + offset + bin] = (mask >>> bin) & 1 ? 255 : 0;
    }
  }
  // Code tables: per categorical feature, value -> value * radix; then code -> plane offset and
  // code -> its bit in the plane.
  plan.codeFeatures.forEach((_, i) => {
    for (let v = 0; v < 32; v++) {
      bytes[layout.codeTables + 32 * i + v] = Math.min(v * plan.codeRadix[i], 255);
    }
  });
  const tables = layout.codeTables + 32 * plan.codeFeatures.length;
  for (let code = 0; code < 32; code++) {
    bytes[tables + code] = 16 * (code >> 3);
    bytes[tables + 32 + code] = 1 << (code & 7);
  }
  const codeCount = plan.codeFeatures.reduce((n, f) => n * plan.categories[f], 1);
  const binOf = (code: number, f: number) => {
    const i = plan.codeFeatures.indexOf(f);
    return Math.floor(code / plan.codeRadix[i]) % plan.categories[f];
  };
  let level = plan.top;
  plan.chunks.forEach((levels, c) => {
    for (let t = 0; t < plan.trees; t++) {
      for (let node = 0; node < 2 ** level; node++) {
        const record = layout.chunkRecords[c] + (t * 2 ** level + node) * plan.recordBytes;
        const slots = subtreeSlots(2 ** level - 1 + node, levels);
        for (let lane = 0; lane < 16; lane++) {
          let feature = 0, threshold = 127, planeBits = 0;
          if (lane < slots.length) {
            const at = t * internal + slots[lane];
            feature = forest.feature[at];
            const mask = forest.mask[at] >>> 0;
            if (forest.categorical[feature]) {
              for (let code = 0; code < codeCount; code++) {
                if ((mask >>> binOf(code, feature)) & 1) planeBits |= 2 ** code;
              }
              if (mask === 0) planeBits = 0;
            } else if (mask !== 0) {
              threshold = splitBin(mask);
            }
          }
          bytes[record + lane] = feature < 16 ? feature : (feature - 16) | 0x80;
          bytes[record + 16 + lane] = threshold;
          for (let p = 0; p < plan.planes; p++) {
            bytes[record + 32 + 16 * p + lane] = Math.floor(planeBits / 2 ** (8 * p)) & 255;
          }
        }
      }
    }
    level += levels;
  });
  new Float32Array(memory, layout.leaves, forest.leaf.length).set(forest.leaf);
}
