/**
 * Transactions on the wire. `json`: one message per transaction, readable by any Kafka tool.
 * `arrow`: one Apache Arrow IPC stream (one record batch) per message, for throughput. The
 * `encoding` header names the format; a message without it is read as JSON, so records written by
 * other tools (e.g. `kcat -P`) are accepted.
 *
 * @module
 */

import {
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

/** Encodes transactions as one Arrow IPC stream. */
export function encodeArrow(transactions: Transaction[]): Uint8Array {
  const columns: Record<string, Vector> = {};
  for (const column of STRING_COLUMNS) {
    columns[column] = utf8Vector(transactions, column as keyof Transaction);
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

function utf8Vector(rows: Transaction[], column: keyof Transaction): Vector<Utf8> {
  const offsets = new Int32Array(rows.length + 1);
  let bytes = new Uint8Array(rows.length * 24 + 64);
  let position = 0;
  for (let i = 0; i < rows.length; i++) {
    const value = rows[i][column] as string;
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
      length: rows.length,
      nullCount: 0,
      valueOffsets: offsets,
      data: bytes.subarray(0, position),
    }),
  );
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
    if (!vector || !(vector.type instanceof Utf8)) {
      throw new DecodeError(`Arrow column '${name}' is missing or not a string`);
    }
    return vector;
  });
  const numbers = NUMERIC_COLUMNS.map((name) => {
    const vector = table.getChild(name);
    if (!vector || String(vector.type) !== "Float64") {
      throw new DecodeError(`Arrow column '${name}' is missing or not a float64`);
    }
    return vector.toArray() as Float64Array;
  });
  const rows: Transaction[] = new Array(table.numRows);
  for (let i = 0; i < table.numRows; i++) {
    const row: Record<string, unknown> = {};
    for (let c = 0; c < STRING_COLUMNS.length; c++) row[STRING_COLUMNS[c]] = strings[c].get(i);
    for (let c = 0; c < NUMERIC_COLUMNS.length; c++) row[NUMERIC_COLUMNS[c]] = numbers[c][i];
    rows[i] = checkTransaction(row);
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
  if (!CATEGORY_SET.has(record.category as string)) {
    throw new DecodeError(`unknown category '${record.category}'`);
  }
  if (record.is_fraud !== 0 && record.is_fraud !== 1) {
    throw new DecodeError("is_fraud must be 0 or 1");
  }
  if (record.gender !== "M" && record.gender !== "F") {
    throw new DecodeError("gender must be M or F");
  }
  return record as unknown as Transaction & { category: Category };
}
