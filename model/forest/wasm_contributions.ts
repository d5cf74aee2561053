/**
 * The reason walk of a flat forest in WebAssembly: for each row, every tree's path from its root
 * to its leaf, each step's change of the node value credited to the feature it splits on (the
 * Saabas decomposition of `reason_codes.ts`). A row's steps are those of `ReasonExplainer`'s walk
 * in TypeScript, in the same order (four trees side by side, level by level, then the trees left
 * over one by one), so its sums are the same to the bit. Each internal slot is one 16-byte record
 * (its threshold, categories, value and feature), so a step reads one cache line where the
 * TypeScript walk reads four arrays.
 *
 * Rows are explained a block at a time: each group of four trees is walked for every row of the
 * block before the next group, so the group's 80 KiB stay in the cache across the rows instead of
 * being read from memory again for each.
 *
 * @module
 */

import type { FlatForest } from "./flat.ts";
import {
  type Code,
  control,
  f32,
  f64,
  I32,
  i32,
  local,
  PAGE_BYTES,
  writeModule,
} from "./wasm_writer.ts";

/** The reason walk of one forest, compiled. */
export interface WasmContributions {
  /**
   * Writes into `out`, row after row (`rows.length` times one value per feature), the sums over
   * the trees of the changes of the node value per feature of each row of `features` listed in
   * `rows`: the contributions times the number of trees.
   */
  sums(features: Float32Array, rows: ArrayLike<number>, out: Float64Array): void;
  /** Generates and compiles the module now rather than on first use. */
  prepare(): void;
}

/** Trees walked side by side. */
const LANES = 4;
/** Most rows walked through a group of trees before the next group. */
const BLOCK = 256;
/**
 * Most memory a walk's module takes, in pages (256 MiB): the pretrained forest (128 trees of
 * depth 10) takes 40. A forest past it (about 100 times as many slots) walks in TypeScript.
 */
const MAX_PAGES = 4096;

const align8 = (n: number) => Math.ceil(n / 8) * 8;

/**
 * The walk of `forest` (internal slots valued by `node`) in WebAssembly, compiled on first use;
 * undefined where it cannot run: a forest with 64-bit thresholds (whose rows are 64-bit too), one
 * too large for `MAX_PAGES`, or an engine without WebAssembly.
 */
export function compileWasmContributions(
  forest: FlatForest,
  node: Float32Array,
): WasmContributions | undefined {
  if (!(forest.threshold instanceof Float32Array) || typeof WebAssembly !== "object") {
    return undefined;
  }
  const { trees, depth, features: width } = forest;
  const layout = layoutOf(forest);
  if (layout.pages > MAX_PAGES) return undefined;
  let compiled:
    | {
      explain: (rows: number) => void;
      row: Float32Array;
      shift: Int32Array;
      sums: Float64Array;
    }
    | undefined;
  const compile = () => {
    const module = new WebAssembly.Module(writeModule({
      memoryPages: layout.pages,
      functions: [{
        exportName: "explain",
        params: [I32],
        results: [],
        locals: Array(LOCALS).fill(I32),
        body: walkCode({ trees, depth, width }, layout),
      }],
    }));
    const { memory, explain } = new WebAssembly.Instance(module).exports as {
      memory: WebAssembly.Memory;
      explain: (rows: number) => void;
    };
    const { buffer } = memory;
    writeForest(buffer, layout, forest, node);
    return {
      explain,
      row: new Float32Array(buffer, layout.row, BLOCK * width),
      shift: new Int32Array(buffer, layout.shift, BLOCK * width),
      sums: new Float64Array(buffer, layout.sums, BLOCK * width),
    };
  };
  const walk: WasmContributions = {
    prepare() {
      compiled ??= compile();
    },
    sums(x, rows, out) {
      const module = compiled ??= compile();
      for (let first = 0; first < rows.length; first += BLOCK) {
        const count = Math.min(BLOCK, rows.length - first);
        for (let k = 0; k < count; k++) {
          const base = rows[first + k] * width;
          for (let f = 0, at = k * width; f < width; f++, at++) {
            const value = x[base + f];
            module.row[at] = value;
            // The shift a categorical slot makes of the value (`categories >>> x`), as the scorers.
            module.shift[at] = (value >>> 0) & 31;
          }
        }
        const sums = module.sums.subarray(0, count * width);
        sums.fill(0);
        module.explain(count);
        out.set(sums, first * width);
      }
    },
  };
  return walk;
}

/**
 * Byte addresses in the module's memory: the internal slots as records of `RECORD` bytes (a
 * step reads one record, and the node value it steps to is in the next step's record), the
 * leaves, then a block's rows, their shifts and their sums.
 */
interface Layout {
  slots: number;
  leaf: number;
  row: number;
  shift: number;
  sums: number;
  pages: number;
}

/** A slot's record: threshold (f32), categories that go right (u32), node value (f32), feature (u8). */
const RECORD = 16;
const [THRESHOLD, CATEGORIES, NODE, FEATURE_BYTE] = [0, 4, 8, 12];

function layoutOf(forest: FlatForest): Layout {
  const leaf = forest.feature.length * RECORD;
  const row = align8(leaf + 4 * forest.leaf.length);
  const shift = row + align8(4 * BLOCK * forest.features);
  const sums = shift + align8(4 * BLOCK * forest.features);
  const pages = Math.ceil((sums + 8 * BLOCK * forest.features) / PAGE_BYTES);
  return { slots: 0, leaf, row, shift, sums, pages };
}

/** Writes the forest's slots, as records, and its leaves into the module's memory. */
function writeForest(
  buffer: ArrayBufferLike,
  layout: Layout,
  forest: FlatForest,
  node: Float32Array,
) {
  const view = new DataView(buffer);
  for (let i = 0; i < forest.feature.length; i++) {
    const at = layout.slots + i * RECORD;
    view.setFloat32(at + THRESHOLD, forest.threshold[i], true);
    view.setUint32(at + CATEGORIES, forest.categoriesRight[i], true);
    view.setFloat32(at + NODE, node[i], true);
    view.setUint8(at + FEATURE_BYTE, forest.feature[i]);
  }
  new Float32Array(buffer, layout.leaf, forest.leaf.length).set(forest.leaf);
}

/**
 * The parameter (the rows of the block) and the locals: groups of trees left, the group's first
 * node and leaf bases, the step's slot record and feature, rows left, the row's byte offset in
 * the rows and shifts and in the sums, a slot per lane.
 */
const [ROWS, GROUPS, NODE_BASE, LEAF_BASE, AT, FEATURE, LEFT, ROW, SUMS, SLOT] = Array.from(
  { length: 10 },
  (_, index) => index,
);
/** Locals after the parameter. */
const LOCALS = SLOT + LANES - 1;

/** Four bytes an index. */
const x4 = (index: Code) => i32.shl(index, i32.const(2));
/** A slot's record. */
const record = (slot: Code) => i32.shl(slot, i32.const(4));

/**
 * One step of a tree from the slot in local `slot` for the row at `ROW`: as `step` in
 * `reason_codes.ts`, its node index `nodeBase + slot` and, at the last level, its leaf index
 * `leafBase + next`.
 */
function step(
  layout: Layout,
  bases: { node: Code; leaf: Code },
  slot: number,
  last: boolean,
): Code {
  const feature = local.get(FEATURE);
  const node = local.get(AT);
  // The row's value (and shift) of the feature, and its sum.
  const value = i32.add(local.get(ROW), x4(feature));
  const right = i32.or(
    f32.gt(f32.load(layout.row, value), f32.load(layout.slots + THRESHOLD, node)),
    i32.and(
      i32.shrU(i32.load(layout.slots + CATEGORIES, node), i32.load(layout.shift, value)),
      i32.const(1),
    ),
  );
  const next = i32.add(i32.shl(local.get(slot), i32.const(1)), i32.add(i32.const(1), right));
  const reached = last
    ? f32.load(layout.leaf, x4(i32.add(bases.leaf, local.get(slot))))
    : f32.load(layout.slots + NODE, record(i32.add(bases.node, local.get(slot))));
  const sum = i32.add(local.get(SUMS), i32.shl(feature, i32.const(3)));
  return [
    // AT: the byte address of the slot's record.
    local.set(AT, record(i32.add(bases.node, local.get(slot)))),
    local.set(FEATURE, i32.load8U(layout.slots + FEATURE_BYTE, local.get(AT))),
    local.set(slot, next),
    f64.store(
      layout.sums,
      sum,
      f64.add(
        f64.load(layout.sums, sum),
        f64.sub(f64.promoteF32(reached), f64.promoteF32(f32.load(layout.slots + NODE, node))),
      ),
    ),
  ];
}

/**
 * `walk` for each of the block's rows in turn: `ROW` and `SUMS` at row 0, then the next row's,
 * until `ROWS` rows are done.
 */
function eachRow(width: number, walk: Code): Code {
  return [
    local.set(LEFT, local.get(ROWS)),
    local.set(ROW, i32.const(0)),
    local.set(SUMS, i32.const(0)),
    control.block(control.loop(
      control.brIf(1, i32.eqz(local.get(LEFT))),
      walk,
      local.set(ROW, i32.add(local.get(ROW), i32.const(4 * width))),
      local.set(SUMS, i32.add(local.get(SUMS), i32.const(8 * width))),
      local.set(LEFT, i32.sub(local.get(LEFT), i32.const(1))),
      control.br(0),
    )),
  ];
}

/**
 * The function body: every tree's walk for every row of the block, adding each step's change to
 * the row's sum for its feature. For one row the steps come in the order of the walk in
 * TypeScript, so its sums are the same to the bit; the rows only take turns within each group of
 * trees.
 */
function walkCode(
  forest: { trees: number; depth: number; width: number },
  layout: Layout,
): Code {
  const { trees, depth, width } = forest;
  const internal = (1 << depth) - 1;
  const leaves = 1 << depth;
  const groups = Math.floor(trees / LANES);
  const lanes = Array.from({ length: LANES }, (_, lane) => lane);
  // Lane `lane` walks tree `4g + lane`: its nodes from `NODE_BASE + lane * internal`, its leaves
  // (indexed by the slot past the internal ones) from `LEAF_BASE + lane * leaves`.
  const laneBases = (lane: number) => ({
    node: i32.add(local.get(NODE_BASE), i32.const(lane * internal)),
    leaf: i32.add(local.get(LEAF_BASE), i32.const(lane * leaves)),
  });
  const groupWalk: Code[] = lanes.map((lane) => local.set(SLOT + lane, i32.const(0)));
  for (let level = 0; level < depth; level++) {
    for (const lane of lanes) {
      groupWalk.push(step(layout, laneBases(lane), SLOT + lane, level + 1 === depth));
    }
  }
  const body: Code[] = [
    local.set(GROUPS, i32.const(groups)),
    local.set(NODE_BASE, i32.const(0)),
    local.set(LEAF_BASE, i32.const(-internal)),
    control.block(control.loop(
      control.brIf(1, i32.eqz(local.get(GROUPS))),
      eachRow(width, groupWalk),
      local.set(NODE_BASE, i32.add(local.get(NODE_BASE), i32.const(LANES * internal))),
      local.set(LEAF_BASE, i32.add(local.get(LEAF_BASE), i32.const(LANES * leaves))),
      local.set(GROUPS, i32.sub(local.get(GROUPS), i32.const(1))),
      control.br(0),
    )),
  ];
  // The trees left over, one at a time.
  for (let tree = groups * LANES; tree < trees; tree++) {
    const bases = {
      node: i32.const(tree * internal),
      leaf: i32.const(tree * leaves - internal),
    };
    const walk: Code[] = [local.set(SLOT, i32.const(0))];
    for (let level = 0; level < depth; level++) {
      walk.push(step(layout, bases, SLOT, level + 1 === depth));
    }
    body.push(eachRow(width, walk));
  }
  return body;
}
