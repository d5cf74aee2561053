/**
 * A small WebAssembly binary writer: just what the forest kernel needs (integer, float and SIMD
 * arithmetic, memory access, loops and calls), written as folded expressions that read like the
 * text format: `i32.add(local.get(0), i32.const(1))` is `(i32.add (local.get 0) (i32.const 1))`.
 *
 * The project builds its WebAssembly from this readable source at run time, so no binary is
 * committed and no tool is needed to rebuild one.
 *
 * @module
 */

/** Instructions: bytes, nested as the expressions are, flattened when the module is written. */
export type Code = number | readonly Code[];

/** Value types. */
export const I32 = 0x7f;
/** 64-bit float. */
export const F64 = 0x7c;
/** 128-bit vector. */
export const V128 = 0x7b;
/** A value type. */
export type ValueType = typeof I32 | typeof F64 | typeof V128;

/** Unsigned LEB128. */
export function unsignedLeb(value: number): number[] {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`not a u32: ${value}`);
  }
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value = Math.floor(value / 128);
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function signedLeb(value: number): number[] {
  if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0x7fff_ffff) {
    throw new RangeError(`not an i32: ${value}`);
  }
  const out: number[] = [];
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    const done = (value === 0 && (byte & 0x40) === 0) || (value === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** A memory access immediate: natural alignment (`log2` bytes) and a constant offset. */
const memarg = (alignLog2: number, offset: number) => [alignLog2, ...unsignedLeb(offset)];
const simdOpcodes = new Map<number, number[]>();
const simd = (opcode: number): number[] => {
  let bytes = simdOpcodes.get(opcode);
  if (!bytes) simdOpcodes.set(opcode, bytes = [0xfd, ...unsignedLeb(opcode)]);
  return bytes;
};

/** Locals. */
export const local = {
  get: (index: number): Code => [0x20, ...unsignedLeb(index)],
  set: (index: number, value: Code): Code => [value, 0x21, ...unsignedLeb(index)],
  tee: (index: number, value: Code): Code => [value, 0x22, ...unsignedLeb(index)],
};

/** Structured control: a branch depth counts enclosing blocks and loops outward from 0. */
export const control = {
  block: (...body: Code[]): Code => [0x02, 0x40, body, 0x0b],
  loop: (...body: Code[]): Code => [0x03, 0x40, body, 0x0b],
  br: (depth: number): Code => [0x0c, ...unsignedLeb(depth)],
  brIf: (depth: number, condition: Code): Code => [condition, 0x0d, ...unsignedLeb(depth)],
  /** `body` when `condition` is not 0 (a block: a branch of depth 0 in it leaves it). */
  if: (condition: Code, ...body: Code[]): Code => [condition, 0x04, 0x40, body, 0x0b],
  call: (index: number, ...args: Code[]): Code => [args, 0x10, ...unsignedLeb(index)],
  /** `condition ? a : b` of two numbers. */
  select: (a: Code, b: Code, condition: Code): Code => [a, b, condition, 0x1b],
};

/** 32-bit integers. */
export const i32 = {
  const: (value: number): Code => [0x41, ...signedLeb(value)],
  add: (a: Code, b: Code): Code => [a, b, 0x6a],
  sub: (a: Code, b: Code): Code => [a, b, 0x6b],
  mul: (a: Code, b: Code): Code => [a, b, 0x6c],
  and: (a: Code, b: Code): Code => [a, b, 0x71],
  or: (a: Code, b: Code): Code => [a, b, 0x72],
  shl: (a: Code, b: Code): Code => [a, b, 0x74],
  shrU: (a: Code, b: Code): Code => [a, b, 0x76],
  eq: (a: Code, b: Code): Code => [a, b, 0x46],
  ltU: (a: Code, b: Code): Code => [a, b, 0x49],
  gtU: (a: Code, b: Code): Code => [a, b, 0x4b],
  geU: (a: Code, b: Code): Code => [a, b, 0x4f],
  /** Trailing zero bits (32 for 0). */
  ctz: (value: Code): Code => [value, 0x68],
  /** 1 when `value` is 0, else 0. */
  eqz: (value: Code): Code => [value, 0x45],
  load: (offset: number, address: Code): Code => [address, 0x28, ...memarg(2, offset)],
  load8U: (offset: number, address: Code): Code => [address, 0x2d, ...memarg(0, offset)],
  store: (offset: number, address: Code, value: Code): Code => [
    address,
    value,
    0x36,
    ...memarg(2, offset),
  ],
};

/** 32-bit floats. */
export const f32 = {
  load: (offset: number, address: Code): Code => [address, 0x2a, ...memarg(2, offset)],
  store: (offset: number, address: Code, value: Code): Code => [
    address,
    value,
    0x38,
    ...memarg(2, offset),
  ],
  demoteF64: (value: Code): Code => [value, 0xb6],
  /** 1 when `a > b`, else 0 (0 for NaN). */
  gt: (a: Code, b: Code): Code => [a, b, 0x5e],
};

/** 64-bit floats. */
export const f64 = {
  const: (value: number): Code => {
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setFloat64(0, value, true);
    return [0x44, ...bytes];
  },
  add: (a: Code, b: Code): Code => [a, b, 0xa0],
  sub: (a: Code, b: Code): Code => [a, b, 0xa1],
  div: (a: Code, b: Code): Code => [a, b, 0xa3],
  promoteF32: (value: Code): Code => [value, 0xbb],
  load: (offset: number, address: Code): Code => [address, 0x2b, ...memarg(3, offset)],
  store: (offset: number, address: Code, value: Code): Code => [
    address,
    value,
    0x39,
    ...memarg(3, offset),
  ],
};

/** 128-bit vectors, whatever their lanes. */
export const v128 = {
  load: (offset: number, address: Code): Code => [address, simd(0x00), ...memarg(4, offset)],
  store: (offset: number, address: Code, value: Code): Code => [
    address,
    value,
    simd(0x0b),
    ...memarg(4, offset),
  ],
  const: (bytes: ArrayLike<number>): Code => {
    if (bytes.length !== 16) throw new RangeError("a v128 constant has 16 bytes");
    return [simd(0x0c), ...Array.from(bytes, (b) => b & 0xff)];
  },
  and: (a: Code, b: Code): Code => [a, b, simd(0x4e)],
  or: (a: Code, b: Code): Code => [a, b, simd(0x50)],
  xor: (a: Code, b: Code): Code => [a, b, simd(0x51)],
};

/** Sixteen 8-bit lanes. */
export const i8x16 = {
  /** Lanes of `a` (0-15) and `b` (16-31), picked by constant indices. */
  shuffle: (a: Code, b: Code, lanes: ArrayLike<number>): Code => {
    if (lanes.length !== 16 || Array.from(lanes).some((l) => !(l >= 0 && l < 32))) {
      throw new RangeError("a shuffle picks 16 lanes out of 32");
    }
    return [a, b, simd(0x0d), ...Array.from(lanes)];
  },
  /** Lane `i` of the result is `table[index[i]]`, 0 when the index is 16 or more. */
  swizzle: (table: Code, index: Code): Code => [table, index, simd(0x0e)],
  /**
   * As `swizzle` for indices below 16 or of 128 and more (0); others differ between machines,
   * so callers never pass them.
   */
  relaxedSwizzle: (table: Code, index: Code): Code => [table, index, simd(0x100)],
  /** Lanes of `a` where `mask` is all ones, of `b` where it is all zeros (masks are one or other). */
  relaxedLaneselect: (a: Code, b: Code, mask: Code): Code => [a, b, mask, simd(0x109)],
  splat: (value: Code): Code => [value, simd(0x0f)],
  eq: (a: Code, b: Code): Code => [a, b, simd(0x23)],
  gtS: (a: Code, b: Code): Code => [a, b, simd(0x27)],
  add: (a: Code, b: Code): Code => [a, b, simd(0x6e)],
  sub: (a: Code, b: Code): Code => [a, b, simd(0x71)],
  /** One bit per lane: its top bit. */
  bitmask: (value: Code): Code => [value, simd(0x64)],
  narrowI16x8U: (a: Code, b: Code): Code => [a, b, simd(0x66)],
};

/** Eight 16-bit lanes. */
export const i16x8 = {
  narrowI32x4U: (a: Code, b: Code): Code => [a, b, simd(0x86)],
};

/** Four 32-bit integer lanes. */
export const i32x4 = {
  sub: (a: Code, b: Code): Code => [a, b, simd(0xb1)],
  minS: (a: Code, b: Code): Code => [a, b, simd(0xb6)],
  maxS: (a: Code, b: Code): Code => [a, b, simd(0xb8)],
  truncSatF32x4S: (value: Code): Code => [value, simd(0xf8)],
};

/** Four 32-bit float lanes. */
export const f32x4 = {
  /** All ones where `a > b` (false for NaN). */
  gt: (a: Code, b: Code): Code => [a, b, simd(0x44)],
};

/** A function of a module; its index is its place in the module's list. */
export interface WasmFunction {
  /** Exported under this name (not exported when absent). */
  exportName?: string;
  params: ValueType[];
  results: ValueType[];
  /** Types of the locals after the parameters. */
  locals: ValueType[];
  body: Code;
}

/** Bytes of a page of WebAssembly memory. */
export const PAGE_BYTES = 65_536;

/** A module of one memory (exported as `memory`) and functions. */
export interface WasmModule {
  /** Initial size in 64 KiB pages (constant addresses below it are never bounds-checked). */
  memoryPages: number;
  functions: WasmFunction[];
}

/** A growing byte buffer. */
class Bytes {
  #bytes = new Uint8Array(1 << 16);
  length = 0;
  push(byte: number) {
    if (this.length === this.#bytes.length) {
      const grown = new Uint8Array(this.#bytes.length * 2);
      grown.set(this.#bytes);
      this.#bytes = grown;
    }
    this.#bytes[this.length++] = byte;
  }
  append(bytes: ArrayLike<number>) {
    for (let i = 0; i < bytes.length; i++) this.push(bytes[i]);
  }
  /** Code, flattened. */
  code(code: Code) {
    if (typeof code === "number") this.push(code);
    else for (const part of code) this.code(part);
  }
  /** A section or a body: its byte length, then its bytes. */
  sized(id: number | null, content: Bytes) {
    if (id !== null) this.push(id);
    this.append(unsignedLeb(content.length));
    this.append(content.view());
  }
  view(): Uint8Array<ArrayBuffer> {
    return this.#bytes.subarray(0, this.length);
  }
}

const vector = (items: number[][]): number[] => [...unsignedLeb(items.length), ...items.flat()];
const name = (text: string): number[] => {
  const bytes = new TextEncoder().encode(text);
  return [...unsignedLeb(bytes.length), ...bytes];
};
const section = (id: number, content: number[]): number[] => [
  id,
  ...unsignedLeb(content.length),
  ...content,
];

/** The binary of a module. */
export function writeModule(module: WasmModule): Uint8Array<ArrayBuffer> {
  const types: string[] = [];
  const typeOf = module.functions.map((fn) => {
    const key = JSON.stringify([fn.params, fn.results]);
    if (!types.includes(key)) types.push(key);
    return types.indexOf(key);
  });
  const typeSection = vector(types.map((key) => {
    const [params, results] = JSON.parse(key) as number[][];
    return [0x60, ...vector(params.map((t) => [t])), ...vector(results.map((t) => [t]))];
  }));
  const exports = [[...name("memory"), 0x02, 0]];
  module.functions.forEach((fn, index) => {
    if (fn.exportName) exports.push([...name(fn.exportName), 0x00, ...unsignedLeb(index)]);
  });
  const code = new Bytes();
  code.append(unsignedLeb(module.functions.length));
  for (const fn of module.functions) {
    const runs: number[][] = [];
    for (const type of fn.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === type) last[0]++;
      else runs.push([1, type]);
    }
    const body = new Bytes();
    body.append(vector(runs.map(([count, type]) => [...unsignedLeb(count), type])));
    body.code(fn.body);
    body.push(0x0b);
    code.sized(null, body);
  }
  const out = new Bytes();
  out.append([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, typeSection),
    ...section(3, vector(typeOf.map((t) => unsignedLeb(t)))),
    ...section(5, vector([[0x00, ...unsignedLeb(module.memoryPages)]])),
    ...section(7, vector(exports)),
  ]);
  out.sized(10, code);
  return out.view().slice();
}

/**
 * `bytes` compiled, or null where this engine cannot run them: no WebAssembly, or not the
 * features the module uses (SIMD).
 */
export function compiledIfValid(bytes: Uint8Array<ArrayBuffer>): WebAssembly.Module | null {
  return typeof WebAssembly === "object" && WebAssembly.validate(bytes)
    ? new WebAssembly.Module(bytes)
    : null;
}
