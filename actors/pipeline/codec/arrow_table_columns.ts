/**
 * Reads any Arrow IPC stream of transactions as columns, through apache-arrow: a stream another
 * writer made (pyarrow, Arrow in another language, fraudstream before the wire schema v2, which
 * wrote text as Utf8 or Dictionary<Int32, Utf8> and numbers as Float64). Columns are found by
 * name (others are ignored) in any number of record batches, and converted by type:
 *
 * - text columns: Utf8, LargeUtf8, or a dictionary of either (views over apache-arrow's buffers
 *   when the column is one plain Utf8 chunk);
 * - `cc_num`: Uint64, Int64, or text digits; `gender`, `category`: text;
 * - `dob`, `trans_date`: Date32, Date64, Timestamp, or `YYYY-MM-DD` text;
 * - `trans_time`: Time32, Time64, or `HH:MM:SS` text;
 * - the numbers and `is_fraud`: any integer or floating-point type (64-bit integers while exact),
 *   `unix_time` also a Timestamp, `is_fraud` also a Bool.
 *
 * A value that cannot be converted becomes one the row validator refuses (a card number of 0, a
 * gender or flag code of 255, a day before year 1, a time of -1), so its reason is the validator's;
 * an unknown category is refused here, by name.
 *
 * @module
 */

import { type Data, DataType, DateUnit, Precision, tableFromIPC, type Vector } from "apache-arrow";
import {
  allocateColumns,
  type TextColumn,
  type TransactionColumns,
} from "../../../model/columns.ts";
import {
  calendarDay,
  categoryIndex,
  genderCode,
  NOT_A_DAY,
  readCardNumber,
  secondOfDay,
} from "../../../model/value_bytes.ts";
import { ipcMessages, MessageType } from "./arrow_ipc.ts";
import { WIRE_FIELDS, type WireField } from "./arrow_wire_schema.ts";
import { DecodeError } from "./decode_error.ts";

const NOT_A_CODE = 255;
const NOT_A_SECOND = -1;
const DAY_MS = 86_400_000;
const DAY_S = 86_400;
const decoder = new TextDecoder();

/** Per `TimeUnit` (SECOND, MILLISECOND, MICROSECOND, NANOSECOND): units per second. */
const PER_SECOND = [1n, 1_000n, 1_000_000n, 1_000_000_000n];

/**
 * The transactions of any Arrow IPC stream as columns (not yet checked by the row validator).
 *
 * @throws {DecodeError} the stream is not valid or cut short, a column is missing, has nulls, or
 * has a type that cannot be read as that column.
 */
export function readTableColumns(body: Uint8Array): TransactionColumns {
  const messages = ipcMessages(body);
  if (messages.length === 0 || messages[0].type !== MessageType.Schema) {
    throw new DecodeError("not a valid Arrow IPC stream");
  }
  let table;
  try {
    table = tableFromIPC(body);
  } catch {
    throw new DecodeError("not a valid Arrow IPC stream");
  }
  const columns = allocateColumns(table.numRows);
  for (const field of WIRE_FIELDS) {
    const vector = table.getChild(field.name);
    if (!vector) throw new DecodeError(`Arrow column '${field.name}' is missing`);
    if (vector.nullCount > 0) throw new DecodeError(`Arrow column '${field.name}' has nulls`);
    readColumn(columns, field, vector);
  }
  return columns;
}

function readColumn(columns: TransactionColumns, field: WireField, vector: Vector): void {
  const type = vector.type;
  const wrongType = () =>
    new DecodeError(`Arrow column '${field.name}' has type ${type}, which it cannot be read as`);
  if (field.kind === "text") {
    if (!isText(type)) throw wrongType();
    columns.text[field.key] = textColumn(vector);
    return;
  }
  if (field.kind === "card") return readCards(columns.card, vector, wrongType);
  const out = columns[field.key] as Float64Array | Int32Array | Uint8Array;
  const store = (row: number, value: number) => (out[row] = value);
  switch (field.kind) {
    case "code": {
      if (!isText(type)) throw wrongType();
      const code = field.name === "gender" ? genderCode : categoryIndex;
      return eachText(vector, (bytes, start, end) => {
        const value = code(bytes, start, end);
        if (value >= 0) return value;
        if (field.name !== "category") return NOT_A_CODE;
        throw new DecodeError(`unknown category '${decoder.decode(bytes.subarray(start, end))}'`);
      }, store);
    }
    case "day":
      if (isText(type)) return eachText(vector, calendarDay, store);
      if (DataType.isDate(type)) {
        const perDay = type.unit === DateUnit.DAY ? 1 : DAY_MS;
        return eachValue(vector, (row, value) => store(row, dayOf(value, perDay)));
      }
      if (DataType.isTimestamp(type)) {
        const perDay = Number(PER_SECOND[type.unit]) * DAY_S;
        return eachValue(vector, (row, value) => store(row, dayOf(value, perDay)));
      }
      throw wrongType();
    case "second":
      if (isText(type)) return eachText(vector, secondOfDay, store);
      if (DataType.isTime(type)) {
        const perSecond = Number(PER_SECOND[type.unit]);
        return eachValue(vector, (row, value) => store(row, secondOf(value, perSecond)));
      }
      throw wrongType();
    case "flag":
      if (DataType.isBool(type)) return eachBit(vector, store);
      if (!isNumber(type)) throw wrongType();
      return eachValue(vector, (row, value) => {
        store(
          row,
          value === 0 || value === 1 || value === 0n || value === 1n ? Number(value) : NOT_A_CODE,
        );
      });
    case "float": {
      if (field.name === "unix_time" && DataType.isTimestamp(type)) {
        const perSecond = PER_SECOND[type.unit];
        return eachValue(vector, (row, value) => {
          const units = BigInt(value);
          store(row, Number(units / perSecond) + Number(units % perSecond) / Number(perSecond));
        });
      }
      if (!isNumber(type)) throw wrongType();
      const single = vector.data.length === 1 ? vector.data[0] : undefined;
      if (single && single.values instanceof Float64Array) {
        const view = single.values.subarray(single.offset, single.offset + single.length);
        (columns as unknown as Record<string, Float64Array>)[field.key] = view;
        return;
      }
      return eachValue(vector, (row, value) => store(row, exactNumber(value, field.name)));
    }
  }
}

function isText(type: DataType): boolean {
  const values = DataType.isDictionary(type) ? type.dictionary : type;
  return DataType.isUtf8(values) || DataType.isLargeUtf8(values);
}

/** Integers and 32- or 64-bit floating point (not half floats, stored as raw bits). */
function isNumber(type: DataType): boolean {
  return DataType.isInt(type) || (DataType.isFloat(type) && type.precision !== Precision.HALF);
}

function exactNumber(value: number | bigint, name: string): number {
  if (typeof value === "bigint" && !(value >= -(2n ** 53n) && value <= 2n ** 53n)) {
    throw new DecodeError(`Arrow column '${name}' has ${value}, which a number cannot hold`);
  }
  return Number(value);
}

/** The day of a count of `perDay` units since the epoch, or `NOT_A_DAY`. */
function dayOf(value: number | bigint, perDay: number): number {
  const day = Math.floor(Number(value) / perDay);
  return day >= NOT_A_DAY && day < 2 ** 31 ? day : NOT_A_DAY;
}

/** The second of the day of a time in `perSecond` units since midnight, or `NOT_A_SECOND`. */
function secondOf(value: number | bigint, perSecond: number): number {
  const second = Math.floor(Number(value) / perSecond);
  return second >= 0 && second < DAY_S ? second : NOT_A_SECOND;
}

/** A text column of any text type, over apache-arrow's buffers when it is one plain chunk. */
function textColumn(vector: Vector): TextColumn {
  const pieces = vector.data.map(textPiece);
  if (pieces.length === 1) return pieces[0];
  let total = 0;
  for (const piece of pieces) total += piece.bytes.length;
  const bytes = new Uint8Array(total);
  const start = new Int32Array(vector.length);
  const end = new Int32Array(vector.length);
  let base = 0;
  let row = 0;
  for (const piece of pieces) {
    bytes.set(piece.bytes, base);
    for (let i = 0; i < piece.start.length; i++, row++) {
      start[row] = piece.start[i] + base;
      end[row] = piece.end[i] + base;
    }
    base += piece.bytes.length;
  }
  return { bytes, start, end };
}

/** One chunk of a text column, its ranges checked against its bytes. */
function textPiece(data: Data): TextColumn {
  const { offset, length } = data;
  if (DataType.isDictionary(data.type)) {
    const dictionary = textColumn(data.dictionary!);
    const start = new Int32Array(length);
    const end = new Int32Array(length);
    eachIndex(data, dictionary.start.length, (i, index) => {
      start[i] = dictionary.start[index];
      end[i] = dictionary.end[index];
    });
    return { bytes: dictionary.bytes, start, end };
  }
  const bytes = (data.values ?? new Uint8Array(0)) as Uint8Array;
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const starts = offsets instanceof Int32Array
    ? offsets.subarray(offset, offset + length + 1)
    : Int32Array.from(offsets.subarray(offset, offset + length + 1), Number);
  for (let i = 0; i < length; i++) {
    if (!(starts[i] >= 0 && starts[i] <= starts[i + 1] && starts[i + 1] <= bytes.length)) {
      throw new DecodeError("Arrow text offsets out of order or range");
    }
  }
  return { bytes, start: starts.subarray(0, length), end: starts.subarray(1) };
}

/** Calls `use(i, index)` for each row of a dictionary chunk, its index checked below `size`. */
function eachIndex(data: Data, size: number, use: (i: number, index: number) => void): void {
  const indices = data.values as ArrayLike<number | bigint>;
  for (let i = 0; i < data.length; i++) {
    const index = Number(indices[data.offset + i]);
    if (!(index >= 0 && index < size)) throw new DecodeError("Arrow dictionary index out of range");
    use(i, index);
  }
}

/**
 * Calls `store(row, parse(bytes, start, end))` for every row of a text vector; each value of a
 * dictionary is parsed once.
 */
function eachText<T>(
  vector: Vector,
  parse: (bytes: Uint8Array, start: number, end: number) => T,
  store: (row: number, value: T) => void,
): void {
  let row = 0;
  for (const data of vector.data) {
    if (DataType.isDictionary(data.type)) {
      const { bytes, start, end } = textColumn(data.dictionary!);
      const parsed: T[] = new Array(start.length);
      const done = new Uint8Array(start.length);
      const base = row;
      eachIndex(data, start.length, (i, index) => {
        if (!done[index]) {
          parsed[index] = parse(bytes, start[index], end[index]);
          done[index] = 1;
        }
        store(base + i, parsed[index]);
      });
      row += data.length;
      continue;
    }
    const { bytes, start, end } = textPiece(data);
    for (let i = 0; i < data.length; i++) store(row++, parse(bytes, start[i], end[i]));
  }
}

/** Calls `store(row, value)` for every row of a vector of integers, floats, dates or times. */
function eachValue(vector: Vector, store: (row: number, value: number | bigint) => void): void {
  let row = 0;
  for (const data of vector.data) {
    const values = data.values as ArrayLike<number | bigint>;
    for (let i = data.offset; i < data.offset + data.length; i++) store(row++, values[i]);
  }
}

/** Calls `store(row, bit)` for every row of a Bool vector. */
function eachBit(vector: Vector, store: (row: number, value: number) => void): void {
  let row = 0;
  for (const data of vector.data) {
    const bits = data.values as Uint8Array;
    for (let i = data.offset; i < data.offset + data.length; i++) {
      store(row++, (bits[i >> 3] >> (i & 7)) & 1);
    }
  }
}

/** Card numbers from 64-bit integers or text digits; a negative or malformed one becomes 0. */
function readCards(out: Uint32Array, vector: Vector, wrongType: () => DecodeError): void {
  const type = vector.type;
  if (isText(type)) {
    const parse = (bytes: Uint8Array, start: number, end: number) => {
      const words = new Uint32Array(2);
      return readCardNumber(bytes, start, end, words, 0) ? words : undefined;
    };
    return eachText(vector, parse, (row, words) => {
      out[2 * row] = words ? words[0] : 0;
      out[2 * row + 1] = words ? words[1] : 0;
    });
  }
  if (!DataType.isInt(type) || type.bitWidth !== 64) throw wrongType();
  let row = 0;
  for (const data of vector.data) {
    const values = data.values as BigUint64Array | BigInt64Array;
    const words = new Uint32Array(values.buffer, values.byteOffset, 2 * values.length);
    for (let i = data.offset; i < data.offset + data.length; i++, row++) {
      const negative = type.isSigned && words[2 * i + 1] >= 0x80000000;
      out[2 * row] = negative ? 0 : words[2 * i];
      out[2 * row + 1] = negative ? 0 : words[2 * i + 1];
    }
  }
}
