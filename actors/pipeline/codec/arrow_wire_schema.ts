/**
 * The wire schema v2 of `--encoding arrow`: the 26 Sparkov columns in file order, named as in
 * `COLUMNS`, each typed for what it holds, none nullable:
 *
 * | columns | Arrow type |
 * |---|---|
 * | `ssn`, `first`, `last`, `street`, `city`, `state`, `zip`, `job`, `acct_num`, `profile`, `trans_num`, `merchant` | Utf8 |
 * | `cc_num` | Uint64 |
 * | `gender` | Dictionary<Int8, Utf8>, dictionary `["F", "M"]` (id 0) |
 * | `category` | Dictionary<Int8, Utf8>, dictionary `CATEGORIES` in order (id 1) |
 * | `dob`, `trans_date` | Date32 (days) |
 * | `trans_time` | Time32 (seconds) |
 * | `lat`, `long`, `city_pop`, `unix_time`, `amt`, `merch_lat`, `merch_long` | Float64 |
 * | `is_fraud` | Int8 |
 *
 * The schema carries the metadata `fraudstream.wire: 2`. Each message is one IPC stream: the
 * schema message, the two dictionary batches, one record batch, the end-of-stream marker. The
 * first three never change: `wirePrefix()` is their bytes, made once with apache-arrow.
 *
 * @module
 */

import {
  DateDay,
  Dictionary,
  Field,
  Float64,
  Int8,
  makeData,
  makeVector,
  RecordBatch,
  Schema,
  Struct,
  Table,
  tableToIPC,
  TimeSecond,
  Uint64,
  Utf8,
} from "apache-arrow";
import type { TextColumnName, TransactionColumns } from "../../../model/columns.ts";
import { CATEGORIES, type Column, COLUMNS } from "../../../model/schema.ts";
import { ipcMessages, MessageType } from "./arrow_ipc.ts";

/**
 * How a column is stored: `text` Utf8 (validity, offsets, data buffers); the others a validity
 * buffer and one data buffer of fixed width: `card` u64, `code` i8 dictionary index, `flag` i8,
 * `day` i32 days, `second` i32 seconds, `float` f64.
 */
export type WireKind = "text" | "card" | "code" | "flag" | "day" | "second" | "float";

/** The numeric (non-text) columns of `TransactionColumns`. */
export type NumberKey = Exclude<keyof TransactionColumns, "length" | "text">;

/** One column of the wire schema. */
export type WireField =
  | { name: Column; kind: "text"; key: TextColumnName }
  | { name: Column; kind: Exclude<WireKind, "text">; key: NumberKey };

/** Bytes per row of each fixed-width kind's data buffer. */
export const KIND_WIDTH: Record<Exclude<WireKind, "text">, number> = {
  card: 8,
  code: 1,
  flag: 1,
  day: 4,
  second: 4,
  float: 8,
};

const NUMBER_FIELDS: Partial<Record<Column, { kind: Exclude<WireKind, "text">; key: NumberKey }>> =
  {
    cc_num: { kind: "card", key: "card" },
    gender: { kind: "code", key: "gender" },
    lat: { kind: "float", key: "lat" },
    long: { kind: "float", key: "long" },
    city_pop: { kind: "float", key: "cityPop" },
    dob: { kind: "day", key: "dob" },
    trans_date: { kind: "day", key: "transDate" },
    trans_time: { kind: "second", key: "transTime" },
    unix_time: { kind: "float", key: "unixTime" },
    category: { kind: "code", key: "category" },
    amt: { kind: "float", key: "amt" },
    is_fraud: { kind: "flag", key: "isFraud" },
    merch_lat: { kind: "float", key: "merchLat" },
    merch_long: { kind: "float", key: "merchLong" },
  };

/** The columns of the wire schema, in order. */
export const WIRE_FIELDS: readonly WireField[] = COLUMNS.map((name): WireField => {
  const number = NUMBER_FIELDS[name];
  return number ? { name, ...number } : { name, kind: "text", key: name as TextColumnName };
});

/** Buffers of a record batch: three per text column, two per other column. */
export const WIRE_BUFFER_COUNT = WIRE_FIELDS.reduce(
  (sum, field) => sum + (field.kind === "text" ? 3 : 2),
  0,
);

/** Dictionary values of `gender` (index = the column's code). */
export const GENDERS = ["F", "M"] as const;

/** Schema metadata key and value naming this wire schema. */
export const WIRE_SCHEMA_METADATA: readonly [string, string] = ["fraudstream.wire", "2"];

function arrowType(field: WireField) {
  switch (field.kind) {
    case "text":
      return new Utf8();
    case "card":
      return new Uint64();
    case "code":
      return new Dictionary(new Utf8(), new Int8(), field.name === "gender" ? 0 : 1, false);
    case "flag":
      return new Int8();
    case "day":
      return new DateDay();
    case "second":
      return new TimeSecond();
    case "float":
      return new Float64();
  }
}

/** The wire schema as an apache-arrow `Schema`. */
export function wireSchema(): Schema {
  return new Schema(
    WIRE_FIELDS.map((field) => new Field(field.name, arrowType(field), false)),
    new Map([WIRE_SCHEMA_METADATA]),
  );
}

let prefix: Uint8Array | undefined;

/**
 * The constant head of every message: the schema message and the two dictionary batches, as
 * apache-arrow writes them (8-byte aligned; its length is a multiple of 8).
 */
export function wirePrefix(): Uint8Array {
  if (prefix) return prefix;
  const stream = tableToIPC(emptyTable(), "stream");
  const messages = ipcMessages(stream);
  const types = messages.map((message) => message.type);
  const expected = [
    MessageType.Schema,
    MessageType.DictionaryBatch,
    MessageType.DictionaryBatch,
    MessageType.RecordBatch,
  ];
  if (types.join() !== expected.join() || messages[3].start % 8 !== 0) {
    throw new Error(`apache-arrow wrote an unexpected stream head: messages ${types}`);
  }
  prefix = stream.slice(0, messages[3].start);
  return prefix;
}

/** A table of the wire schema with no rows whose dictionary columns carry their dictionaries. */
function emptyTable(): Table {
  const schema = wireSchema();
  const children = schema.fields.map((field, f) => {
    const wire = WIRE_FIELDS[f];
    if (wire.kind !== "code") return makeData({ type: field.type, length: 0, nullCount: 0 });
    const values = wire.name === "gender" ? GENDERS : CATEGORIES;
    return makeData({
      type: field.type,
      length: 0,
      nullCount: 0,
      data: new Int8Array(0),
      dictionary: makeVector(utf8Data(values)),
    });
  });
  const batch = new RecordBatch(
    schema,
    makeData({ type: new Struct(schema.fields), length: 0, nullCount: 0, children }),
  );
  return new Table([batch]);
}

function utf8Data(values: readonly string[]) {
  const encoder = new TextEncoder();
  const encoded = values.map((value) => encoder.encode(value));
  const offsets = new Int32Array(values.length + 1);
  encoded.forEach((bytes, i) => (offsets[i + 1] = offsets[i] + bytes.length));
  const data = new Uint8Array(offsets[values.length]);
  encoded.forEach((bytes, i) => data.set(bytes, offsets[i]));
  return makeData({
    type: new Utf8(),
    length: values.length,
    nullCount: 0,
    valueOffsets: offsets,
    data,
  });
}
