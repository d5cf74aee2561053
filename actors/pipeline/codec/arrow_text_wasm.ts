/**
 * The text columns of Arrow messages gathered in WebAssembly, sixteen bytes a step: a chunk's
 * bytes and the ranges of its text columns are copied into the module's memory once (`load`),
 * then each message's rows of a column are gathered there, back to back with their offsets
 * (`writeColumn`), and copied out in two pieces. In JavaScript that gather took a third of the
 * producer's encoding (a short text four bytes a step through `DataView`s, twelve texts a row).
 *
 * A step copies sixteen bytes even when the text ends inside them: the bytes past its end are the
 * next row's place in the module's own output, written over next, and never copied out. The
 * output is `writeText`'s (`arrow_writer.ts`) to the byte; `tests/actors/pipeline/codec/`
 * compares the two.
 *
 * @example
 * ```ts
 * const gather = threadTextGather();
 * if (gather?.load(columns)) {
 *   gather.selectRows(rows, rows.length);
 *   gather.writeColumn(out, { offsetsAt, dataAt }, "merchant");
 * }
 * ```
 *
 * @module
 */

import {
  type Code,
  control,
  I32,
  i32,
  local,
  PAGE_BYTES,
  v128,
  writeModule,
} from "../../../model/forest/wasm_writer.ts";
import {
  TEXT_COLUMNS,
  type TextColumnName,
  type TransactionColumns,
} from "../../../model/columns.ts";

/** The most bytes of memory a chunk may need; a larger one is written in JavaScript. */
const MOST_BYTES = 256 * 1024 * 1024;
/** Slack after the source bytes and the output, for a step reading or writing past the end. */
const SLACK = 16;

interface GatherExports {
  memory: WebAssembly.Memory;
  gather(
    rows: number,
    count: number,
    starts: number,
    ends: number,
    offsets: number,
    data: number,
  ): number;
}

let compiled: WebAssembly.Module | null | undefined;

/** The module, compiled once per thread; null where the engine has no WebAssembly SIMD. */
function gatherModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  const bytes = writeModule({
    memoryPages: 1,
    functions: [{
      exportName: "gather",
      params: [I32, I32, I32, I32, I32, I32],
      results: [I32],
      locals: Array(6).fill(I32),
      body: gatherCode(),
    }],
  });
  compiled = typeof WebAssembly === "object" && WebAssembly.validate(bytes)
    ? new WebAssembly.Module(bytes)
    : null;
  return compiled;
}

/** Where a text column goes in an Arrow message's body. */
export interface TextPlace {
  /** Byte offset in the output of the column's `count + 1` offsets (the first, 0, not written). */
  offsetsAt: number;
  /** Byte offset in the output of the column's data. */
  dataAt: number;
}

/**
 * Gathers rows of a chunk's text columns in WebAssembly (see the module notes). Its memory grows
 * to the largest chunk loaded and stays so.
 */
export class TextGather {
  readonly #exports: GatherExports;
  #bytes: Uint8Array = new Uint8Array(0);
  /** Rows of the columns loaded. */
  #length = 0;
  /** Addresses of the column ranges, the rows, the offsets and the data out. */
  #cuts = 0;
  #rowsAt = 0;
  #offsetsAt = 0;
  #dataAt = 0;
  /** Rows selected. */
  #count = 0;

  private constructor(module: WebAssembly.Module) {
    this.#exports = new WebAssembly.Instance(module).exports as unknown as GatherExports;
    this.#bytes = new Uint8Array(this.#exports.memory.buffer);
  }

  /** A gatherer, or undefined where the engine cannot run one (then `writeText` copies). */
  static create(): TextGather | undefined {
    const module = gatherModule();
    return module ? new TextGather(module) : undefined;
  }

  /**
   * Copies the text of `columns` into the module: false (and nothing loaded) when their text
   * columns do not share one buffer, as a parsed chunk's do, or it would need over 256 MB.
   */
  load(columns: TransactionColumns): boolean {
    const source = columns.text[TEXT_COLUMNS[0]].bytes;
    if (TEXT_COLUMNS.some((name) => columns.text[name].bytes !== source)) return false;
    const n = columns.length;
    const cuts = align(source.length + SLACK);
    const rowsAt = cuts + 8 * n * TEXT_COLUMNS.length;
    const offsetsAt = rowsAt + 4 * n;
    const dataAt = align(offsetsAt + 4 * (n + 1));
    const needed = dataAt + source.length + SLACK;
    if (needed > MOST_BYTES) return false;
    const { memory } = this.#exports;
    if (needed > memory.buffer.byteLength) {
      memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE_BYTES));
      this.#bytes = new Uint8Array(memory.buffer);
    }
    const bytes = this.#bytes;
    bytes.set(source);
    const words = new Int32Array(memory.buffer, cuts, 2 * n * TEXT_COLUMNS.length);
    TEXT_COLUMNS.forEach((name, k) => {
      const { start, end } = columns.text[name];
      words.set(start.subarray(0, n), 2 * k * n);
      words.set(end.subarray(0, n), (2 * k + 1) * n);
    });
    this.#length = n;
    this.#cuts = cuts;
    this.#rowsAt = rowsAt;
    this.#offsetsAt = offsetsAt;
    this.#dataAt = dataAt;
    this.#count = 0;
    return true;
  }

  /**
   * Picks the rows the next `writeColumn`s write: row `rows[k]` of the columns loaded for each
   * `k < count`, or the first `count` rows in order without `rows`.
   *
   * @throws {RangeError} more rows than the columns loaded hold.
   */
  selectRows(rows: Int32Array | undefined, count: number): void {
    if (count > this.#length) throw new RangeError("more rows selected than the columns hold");
    const at = new Int32Array(this.#exports.memory.buffer, this.#rowsAt, count);
    if (rows) at.set(rows.subarray(0, count));
    else for (let k = 0; k < count; k++) at[k] = k;
    this.#count = count;
  }

  /**
   * Writes text column `name` of the rows selected into `out` at `place`: their offsets after the
   * first, then their bytes.
   */
  writeColumn(out: Uint8Array, place: TextPlace, name: TextColumnName): void {
    const n = this.#length;
    const count = this.#count;
    const starts = this.#cuts + 8 * TEXT_COLUMNS.indexOf(name) * n;
    const total = this.#exports.gather(
      this.#rowsAt,
      count,
      starts,
      starts + 4 * n,
      this.#offsetsAt,
      this.#dataAt,
    );
    const bytes = this.#bytes;
    out.set(
      bytes.subarray(this.#offsetsAt + 4, this.#offsetsAt + 4 * (count + 1)),
      place.offsetsAt + 4,
    );
    out.set(bytes.subarray(this.#dataAt, this.#dataAt + total), place.dataAt);
  }
}

/** `at` rounded up to a multiple of 16. */
function align(at: number): number {
  return Math.ceil(at / 16) * 16;
}

let threadGather: TextGather | null | undefined;

/** The thread's gatherer, made on first use, or null where the engine has none. */
export function threadTextGather(): TextGather | null {
  if (threadGather === undefined) threadGather = TextGather.create() ?? null;
  return threadGather;
}

/**
 * The body of `gather(rows, count, starts, ends, offsets, data) -> bytes written`: for each of
 * `count` rows `i = rows[k]`, the source bytes `[starts[i], ends[i])` (addresses from 0) to the
 * data, back to back, and after each its end as `offsets[k + 1]`.
 */
function gatherCode(): Code {
  const [rows, count, starts, ends, offsets, data] = [0, 1, 2, 3, 4, 5];
  const [k, row, from, length, to, j] = [6, 7, 8, 9, 10, 11];
  const get = local.get;
  const set = local.set;
  // `at`, the bytes written so far, lives in `to` as the address of the next text.
  return [
    set(to, get(data)),
    set(k, i32.const(0)),
    control.block( // 1 from the loop: done
      control.loop( // 0: the next row
        control.brIf(1, i32.geU(get(k), get(count))),
        set(
          row,
          i32.shl(i32.load(0, i32.add(get(rows), i32.shl(get(k), i32.const(2)))), i32.const(2)),
        ),
        set(from, i32.load(0, i32.add(get(starts), get(row)))),
        set(length, i32.sub(i32.load(0, i32.add(get(ends), get(row))), get(from))),
        set(j, i32.const(0)),
        control.block( // 1 from the loop: the text is copied
          control.loop( // 0: sixteen bytes
            control.brIf(1, i32.geU(get(j), get(length))),
            v128.store(0, i32.add(get(to), get(j)), v128.load(0, i32.add(get(from), get(j)))),
            set(j, i32.add(get(j), i32.const(16))),
            control.br(0),
          ),
        ),
        set(to, i32.add(get(to), get(length))),
        set(k, i32.add(get(k), i32.const(1))),
        i32.store(
          0,
          i32.add(get(offsets), i32.shl(get(k), i32.const(2))),
          i32.sub(get(to), get(data)),
        ),
        control.br(0),
      ),
    ),
    i32.sub(get(to), get(data)),
  ];
}
