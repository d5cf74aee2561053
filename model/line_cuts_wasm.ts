/**
 * `cutLine` in WebAssembly, sixteen bytes a step: a chunk's bytes are copied into the module's
 * memory once, then cut a thousand lines a call, each line's cuts written into a table the reader
 * copies them from. The cuts are `cutLine`'s to the byte (`tests/model/line_cuts_wasm_test.ts`
 * compares the two on random bytes); a step compares sixteen bytes with `|` and with a line feed
 * and goes on at once when neither is there, where `cutLine` reads four bytes a step.
 *
 * The same module finds a block's line feeds for `csv_lines.ts` (`feeds`), thousands a call, where
 * `indexOf` was called once a line.
 *
 * @example
 * ```ts
 * const cutter = LineCutter.create()!;
 * const bytes = new TextEncoder().encode("a|b\nc\n");
 * cutter.load(bytes);
 * const lines = cutter.cut(0, bytes.length); // 2
 * const cuts = new LineCuts();
 * cutter.read(0, cuts); // cuts.fields === 2, cuts.next === 4
 * ```
 *
 * @module
 */

import {
  type Code,
  compiledIfValid,
  control,
  I32,
  i32,
  i8x16,
  local,
  PAGE_BYTES,
  V128,
  v128,
  writeModule,
} from "./forest/wasm_writer.ts";
import { FIELD_COUNT, type LineCuts } from "./row_validator.ts";

/** Lines cut per call. */
const LINES_PER_CALL = 1024;
/** Per line: its `FIELD_COUNT + 1` cuts, its field count, where the next line starts. */
const RECORD_INTS = FIELD_COUNT + 3;
const FIELDS_AT = FIELD_COUNT + 1;
const NEXT_AT = FIELD_COUNT + 2;
/** The table of records first, then the bytes (16-aligned). */
const INPUT = Math.ceil((LINES_PER_CALL * RECORD_INTS * 4) / 16) * 16;

const PIPE = 0x7c;
const LF = 0x0a;
const CR = 0x0d;

interface CutterExports {
  memory: WebAssembly.Memory;
  cut(at: number, limit: number, lines: number): number;
  feeds(at: number, limit: number, most: number): number;
}

/** Line feeds found per call of `feeds` (their offsets fill the table of records). */
const FEEDS_PER_CALL = LINES_PER_CALL * RECORD_INTS;

let compiled: WebAssembly.Module | null | undefined;

/** The module, compiled once per thread; null where the engine has no WebAssembly SIMD. */
function cutterModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  const bytes = writeModule({
    memoryPages: Math.ceil((INPUT + 16) / PAGE_BYTES),
    functions: [{
      exportName: "cut",
      params: [I32, I32, I32],
      results: [I32],
      locals: [...Array(8).fill(I32), V128],
      body: cutCode(),
    }, {
      exportName: "feeds",
      params: [I32, I32, I32],
      results: [I32],
      locals: [I32, I32, I32, I32, I32],
      body: feedsCode(),
    }],
  });
  compiled = compiledIfValid(bytes);
  return compiled;
}

/**
 * Cuts the lines of a chunk of bytes, or finds the line feeds of a block, in WebAssembly (see the
 * module notes). Its memory grows to the largest bytes loaded and stays so.
 */
export class LineCutter {
  readonly #exports: CutterExports;
  #records: Int32Array;
  #input: Uint8Array;

  private constructor(module: WebAssembly.Module) {
    this.#exports = new WebAssembly.Instance(module).exports as unknown as CutterExports;
    this.#records = new Int32Array(0);
    this.#input = new Uint8Array(0);
    this.#views();
  }

  /** A cutter, or undefined where the engine cannot run one (then `cutLine` cuts). */
  static create(): LineCutter | undefined {
    const module = cutterModule();
    return module ? new LineCutter(module) : undefined;
  }

  /** Copies `bytes` into the module (growing its memory when they need more); `cut` cuts them. */
  load(bytes: Uint8Array): void {
    const needed = INPUT + bytes.length + 16;
    const { memory } = this.#exports;
    if (needed > memory.buffer.byteLength) {
      memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE_BYTES));
      this.#views();
    }
    this.#input.set(bytes);
  }

  /**
   * Cuts the lines that start at `at` of the bytes loaded, up to `limit`, as `cutLine` does: at
   * most `LINES_PER_CALL` of them, each line starting where the one before ends; returns how many
   * (0 when `at >= limit`). `read` gives each.
   */
  cut(at: number, limit: number): number {
    return this.#exports.cut(at, limit, LINES_PER_CALL);
  }

  /** Writes line `line` of the last `cut` into `out`, as `cutLine` would have. */
  read(line: number, out: LineCuts): void {
    const records = this.#records;
    const base = line * RECORD_INTS;
    const cuts = out.cuts;
    for (let f = 0; f <= FIELD_COUNT; f++) cuts[f] = records[base + f];
    out.fields = records[base + FIELDS_AT];
    out.next = records[base + NEXT_AT];
  }

  /**
   * Finds the line feeds of the bytes loaded from `at` up to `limit`, at most `FEEDS_PER_CALL` of
   * them; returns how many (0 when there is none). `feedAt` gives each, in order.
   */
  feeds(at: number, limit: number): number {
    return this.#exports.feeds(at, limit, FEEDS_PER_CALL);
  }

  /** The offset of line feed `k` of the last `feeds`. */
  feedAt(k: number): number {
    return this.#records[k];
  }

  #views(): void {
    const { buffer } = this.#exports.memory;
    this.#records = new Int32Array(buffer, 0, FEEDS_PER_CALL);
    this.#input = new Uint8Array(buffer, INPUT);
  }
}

/** What a thread cuts with a `LineCutter`: each has an instance of its own. */
export type LineCutterUse = "chunks" | "file blocks";

const threadCutters = new Map<LineCutterUse, LineCutter | null>();

/**
 * The thread's cutter for `use`, made on first use, or null where the engine has none (then
 * `cutLine` and `indexOf` do the work). The uses have instances of their own because one may load
 * its bytes between two calls of the other: `readColumns` reads a block's chunk into columns while
 * `readLineBlocks` is still finding that block's line feeds.
 */
export function threadLineCutter(use: LineCutterUse): LineCutter | null {
  let cutter = threadCutters.get(use);
  if (cutter === undefined) threadCutters.set(use, cutter = LineCutter.create() ?? null);
  return cutter;
}

/**
 * The body of `cut(at, limit, lines) -> lines cut`. Positions are byte addresses in the module
 * (`INPUT` + an offset in the chunk) until they are stored, as offsets.
 */
function cutCode(): Code {
  // The parameters, then the locals: eight i32 and a vector.
  const [at, limit, most] = [0, 1, 2];
  const [lines, record, i, found, mask, p, start, end, bytes16] = [3, 4, 5, 6, 7, 8, 9, 10, 11];
  const get = local.get;
  const set = local.set;
  const offset = (address: Code) => i32.sub(address, i32.const(INPUT));
  const splat = (byte: number) => v128.const(new Uint8Array(16).fill(byte));
  /** A separator at `p`: its cut, while the line has at most `FIELD_COUNT` fields so far. */
  const separator = [
    control.if(
      i32.ltU(get(found), i32.const(FIELD_COUNT - 1)),
      i32.store(4, i32.add(get(record), i32.shl(get(found), i32.const(2))), offset(get(p))),
    ),
    set(found, i32.add(get(found), i32.const(1))),
  ];
  const isByte = (address: Code, byte: number) => i32.eq(i32.load8U(0, address), i32.const(byte));
  return [
    set(i, i32.add(get(at), i32.const(INPUT))),
    set(end, i32.add(get(limit), i32.const(INPUT))),
    set(lines, i32.const(0)),
    control.block( // 1: done
      control.loop( // 0: the next line
        control.brIf(1, i32.geU(get(lines), get(most))),
        control.brIf(1, i32.geU(get(i), get(end))),
        set(start, get(i)),
        set(record, i32.mul(get(lines), i32.const(RECORD_INTS * 4))),
        i32.store(0, get(record), i32.sub(offset(get(start)), i32.const(1))),
        set(found, i32.const(0)),
        control.block( // end of line: `i` is at its line feed, or at the limit
          control.loop( // scan
            control.if(
              i32.geU(get(end), i32.add(get(i), i32.const(16))),
              set(bytes16, v128.load(0, get(i))),
              set(
                mask,
                i8x16.bitmask(v128.or(
                  i8x16.eq(get(bytes16), splat(PIPE)),
                  i8x16.eq(get(bytes16), splat(LF)),
                )),
              ),
              control.block( // 2 from the `if` below: the sixteen bytes are done
                control.loop( // 1 from the `if` below: the next byte found
                  control.brIf(1, i32.eqz(get(mask))),
                  set(p, i32.add(get(i), i32.ctz(get(mask)))),
                  control.if(isByte(get(p), LF), set(i, get(p)), control.br(5)),
                  separator,
                  set(mask, i32.and(get(mask), i32.sub(get(mask), i32.const(1)))),
                  control.br(0),
                ),
              ),
              set(i, i32.add(get(i), i32.const(16))),
              control.br(1),
            ),
            // Fewer than sixteen bytes left: one at a time.
            control.brIf(1, i32.geU(get(i), get(end))),
            set(p, get(i)),
            control.if(isByte(get(p), LF), control.br(2)),
            control.if(isByte(get(p), PIPE), separator),
            set(i, i32.add(get(i), i32.const(1))),
            control.br(0),
          ),
        ),
        // The line ends before a CR that precedes its line feed or the limit.
        i32.store(
          4 * FIELD_COUNT,
          get(record),
          offset(control.select(
            i32.sub(get(i), i32.const(1)),
            get(i),
            i32.and(i32.gtU(get(i), get(start)), isByte(i32.sub(get(i), i32.const(1)), CR)),
          )),
        ),
        i32.store(4 * FIELDS_AT, get(record), i32.add(get(found), i32.const(1))),
        set(i, control.select(i32.add(get(i), i32.const(1)), get(i), i32.ltU(get(i), get(end)))),
        i32.store(4 * NEXT_AT, get(record), offset(get(i))),
        set(lines, i32.add(get(lines), i32.const(1))),
        control.br(0),
      ),
    ),
    get(lines),
  ];
}

/** The body of `feeds(at, limit, most) -> feeds found`: their offsets, in the table from 0. */
function feedsCode(): Code {
  const [at, limit, most] = [0, 1, 2];
  const [found, i, end, mask, p] = [3, 4, 5, 6, 7];
  const get = local.get;
  const set = local.set;
  /** A line feed at `p`: its offset stored; the call ends once it has found `most`. */
  const feed = (done: number) => [
    i32.store(0, i32.shl(get(found), i32.const(2)), i32.sub(get(p), i32.const(INPUT))),
    set(found, i32.add(get(found), i32.const(1))),
    control.brIf(done, i32.geU(get(found), get(most))),
  ];
  return [
    set(i, i32.add(get(at), i32.const(INPUT))),
    set(end, i32.add(get(limit), i32.const(INPUT))),
    set(found, i32.const(0)),
    control.block( // 4 from the innermost loop: done
      control.block( // 3: fewer than sixteen bytes left
        control.loop( // 2: sixteen bytes a step
          control.brIf(1, i32.ltU(get(end), i32.add(get(i), i32.const(16)))),
          set(
            mask,
            i8x16.bitmask(i8x16.eq(v128.load(0, get(i)), v128.const(new Uint8Array(16).fill(LF)))),
          ),
          control.block( // 1: the step's line feeds are done
            control.loop( // 0
              control.brIf(1, i32.eqz(get(mask))),
              set(p, i32.add(get(i), i32.ctz(get(mask)))),
              feed(4),
              set(mask, i32.and(get(mask), i32.sub(get(mask), i32.const(1)))),
              control.br(0),
            ),
          ),
          set(i, i32.add(get(i), i32.const(16))),
          control.br(0),
        ),
      ),
      control.loop( // one byte at a time (1: done)
        control.brIf(1, i32.geU(get(i), get(end))),
        set(p, get(i)),
        // In the `if`, done is 2.
        control.if(i32.eq(i32.load8U(0, get(p)), i32.const(LF)), feed(2)),
        set(i, i32.add(get(i), i32.const(1))),
        control.br(0),
      ),
    ),
    get(found),
  ];
}
