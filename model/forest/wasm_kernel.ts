/**
 * The WebAssembly code of the forest kernel, generated for one forest (its layout in
 * wasm_layout.ts): `bin` turns rows of features into binned groups of sixteen rows, `score`
 * scores binned groups. The top levels of each tree are code (its splits are constants); the
 * chunks below read their records.
 *
 * Scores equal `scoreBinned`'s to the bit: each row's leaves are added in tree order in 64-bit
 * floats and the sum divided by the number of trees, as there.
 *
 * @module
 */

import { CHUNK_LEVELS, GROUP, type KernelPlan, PLANE_LANE, splitBin } from "./wasm_layout.ts";
import {
  type Code,
  control,
  f32,
  f32x4,
  f64,
  i16x8,
  I32,
  i32,
  i32x4,
  i8x16,
  local,
  V128,
  v128,
  type ValueType,
  type WasmFunction,
  type WasmModule,
} from "./wasm_writer.ts";

/** Trees per generated function (the engine compiles and optimises functions one by one). */
const TREES_PER_FUNCTION = 8;

const ZERO_VECTOR = v128.const(new Uint8Array(16));
const splat = (byte: number) => v128.const(new Uint8Array(16).fill(byte));
const i32Lanes = (value: number) =>
  v128.const(new Uint8Array(new Int32Array(4).fill(value).buffer));
/** A constant address (the engine checks no bounds below the initial memory). */
const at = i32.const(0);

/** Shuffle of 32-bit lanes (0-3 of `a`, 4-7 of `b`). */
function shuffle32(a: Code, b: Code, lanes: number[]): Code {
  return i8x16.shuffle(a, b, lanes.flatMap((lane) => [0, 1, 2, 3].map((k) => 4 * lane + k)));
}

/** `table[index]` for indices below 32 (a table of 32 bytes at a constant address). */
function lookup32(table: number, index: Code): Code {
  return v128.or(
    i8x16.swizzle(v128.load(table, at), index),
    i8x16.swizzle(v128.load(table + 16, at), i8x16.sub(index, splat(16))),
  );
}

/** A loop over `groups` groups (local `counter`), doing `body` then advancing `steps`. */
function groupLoop(groups: number, counter: number, body: Code[], steps: Code[]): Code {
  return control.block(
    control.brIf(0, i32.eqz(local.get(groups))),
    control.loop(
      ...body,
      ...steps,
      local.set(counter, i32.add(local.get(counter), i32.const(1))),
      control.brIf(0, i32.ltU(local.get(counter), local.get(groups))),
    ),
  );
}

/**
 * Statements transposing 16 vectors of 16 bytes held in locals `from` (vector k holds byte r
 * of row r of column k) into rows; returns the local holding each row (its 16 columns in order).
 */
function transposeBytes(from: number[], spare: number[], out: Code[]): number[] {
  let labels = from.map((_, column) => Array.from({ length: 16 }, (_, row) => [column, row]));
  let source = from, target = spare;
  for (const unit of [1, 2, 4, 8]) {
    const next: number[][][] = [];
    for (const half of [0, 1]) {
      const lanes = Array.from({ length: 16 }, (_, i) => {
        const pair = Math.floor(i / unit), inUnit = i % unit;
        const fromB = pair % 2, unitIndex = half * (8 / unit) + Math.floor(pair / 2);
        return 16 * fromB + unit * unitIndex + inUnit;
      });
      for (let k = 0; k < 8; k++) {
        out.push(local.set(
          target[k + 8 * half],
          i8x16.shuffle(local.get(source[2 * k]), local.get(source[2 * k + 1]), lanes),
        ));
        next[k + 8 * half] = lanes.map((lane) => labels[2 * k + (lane >> 4)][lane & 15]);
      }
    }
    labels = next;
    [source, target] = [target, source];
  }
  const rowLocal: number[] = [];
  labels.forEach((vector, k) => {
    const row = vector[0][1];
    if (vector.some(([column, r], lane) => column !== lane || r !== row)) {
      throw new Error("byte transpose is wrong");
    }
    rowLocal[row] = source[k];
  });
  return rowLocal;
}

/** `bin(input, binned, groups)`: rows of features (f32, row-major) to binned groups. */
function binFunction(plan: KernelPlan): WasmFunction {
  const { layout, features } = plan;
  const [input, binned, groups, counter] = [0, 1, 2, 3];
  const rowIn = [4, 5, 6, 7], pairs = [8, 9, 10, 11], x = [12, 13, 14, 15], acc = [16, 17, 18, 19];
  const edge = 20, codeBit = 21, plane = 22;
  const bankA = Array.from({ length: 16 }, (_, i) => 23 + i);
  const bankB = Array.from({ length: 16 }, (_, i) => 39 + i);
  const body: Code[] = [];
  // Transpose 4 rows x 4 features at a time into per-feature vectors of 4 rows.
  for (let first = 0; first < features; first += 4) {
    for (let quad = 0; quad < 4; quad++) {
      rowIn.forEach((l, i) => {
        body.push(
          local.set(l, v128.load(((4 * quad + i) * features + first) * 4, local.get(input))),
        );
      });
      const [r0, r1, r2, r3] = rowIn.map((l) => local.get(l));
      body.push(
        local.set(pairs[0], shuffle32(r0, r1, [0, 4, 1, 5])),
        local.set(pairs[1], shuffle32(r0, r1, [2, 6, 3, 7])),
        local.set(pairs[2], shuffle32(r2, r3, [0, 4, 1, 5])),
        local.set(pairs[3], shuffle32(r2, r3, [2, 6, 3, 7])),
      );
      const [t0, t1, t2, t3] = pairs.map((l) => local.get(l));
      const byFeature = [
        shuffle32(t0, t2, [0, 1, 4, 5]),
        shuffle32(t0, t2, [2, 3, 6, 7]),
        shuffle32(t1, t3, [0, 1, 4, 5]),
        shuffle32(t1, t3, [2, 3, 6, 7]),
      ];
      byFeature.forEach((vector, k) => {
        if (first + k < features) {
          body.push(v128.store(layout.values + 64 * (first + k) + 16 * quad, at, vector));
        }
      });
    }
  }
  // Bin each feature: numeric, the number of edges below the value; categorical, the value.
  for (let f = 0; f < features; f++) {
    x.forEach((l, q) => body.push(local.set(l, v128.load(layout.values + 64 * f + 16 * q, at))));
    if (plan.categories[f] > 0) {
      x.forEach((l, q) =>
        body.push(local.set(
          acc[q],
          i32x4.minS(
            i32x4.maxS(i32x4.truncSatF32x4S(local.get(l)), ZERO_VECTOR),
            i32Lanes(plan.categories[f] - 1),
          ),
        ))
      );
    } else {
      acc.forEach((l) => body.push(local.set(l, ZERO_VECTOR)));
      for (let e = 0; e < plan.edgeCount[f]; e++) {
        body.push(local.set(edge, v128.load(layout.edges + 16 * (plan.edgeStart[f] + e), at)));
        acc.forEach((l, q) =>
          body.push(local.set(
            l,
            i32x4.sub(local.get(l), f32x4.gt(local.get(x[q]), local.get(edge))),
          ))
        );
      }
    }
    const [a0, a1, a2, a3] = acc.map((l) => local.get(l));
    body.push(v128.store(
      layout.columns + 16 * f,
      at,
      i8x16.narrowI16x8U(i16x8.narrowI32x4U(a0, a1), i16x8.narrowI32x4U(a2, a3)),
    ));
  }
  // The code of each row's categories gives its plane (offset) and its bit in the plane.
  if (plan.planes > 0) {
    let code: Code = ZERO_VECTOR;
    plan.codeFeatures.forEach((f, i) => {
      const column = v128.load(layout.columns + 16 * f, at);
      const term = plan.codeRadix[i] === 1 ? column : lookup32(layout.codeTables + 32 * i, column);
      code = i8x16.add(code, term);
    });
    const tables = layout.codeTables + 32 * plan.codeFeatures.length;
    body.push(
      local.set(codeBit, code),
      local.set(plane, lookup32(tables, local.get(codeBit))),
      local.set(codeBit, lookup32(tables + 32, local.get(codeBit))),
    );
  }
  // Rows: bins of features 0-15, then 16-31 with the plane offset in the last byte.
  for (const half of [0, 1]) {
    bankA.forEach((l, k) => {
      const f = 16 * half + k;
      const value = f < features
        ? v128.load(layout.columns + 16 * f, at)
        : f === PLANE_LANE && plan.planes > 0
        ? local.get(plane)
        : ZERO_VECTOR;
      body.push(local.set(l, value));
    });
    const rows = transposeBytes(bankA, bankB, body);
    rows.forEach((l, row) => {
      body.push(v128.store(layout.rows + 32 * row + 16 * half, at, local.get(l)));
    });
  }
  const stored: number[] = Array.from({ length: features }, (_, f) => layout.columns + 16 * f);
  for (let k = 0; k < 2 * GROUP; k++) stored.push(layout.rows + 16 * k);
  if (plan.planes > 0) {
    for (let row = 0; row < GROUP; row++) {
      const bit = local.get(codeBit);
      body.push(
        v128.store(layout.codeBits + 16 * row, at, i8x16.shuffle(bit, bit, Array(16).fill(row))),
      );
      stored.push(layout.codeBits + 16 * row);
    }
  }
  stored.forEach((from, k) =>
    body.push(v128.store(16 * k, local.get(binned), v128.load(from, at)))
  );
  return {
    exportName: "bin",
    params: [I32, I32, I32],
    results: [],
    locals: [I32, ...Array(bankB[15] - counter).fill(V128)],
    body: groupLoop(groups, counter, body, [
      local.set(input, i32.add(local.get(input), i32.const(GROUP * features * 4))),
      local.set(binned, i32.add(local.get(binned), i32.const(plan.groupBytes))),
    ]),
  };
}

/**
 * `score(binned, output, groups)`: binned groups to scores (f32), calling the tree functions.
 * Tree function by tree function, each over every group: the records and leaves of its trees
 * stay in the cache across the groups instead of the whole forest passing through it for each
 * group. A group's running sums wait in `groupSums` between tree functions, so each row's leaves
 * are still added in tree order.
 */
function scoreFunction(plan: KernelPlan, treeFunctions: number[]): WasmFunction {
  const { layout } = plan;
  const [binned, output, groups, counter, group, sums] = [0, 1, 2, 3, 4, 5];
  const copied: number[] = Array.from({ length: plan.features }, (_, f) => layout.columns + 16 * f);
  for (let k = 0; k < 2 * GROUP; k++) copied.push(layout.rows + 16 * k);
  if (plan.planes > 0) {
    for (let row = 0; row < GROUP; row++) copied.push(layout.codeBits + 16 * row);
  }
  const sumVectors = Array.from({ length: GROUP / 2 }, (_, k) => 16 * k);
  /** A loop over the groups from the first, with `group` and `sums` at each group's own. */
  const overGroups = (body: Code[], steps: Code[] = []): Code[] => [
    local.set(counter, i32.const(0)),
    local.set(group, local.get(binned)),
    local.set(sums, i32.const(layout.groupSums)),
    groupLoop(groups, counter, body, [
      ...steps,
      local.set(group, i32.add(local.get(group), i32.const(plan.groupBytes))),
      local.set(sums, i32.add(local.get(sums), i32.const(8 * GROUP))),
    ]),
  ];
  const body: Code[] = [
    ...overGroups(sumVectors.map((k) => v128.store(k, local.get(sums), ZERO_VECTOR))),
    ...treeFunctions.flatMap((index) =>
      overGroups([
        ...copied.map((to, k) => v128.store(to, at, v128.load(16 * k, local.get(group)))),
        ...sumVectors.map((k) => v128.store(layout.sums + k, at, v128.load(k, local.get(sums)))),
        control.call(index),
        ...sumVectors.map((k) => v128.store(k, local.get(sums), v128.load(layout.sums + k, at))),
      ])
    ),
    ...overGroups(
      Array.from({ length: GROUP }, (_, row) =>
        f32.store(
          4 * row,
          local.get(output),
          f32.demoteF64(f64.div(f64.load(8 * row, local.get(sums)), f64.const(plan.trees))),
        )),
      [local.set(output, i32.add(local.get(output), i32.const(4 * GROUP)))],
    ),
  ];
  return {
    exportName: "score",
    params: [I32, I32, I32],
    results: [],
    locals: [I32, I32, I32],
    body,
  };
}

/** `descend(tree)`: from each row's node at the top's last level, through the chunks to a leaf. */
function descendFunction(plan: KernelPlan): WasmFunction {
  const { layout } = plan;
  const [tree, node, record, leafBase, high] = [0, 1, 2, 3, 4];
  const chunkBase = plan.chunks.map((_, c) => 5 + c);
  const fv = 5 + plan.chunks.length, codeBit = fv + 1;
  const body: Code[] = [
    local.set(high, splat(0x80)),
    local.set(
      leafBase,
      i32.add(i32.const(layout.leaves), i32.mul(local.get(tree), i32.const(4 * 2 ** plan.depth))),
    ),
  ];
  let level = plan.top;
  plan.chunks.forEach((_, c) => {
    const perTree = 2 ** level * plan.recordBytes;
    body.push(local.set(
      chunkBase[c],
      i32.add(i32.const(layout.chunkRecords[c]), i32.mul(local.get(tree), i32.const(perTree))),
    ));
    level += plan.chunks[c];
  });
  for (let row = 0; row < GROUP; row++) {
    const bins = layout.rows + 32 * row;
    body.push(local.set(node, i32.load8U(layout.exits + row, at)));
    plan.chunks.forEach((levels, c) => {
      body.push(
        local.set(
          record,
          i32.add(local.get(chunkBase[c]), i32.mul(local.get(node), i32.const(plan.recordBytes))),
        ),
        local.set(fv, v128.load(0, local.get(record))),
      );
      const value = v128.or(
        i8x16.relaxedSwizzle(v128.load(bins, at), local.get(fv)),
        i8x16.relaxedSwizzle(v128.load(bins + 16, at), v128.xor(local.get(fv), local.get(high))),
      );
      let decisions = i8x16.gtS(value, v128.load(16, local.get(record)));
      if (plan.planes > 0) {
        const planeAddress = i32.add(local.get(record), i32.load8U(bins + PLANE_LANE, at));
        decisions = v128.or(
          decisions,
          i8x16.eq(
            v128.and(
              v128.load(32, planeAddress),
              local.tee(codeBit, v128.load(layout.codeBits + 16 * row, at)),
            ),
            local.get(codeBit),
          ),
        );
      }
      let exit = i32.load8U(layout.chunkExit, i8x16.bitmask(decisions));
      if (levels < CHUNK_LEVELS) exit = i32.shrU(exit, i32.const(CHUNK_LEVELS - levels));
      body.push(local.set(node, i32.or(i32.shl(local.get(node), i32.const(levels)), exit)));
    });
    const leaf = f32.load(0, i32.add(local.get(leafBase), i32.shl(local.get(node), i32.const(2))));
    body.push(f64.store(
      layout.sums + 8 * row,
      at,
      f64.add(f64.load(layout.sums + 8 * row, at), f64.promoteF32(leaf)),
    ));
  }
  return {
    params: [I32],
    results: [],
    locals: [I32, I32, I32, V128, ...chunkBase.map((): ValueType => I32), V128, V128],
    body,
  };
}

/** Code of one tree's top for the group: each row's node at level `top`, into `exits`. */
function treeTop(
  plan: KernelPlan,
  forest: { feature: Uint8Array; mask: Int32Array },
  tree: number,
): Code[] {
  const { layout } = plan;
  const internal = 2 ** plan.depth - 1;
  const decision = (level: number) => level;
  const exits = plan.top;
  // A node's decision for the 16 rows, or null when it never goes right (padding).
  const evaluate = (slot: number): Code | null => {
    const index = tree * internal + slot;
    const f = forest.feature[index], mask = forest.mask[index];
    if (mask === 0) return null;
    const column = v128.load(layout.columns + 16 * f, at);
    const maskAt = plan.categoryMaskAt.get(index);
    if (maskAt !== undefined) {
      const table = layout.categoryMasks + maskAt;
      return plan.categories[f] > 16
        ? lookup32(table, column)
        : i8x16.relaxedSwizzle(v128.load(table, at), column);
    }
    return i8x16.gtS(column, v128.load(layout.splats + 16 * splitBin(mask), at));
  };
  // The decision of each row's node among nodes [first, first + count) of `level`.
  const pick = (level: number, first: number, count: number, depth: number): Code | null => {
    if (count === 1) return evaluate(2 ** level - 1 + first);
    const half = count / 2;
    const left = pick(level, first, half, depth + 1);
    const right = pick(level, first + half, half, depth + 1);
    if (left === null && right === null) return null;
    return i8x16.relaxedLaneselect(
      right ?? ZERO_VECTOR,
      left ?? ZERO_VECTOR,
      local.get(decision(depth)),
    );
  };
  const code: Code[] = [local.set(exits, ZERO_VECTOR)];
  for (let level = 0; level < plan.top; level++) {
    const chosen = pick(level, 0, 2 ** level, 0);
    const doubled = i8x16.add(local.get(exits), local.get(exits));
    if (chosen === null) {
      code.push(local.set(decision(level), ZERO_VECTOR), local.set(exits, doubled));
    } else {
      code.push(
        local.set(decision(level), chosen),
        local.set(exits, i8x16.sub(doubled, local.get(decision(level)))),
      );
    }
  }
  code.push(v128.store(layout.exits, at, local.get(exits)));
  return code;
}

/** The module: functions 0 `bin`, 1 `score`, 2 `descend`, then the tree functions. */
export function kernelModule(
  plan: KernelPlan,
  forest: { feature: Uint8Array; mask: Int32Array },
): WasmModule {
  const descend = 2;
  const treeFunctions: WasmFunction[] = [];
  for (let first = 0; first < plan.trees; first += TREES_PER_FUNCTION) {
    const body: Code[] = [];
    for (let t = first; t < Math.min(plan.trees, first + TREES_PER_FUNCTION); t++) {
      body.push(...treeTop(plan, forest, t), control.call(descend, i32.const(t)));
    }
    treeFunctions.push({ params: [], results: [], locals: Array(plan.top + 1).fill(V128), body });
  }
  const treeIndices = treeFunctions.map((_, k) => 3 + k);
  return {
    memoryPages: plan.layout.pages,
    functions: [
      binFunction(plan),
      scoreFunction(plan, treeIndices),
      descendFunction(plan),
      ...treeFunctions,
    ],
  };
}
