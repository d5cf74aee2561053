/**
 * The text columns of Arrow messages gathered in WebAssembly: a chunk's bytes and the ranges of
 * its text columns are copied into the module's memory once (`load`); then a message's rows are
 * gathered there, a row's twelve texts one after the other, each into its column's data, back to
 * back, with the column's offsets (`selectRows`, one call a message); each column is then copied
 * out in two pieces (`writeColumn`). In JavaScript that gather took a third of the producer's
 * encoding (a short text four bytes a step through `DataView`s, twelve texts a row).
 *
 * A text is copied thirty-two bytes at once whatever its length (most are shorter, so no branch
 * is mispredicted), then sixteen a step: the bytes past its end are the next row's place in the
 * module's own output, written over next, and never copied out. The output is `writeText`'s
 * (`arrow_writer.ts`) to the byte; `tests/actors/pipeline/codec/arrow_text_wasm_test.ts` compares
 * the two.
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
  compiledIfValid,
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
/** Slack after the source bytes and the output, for the copies reading or writing past the end. */
const SLACK = 32;
/**
 * The table at address 0, per text column: the addresses of its starts, its ends, its offsets
 * out, its data out, and where its next text goes.
 */
const COLUMN_INTS = 5;
const [STARTS, ENDS, OFFSETS, DATA, NEXT] = [0, 1, 2, 3, 4];
/** Address of the source bytes, after the table. */
const SOURCE = 16 * Math.ceil((4 * COLUMN_INTS * TEXT_COLUMNS.length) / 16);

interface GatherExports {
  memory: WebAssembly.Memory;
  gather(rows: number, count: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** The module, compiled once per thread; null where the engine has no WebAssembly SIMD. */
function gatherModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  const bytes = writeModule({
    memoryPages: 1,
    functions: [{
      exportName: "gather",
      params: [I32, I32],
      results: [],
      locals: Array(6).fill(I32),
      body: gatherCode(),
    }],
  });
  compiled = compiledIfValid(bytes);
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
  /** The table of columns (`COLUMN_INTS` a column) as 32-bit words. */
  #table: Int32Array = new Int32Array(0);
  /** Rows of the columns loaded. */
  #length = 0;
  /** Address of the rows. */
  #rowsAt = 0;
  /** Rows gathered by the last `selectRows`. */
  #count = 0;
  /** The number of the last `selectRows` that picked each row (to refuse a row twice). */
  #picked = new Uint32Array(0);
  #pick = 0;

  private constructor(module: WebAssembly.Module) {
    this.#exports = new WebAssembly.Instance(module).exports as unknown as GatherExports;
    this.#views();
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
    // The table, the source, each column's starts and ends, the rows, then each column's offsets
    // and data out (room for all its text).
    const cuts = align(SOURCE + source.length + SLACK);
    const rowsAt = cuts + 8 * n * TEXT_COLUMNS.length;
    let needed = rowsAt + 4 * n;
    const places = TEXT_COLUMNS.map((name) => {
      const { start, end } = columns.text[name];
      let total = 0;
      for (let i = 0; i < n; i++) total += end[i] - start[i];
      const offsets = align(needed);
      const data = align(offsets + 4 * (n + 1));
      needed = data + total + SLACK;
      return { offsets, data };
    });
    if (needed > MOST_BYTES) return false;
    const { memory } = this.#exports;
    if (needed > memory.buffer.byteLength) {
      memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE_BYTES));
      this.#views();
    }
    this.#bytes.set(source, SOURCE);
    const words = new Int32Array(memory.buffer);
    TEXT_COLUMNS.forEach((name, k) => {
      const { start, end } = columns.text[name];
      const starts = cuts + 8 * k * n;
      words.set(start.subarray(0, n), starts / 4);
      words.set(end.subarray(0, n), starts / 4 + n);
      const entry = k * COLUMN_INTS;
      this.#table[entry + STARTS] = starts;
      this.#table[entry + ENDS] = starts + 4 * n;
      this.#table[entry + OFFSETS] = places[k].offsets;
      this.#table[entry + DATA] = places[k].data;
    });
    this.#length = n;
    this.#rowsAt = rowsAt;
    this.#count = 0;
    return true;
  }

  /**
   * Gathers the text of rows `rows[k]` of the columns loaded for each `k < count` (or the first
   * `count` rows in order without `rows`), a row's twelve texts one after the other; then
   * `writeColumn` writes each column out. Each column's room is its text of every row once, so
   * the rows must be distinct.
   *
   * @throws {RangeError} more rows than the columns loaded hold, a row they do not hold, or a row
   * twice.
   */
  selectRows(rows: Int32Array | undefined, count: number): void {
    const n = this.#length;
    if (count > n) throw new RangeError("more rows selected than the columns hold");
    const at = new Int32Array(this.#exports.memory.buffer, this.#rowsAt, count);
    if (rows) {
      if (this.#picked.length < n) {
        this.#picked = new Uint32Array(Math.max(n, 2 * this.#picked.length));
      }
      if (this.#pick === 0xffffffff) {
        this.#picked.fill(0);
        this.#pick = 0;
      }
      const picked = this.#picked;
      const pick = ++this.#pick;
      for (let k = 0; k < count; k++) {
        const row = rows[k];
        if (!(row >= 0 && row < n) || picked[row] === pick) {
          throw new RangeError(`row ${row} is not one of the ${n} loaded, or is selected twice`);
        }
        picked[row] = pick;
      }
      at.set(rows.subarray(0, count));
    } else for (let k = 0; k < count; k++) at[k] = k;
    this.#exports.gather(this.#rowsAt, count);
    this.#count = count;
  }

  /**
   * Writes text column `name` of the rows gathered into `out` at `place`: their offsets after the
   * first, then their bytes.
   */
  writeColumn(out: Uint8Array, place: TextPlace, name: TextColumnName): void {
    const entry = TEXT_COLUMNS.indexOf(name) * COLUMN_INTS;
    const offsets = this.#table[entry + OFFSETS];
    const data = this.#table[entry + DATA];
    const bytes = this.#bytes;
    out.set(bytes.subarray(offsets + 4, offsets + 4 * (this.#count + 1)), place.offsetsAt + 4);
    out.set(bytes.subarray(data, this.#table[entry + NEXT]), place.dataAt);
  }

  #views(): void {
    const { buffer } = this.#exports.memory;
    this.#bytes = new Uint8Array(buffer);
    this.#table = new Int32Array(buffer, 0, TEXT_COLUMNS.length * COLUMN_INTS);
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
 * The body of `gather(rows, count)`: for each of `count` rows `i = rows[k]`, for each text column
 * in turn, the source bytes `[starts[i], ends[i])` (offsets in the source) to the column's data,
 * back to back from the column's `DATA`, and after each the column's length so far as its
 * `offsets[k + 1]`; each column's `NEXT` is left where its data ends.
 */
function gatherCode(): Code {
  const [rows, count] = [0, 1];
  const [k, row, from, length, to, j] = [2, 3, 4, 5, 6, 7];
  const get = local.get;
  const set = local.set;
  const field = (entry: number, slot: number) => i32.load(4 * (entry + slot), i32.const(0));
  const column = (c: number): Code => {
    const entry = c * COLUMN_INTS;
    return [
      set(from, i32.load(0, i32.add(field(entry, STARTS), get(row)))),
      set(length, i32.sub(i32.load(0, i32.add(field(entry, ENDS), get(row))), get(from))),
      set(from, i32.add(get(from), i32.const(SOURCE))),
      set(to, field(entry, NEXT)),
      // Thirty-two bytes whatever the length (most texts are shorter: no branch to mispredict),
      // then sixteen a step for a longer one.
      v128.store(0, get(to), v128.load(0, get(from))),
      v128.store(16, get(to), v128.load(16, get(from))),
      set(j, i32.const(32)),
      control.block( // 1 from the loop: the text is copied
        control.loop( // 0: sixteen bytes
          control.brIf(1, i32.geU(get(j), get(length))),
          v128.store(0, i32.add(get(to), get(j)), v128.load(0, i32.add(get(from), get(j)))),
          set(j, i32.add(get(j), i32.const(16))),
          control.br(0),
        ),
      ),
      set(to, i32.add(get(to), get(length))),
      i32.store(4 * (entry + NEXT), i32.const(0), get(to)),
      i32.store(
        4,
        i32.add(field(entry, OFFSETS), i32.shl(get(k), i32.const(2))),
        i32.sub(get(to), field(entry, DATA)),
      ),
    ];
  };
  return [
    ...TEXT_COLUMNS.map((_, c) =>
      i32.store(4 * (c * COLUMN_INTS + NEXT), i32.const(0), field(c * COLUMN_INTS, DATA))
    ),
    set(k, i32.const(0)),
    control.block( // 1 from the loop: done
      control.loop( // 0: the next row
        control.brIf(1, i32.geU(get(k), get(count))),
        set(
          row,
          i32.shl(i32.load(0, i32.add(get(rows), i32.shl(get(k), i32.const(2)))), i32.const(2)),
        ),
        ...TEXT_COLUMNS.map((_, c) => column(c)),
        set(k, i32.add(get(k), i32.const(1))),
        control.br(0),
      ),
    ),
  ];
}
