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
import { transactionProblem } from "../../../model/row_validator.ts";
import {
  type Category,
  COLUMNS,
  CUSTOMER_COLUMN_COUNT,
  type Transaction,
} from "../../../model/schema.ts";
import { ipcMessages } from "./arrow_ipc.ts";
import { DecodeError } from "./decode_error.ts";
import { decodeStrings, encodeStrings } from "./utf8.ts";

/** Name of the header that says how a message is encoded. */
export const ENCODING_HEADER = "encoding";

/** The headers of a JSON message (a transaction, an alert, a score), shared by all of them. */
export const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  [ENCODING_HEADER]: "json",
});

export { DecodeError };

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
/** Per column of `COLUMNS`: whether it holds a number. */
const IS_NUMERIC = COLUMNS.map((column) => NUMERIC.has(column));

const textDecoder = new TextDecoder();

/** Encodes one transaction as a JSON message body. */
export function encodeJson(transaction: Transaction): Uint8Array {
  return encodeJsonEach([transaction])[0];
}

/**
 * Encodes each transaction as its own JSON message body, with one UTF-8 encoding for all of them:
 * the bodies are views of one buffer.
 */
export function encodeJsonEach(transactions: readonly Transaction[]): Uint8Array[] {
  const { bytes, offsets } = encodeStrings(transactions.map((row) => JSON.stringify(row)));
  return transactions.map((_, i) => bytes.subarray(offsets[i], offsets[i + 1]));
}

/**
 * Encodes transactions as one Arrow IPC stream. String columns are dictionary-encoded: a card's
 * fields repeat on every one of its transactions, so the values are stored (and later decoded)
 * once per message; only `trans_num`, unique per row, is a plain string column.
 */
export function encodeArrow(transactions: Transaction[]): Uint8Array {
  const columns: Record<string, Vector> = {};
  const cards = cardsOf(transactions);
  for (const column of STRING_COLUMNS) {
    const read = STRING_FIELDS[column];
    columns[column] = column === "trans_num"
      ? utf8Vector(transactions.map(read))
      : (CARD_COLUMNS.has(column) && cardDictionary(transactions, read, cards)) ||
        dictionaryVector(transactions, read);
  }
  for (const column of NUMERIC_COLUMNS) {
    const read = NUMERIC_FIELDS[column];
    const values = new Float64Array(transactions.length);
    for (let i = 0; i < transactions.length; i++) values[i] = read(transactions[i]);
    columns[column] = makeVector(values);
  }
  return tableToIPC(new Table(columns), "stream");
}

type StringColumn = Exclude<keyof Transaction, NumericColumn>;
type NumericColumn =
  | "lat"
  | "long"
  | "city_pop"
  | "unix_time"
  | "amt"
  | "is_fraud"
  | "merch_lat"
  | "merch_long";

/** Reads of each string field: one property read per function, so each stays fast. */
const STRING_FIELDS: Record<string, (row: Transaction) => string> = {
  ssn: (row) => row.ssn,
  cc_num: (row) => row.cc_num,
  first: (row) => row.first,
  last: (row) => row.last,
  gender: (row) => row.gender,
  street: (row) => row.street,
  city: (row) => row.city,
  state: (row) => row.state,
  zip: (row) => row.zip,
  job: (row) => row.job,
  dob: (row) => row.dob,
  acct_num: (row) => row.acct_num,
  profile: (row) => row.profile,
  trans_num: (row) => row.trans_num,
  trans_date: (row) => row.trans_date,
  trans_time: (row) => row.trans_time,
  category: (row) => row.category,
  merchant: (row) => row.merchant,
} satisfies Record<StringColumn, (row: Transaction) => string>;

/** Reads of each numeric field. */
const NUMERIC_FIELDS: Record<string, (row: Transaction) => number> = {
  lat: (row) => row.lat,
  long: (row) => row.long,
  city_pop: (row) => row.city_pop,
  unix_time: (row) => row.unix_time,
  amt: (row) => row.amt,
  is_fraud: (row) => row.is_fraud,
  merch_lat: (row) => row.merch_lat,
  merch_long: (row) => row.merch_long,
} satisfies Record<NumericColumn, (row: Transaction) => number>;

/** The customer's string columns: the same on every transaction of a card, as generated. */
const CARD_COLUMNS = new Set<string>(
  COLUMNS.slice(0, CUSTOMER_COLUMN_COUNT).filter((column) => !NUMERIC.has(column)),
);

/** The cards of a message: each row's card index, and the first row of each card. */
interface MessageCards {
  index: Int32Array;
  firstRow: number[];
}

function cardsOf(rows: Transaction[]): MessageCards {
  const indexOf = new Map<string, number>();
  const index = new Int32Array(rows.length);
  const firstRow: number[] = [];
  for (let i = 0; i < rows.length; i++) {
    let card = indexOf.get(rows[i].cc_num);
    if (card === undefined) {
      card = firstRow.length;
      indexOf.set(rows[i].cc_num, card);
      firstRow.push(i);
    }
    index[i] = card;
  }
  return { index, firstRow };
}

/**
 * A customer column as a dictionary of one value per card, found with the card index instead of
 * a lookup per row; undefined when some card's rows disagree on the value.
 */
function cardDictionary(
  rows: Transaction[],
  read: (row: Transaction) => string,
  cards: MessageCards,
): Vector | undefined {
  const values = cards.firstRow.map((row) => read(rows[row]));
  for (let i = 0; i < rows.length; i++) {
    if (read(rows[i]) !== values[cards.index[i]]) return undefined;
  }
  // A copy per column: the Arrow writer miscounts a message whose columns share a buffer.
  return dictionaryOf(values, cards.index.slice());
}

function utf8Vector(values: string[]): Vector<Utf8> {
  const { bytes, offsets } = encodeStrings(values);
  return makeVector(
    makeData({
      type: new Utf8(),
      length: values.length,
      nullCount: 0,
      valueOffsets: offsets,
      data: bytes,
    }),
  );
}

function dictionaryVector(rows: Transaction[], read: (row: Transaction) => string): Vector {
  const indexOf = new Map<string, number>();
  const values: string[] = [];
  const indices = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const value = read(rows[i]);
    let index = indexOf.get(value);
    if (index === undefined) {
      index = values.length;
      indexOf.set(value, index);
      values.push(value);
    }
    indices[i] = index;
  }
  return dictionaryOf(values, indices);
}

function dictionaryOf(values: string[], indices: Int32Array): Vector {
  return makeVector(
    makeData({
      type: new Dictionary(new Utf8(), new Int32()),
      length: indices.length,
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
      const texts = decodeStrings(
        data.values as Uint8Array,
        data.valueOffsets as Int32Array,
        data.offset,
        data.length,
      );
      for (let i = 0; i < data.length; i++) out[row++] = texts[i];
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
  return parseJsonTransaction(textDecoder.decode(body));
}

/** Parses the text of one JSON message body into a transaction; throws `DecodeError`. */
export function parseJsonTransaction(text: string): Transaction {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DecodeError("not valid JSON");
  }
  return checkTransaction(value);
}

function decodeArrow(body: Uint8Array): Transaction[] {
  // Complete, and its metadata well formed: apache-arrow trusts every length it reads.
  ipcMessages(body);
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
  for (let c = 0; c < COLUMNS.length; c++) {
    const field = record[COLUMNS[c]];
    if (IS_NUMERIC[c]) {
      if (typeof field !== "number" || !Number.isFinite(field)) {
        throw new DecodeError(`field '${COLUMNS[c]}' must be a number`);
      }
    } else if (typeof field !== "string") {
      throw new DecodeError(`field '${COLUMNS[c]}' must be a string`);
    }
  }
  const transaction = record as unknown as Transaction;
  checkValues(transaction);
  return transaction;
}

/** Checks the values of a well-typed transaction with the one row validator. */
function checkValues(row: Transaction): void {
  const problem = transactionProblem(row);
  if (problem !== undefined) throw new DecodeError(problem);
}
