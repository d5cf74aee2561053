/**
 * Transactions on the wire. `json`: one message per transaction, readable by any Kafka tool.
 * `arrow`: one Apache Arrow IPC stream (one record batch) per message, for throughput. The
 * `encoding` header names the format; a message without it is read as JSON, so records written by
 * other tools (e.g. `kcat -P`) are accepted.
 *
 * @module
 */

import {
  Dictionary,
  Int32,
  makeData,
  makeVector,
  Table,
  tableFromIPC,
  tableToIPC,
  Utf8,
  type Vector,
} from "apache-arrow";
import { CATEGORIES, type Category, COLUMNS, type Transaction } from "../../model/schema.ts";

/** Wire formats of the transactions topic. */
export type WireEncoding = "json" | "arrow";

/** Name of the header that says how a message is encoded. */
export const ENCODING_HEADER = "encoding";

/** A message could not be decoded; it belongs in the dead-letter topic with this reason. */
export class DecodeError extends Error {
  override name = "DecodeError";
}

const NUMERIC = new Set<string>([
  "lat",
  "long",
  "city_pop",
  "unix_time",
  "amt",
  "is_fraud",
  "merch_lat",
  "merch_long",
]);

const STRING_COLUMNS = COLUMNS.filter((column) => !NUMERIC.has(column));
const NUMERIC_COLUMNS = COLUMNS.filter((column) => NUMERIC.has(column));
const CATEGORY_SET = new Set<string>(CATEGORIES);

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

/** Encodes one transaction as a JSON message body. */
export function encodeJson(transaction: Transaction): Uint8Array {
  return textEncoder.encode(JSON.stringify(transaction));
}

/**
 * Encodes transactions as one Arrow IPC stream. String columns are dictionary-encoded: a card's
 * fields repeat on every one of its transactions, so the values are stored (and later decoded)
 * once per message; only `trans_num`, unique per row, is a plain string column.
 */
export function encodeArrow(transactions: Transaction[]): Uint8Array {
  const columns: Record<string, Vector> = {};
  for (const column of STRING_COLUMNS) {
    const key = column as keyof Transaction;
    columns[column] = column === "trans_num"
      ? utf8Vector(transactions.map((row) => row[key] as string))
      : dictionaryVector(transactions, key);
  }
  for (const column of NUMERIC_COLUMNS) {
    const values = new Float64Array(transactions.length);
    for (let i = 0; i < transactions.length; i++) {
      values[i] = transactions[i][column as keyof Transaction] as number;
    }
    columns[column] = makeVector(values);
  }
  return tableToIPC(new Table(columns), "stream");
}

function utf8Vector(values: string[]): Vector<Utf8> {
  const offsets = new Int32Array(values.length + 1);
  let bytes = new Uint8Array(values.length * 24 + 64);
  let position = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (position + value.length * 3 > bytes.length) {
      const grown = new Uint8Array(Math.max(bytes.length * 2, position + value.length * 3));
      grown.set(bytes.subarray(0, position));
      bytes = grown;
    }
    position += textEncoder.encodeInto(value, bytes.subarray(position)).written;
    offsets[i + 1] = position;
  }
  return makeVector(
    makeData({
      type: new Utf8(),
      length: values.length,
      nullCount: 0,
      valueOffsets: offsets,
      data: bytes.subarray(0, position),
    }),
  );
}

function dictionaryVector(rows: Transaction[], column: keyof Transaction): Vector {
  const indexOf = new Map<string, number>();
  const values: string[] = [];
  const indices = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const value = rows[i][column] as string;
    let index = indexOf.get(value);
    if (index === undefined) {
      index = values.length;
      indexOf.set(value, index);
      values.push(value);
    }
    indices[i] = index;
  }
  return makeVector(
    makeData({
      type: new Dictionary(new Utf8(), new Int32()),
      length: rows.length,
      nullCount: 0,
      data: indices,
      dictionary: utf8Vector(values),
    }),
  );
}

/** Reads a string column (plain or dictionary-encoded) as one JavaScript string per row. */
function stringColumn(vector: Vector): string[] {
  const out: string[] = new Array(vector.length);
  let row = 0;
  for (const data of vector.data) {
    if (data.dictionary) {
      const dictionary = stringColumn(data.dictionary);
      const indices = data.values as Int32Array;
      for (let i = 0; i < data.length; i++) out[row++] = dictionary[indices[data.offset + i]];
    } else {
      const offsets = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      for (let i = 0; i < data.length; i++) {
        const at = data.offset + i;
        out[row++] = textDecoder.decode(bytes.subarray(offsets[at], offsets[at + 1]));
      }
    }
  }
  return out;
}

/** Decodes a message body in the given encoding into transactions; throws `DecodeError`. */
export function decodeTransactions(body: Uint8Array, encoding: string | undefined): Transaction[] {
  if (encoding === undefined || encoding === "json") return [decodeJson(body)];
  if (encoding === "arrow") return decodeArrow(body);
  throw new DecodeError(`unknown encoding '${encoding}'`);
}

function decodeJson(body: Uint8Array): Transaction {
  let value: unknown;
  try {
    value = JSON.parse(textDecoder.decode(body));
  } catch {
    throw new DecodeError("not valid JSON");
  }
  return checkTransaction(value);
}

function decodeArrow(body: Uint8Array): Transaction[] {
  let table: Table;
  try {
    table = tableFromIPC(body);
  } catch {
    throw new DecodeError("not a valid Arrow IPC stream");
  }
  if (table.schema.fields.length === 0) throw new DecodeError("not a valid Arrow IPC stream");
  const strings = STRING_COLUMNS.map((name) => {
    const vector = table.getChild(name);
    const type = vector?.type;
    const isString = type instanceof Utf8 ||
      (type instanceof Dictionary && type.dictionary instanceof Utf8);
    if (!vector || !isString) {
      throw new DecodeError(`Arrow column '${name}' is missing or not a string`);
    }
    return stringColumn(vector);
  });
  const numbers = NUMERIC_COLUMNS.map((name) => {
    const vector = table.getChild(name);
    if (!vector || String(vector.type) !== "Float64") {
      throw new DecodeError(`Arrow column '${name}' is missing or not a float64`);
    }
    return vector.toArray() as Float64Array;
  });
  const s = Object.fromEntries(STRING_COLUMNS.map((name, c) => [name, strings[c]]));
  const n = Object.fromEntries(NUMERIC_COLUMNS.map((name, c) => [name, numbers[c]]));
  const rows: Transaction[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    // One literal of fixed shape per row: much faster than adding fields one by one.
    const row: Transaction = {
      ssn: s.ssn[i],
      cc_num: s.cc_num[i],
      first: s.first[i],
      last: s.last[i],
      gender: s.gender[i] as "M" | "F",
      street: s.street[i],
      city: s.city[i],
      state: s.state[i],
      zip: s.zip[i],
      lat: n.lat[i],
      long: n.long[i],
      city_pop: n.city_pop[i],
      job: s.job[i],
      dob: s.dob[i],
      acct_num: s.acct_num[i],
      profile: s.profile[i],
      trans_num: s.trans_num[i],
      trans_date: s.trans_date[i],
      trans_time: s.trans_time[i],
      unix_time: n.unix_time[i],
      category: s.category[i] as Category,
      amt: n.amt[i],
      is_fraud: n.is_fraud[i] as 0 | 1,
      merchant: s.merchant[i],
      merch_lat: n.merch_lat[i],
      merch_long: n.merch_long[i],
    };
    checkValues(row);
    rows[i] = row;
  }
  return rows;
}

/** Checks that a decoded value has every field of a transaction with the right type. */
export function checkTransaction(value: unknown): Transaction {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new DecodeError("not a transaction object");
  }
  const record = value as Record<string, unknown>;
  for (const column of COLUMNS) {
    const field = record[column];
    if (NUMERIC.has(column)) {
      if (typeof field !== "number" || !Number.isFinite(field)) {
        throw new DecodeError(`field '${column}' must be a number`);
      }
    } else if (typeof field !== "string") {
      throw new DecodeError(`field '${column}' must be a string`);
    }
  }
  const transaction = record as unknown as Transaction;
  checkValues(transaction);
  return transaction;
}

/** Checks the values a well-typed transaction can still get wrong. */
function checkValues(row: Transaction): void {
  if (!CATEGORY_SET.has(row.category)) throw new DecodeError(`unknown category '${row.category}'`);
  if (row.is_fraud !== 0 && row.is_fraud !== 1) throw new DecodeError("is_fraud must be 0 or 1");
  if (row.gender !== "M" && row.gender !== "F") throw new DecodeError("gender must be M or F");
  const sum = row.amt + row.lat + row.long + row.merch_lat + row.merch_long + row.unix_time +
    row.city_pop;
  if (!Number.isFinite(sum)) throw new DecodeError("numeric fields must be finite numbers");
}
