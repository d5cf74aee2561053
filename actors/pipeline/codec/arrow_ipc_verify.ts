/**
 * Verifies the metadata flatbuffer of an Arrow IPC message before apache-arrow reads it.
 * apache-arrow trusts every offset and length it finds (flatbuffers for JavaScript has no
 * verifier): one corrupted byte can make it loop over billions of fields or rows until the
 * process runs out of memory. This checks what Arrow's C++ reader checks with the flatbuffers
 * verifier, for the tables an IPC stream holds (`Message.fbs`, `Schema.fbs`): every table, vtable,
 * string and vector lies inside the metadata, nesting is bounded, and a record batch's row and
 * node counts could be backed by its body (at most 8 rows per body byte, a bitmap's density).
 *
 * @module
 */

import { DecodeError } from "./decode_error.ts";

/** How to check the offset field of a table, by field index; scalar fields are not listed. */
type Shape = { readonly [field: number]: Part };
type Part =
  | { kind: "string" }
  | { kind: "table"; shape: () => Shape }
  | { kind: "tables"; shape: () => Shape }
  | { kind: "structs"; size: number }
  | { kind: "union"; typeField: number; shapes: () => Readonly<Record<number, Shape>> };

const STRING: Part = { kind: "string" };
const table = (shape: () => Shape): Part => ({ kind: "table", shape });
const tables = (shape: () => Shape): Part => ({ kind: "tables", shape });
const structs = (size: number): Part => ({ kind: "structs", size });

const KEY_VALUE: Shape = { 0: STRING, 1: STRING };
const METADATA = tables(() => KEY_VALUE);
/** `Type` union members with offset fields (Timestamp's time zone, Union's type ids). */
const TYPE_UNION: Part = {
  kind: "union",
  typeField: 2,
  shapes: () => ({ 10: { 1: STRING }, 14: { 1: structs(4) } }),
};
const DICTIONARY_ENCODING: Shape = { 1: table(() => ({})) };
const FIELD: Shape = {
  0: STRING,
  3: TYPE_UNION,
  4: table(() => DICTIONARY_ENCODING),
  5: tables(() => FIELD),
  6: METADATA,
};
const SCHEMA: Shape = { 1: tables(() => FIELD), 2: METADATA, 3: structs(8) };
const RECORD_BATCH: Shape = { 1: structs(16), 2: structs(16), 3: table(() => ({})), 4: structs(8) };
const DICTIONARY_BATCH: Shape = { 1: table(() => RECORD_BATCH) };
const MESSAGE: Shape = {
  2: {
    kind: "union",
    typeField: 1,
    shapes: () => ({ 1: SCHEMA, 2: DICTIONARY_BATCH, 3: RECORD_BATCH }),
  },
  4: METADATA,
};

/** Deepest nesting of tables (a field's children are one level each). */
const MAX_DEPTH = 64;
/** Most tables in one message. */
const MAX_TABLES = 100_000;

/**
 * Checks the metadata `bytes[start, end)` of a message whose body has `bodyLength` bytes.
 *
 * @throws {DecodeError} it is not a well-formed Arrow message.
 */
export function verifyMessage(
  view: DataView,
  start: number,
  end: number,
  bodyLength: number,
): void {
  const verifier = new Verifier(view, start, end);
  const root = verifier.offsetAt(start);
  verifier.table(root, MESSAGE, 0);
  const header = verifier.field(root, 2);
  const type = verifier.field(root, 1);
  if (header === 0 || type === 0) return;
  const headerTable = verifier.offsetAt(header);
  const kind = view.getUint8(type);
  const batch = kind === 3 ? headerTable : kind === 2 ? verifier.field(headerTable, 1) : 0;
  if (batch !== 0) verifier.rowCounts(kind === 2 ? verifier.offsetAt(batch) : batch, bodyLength);
}

class Verifier {
  #tables = 0;

  constructor(readonly view: DataView, readonly start: number, readonly end: number) {}

  fail(): never {
    throw new DecodeError("Arrow IPC message metadata is not valid");
  }

  /** The position an unsigned offset at `at` points to. */
  offsetAt(at: number): number {
    if (at < this.start || at + 4 > this.end) this.fail();
    const to = at + this.view.getUint32(at, true);
    if (to >= this.end) this.fail();
    return to;
  }

  /** Position of field `index` of the table at `at`, 0 when absent (vtable checked before). */
  field(at: number, index: number): number {
    const vtable = at - this.view.getInt32(at, true);
    const slot = 4 + 2 * index;
    if (slot + 2 > this.view.getUint16(vtable, true)) return 0;
    const offset = this.view.getUint16(vtable + slot, true);
    return offset === 0 ? 0 : at + offset;
  }

  table(at: number, shape: Shape, depth: number): void {
    if (++this.#tables > MAX_TABLES || depth > MAX_DEPTH) this.fail();
    const { view } = this;
    if (at < this.start || at + 4 > this.end || (at - this.start) % 4 !== 0) this.fail();
    const vtable = at - view.getInt32(at, true);
    if (vtable < this.start || vtable + 4 > this.end) this.fail();
    const vtableSize = view.getUint16(vtable, true);
    const tableSize = view.getUint16(vtable + 2, true);
    if (vtableSize < 4 || vtableSize % 2 !== 0 || vtable + vtableSize > this.end) this.fail();
    if (tableSize < 4 || at + tableSize > this.end) this.fail();
    for (let slot = 4; slot < vtableSize; slot += 2) {
      if (view.getUint16(vtable + slot, true) >= tableSize) this.fail();
    }
    for (const [key, part] of Object.entries(shape)) {
      const fieldAt = this.field(at, Number(key));
      if (fieldAt !== 0) this.part(at, fieldAt, part, depth);
    }
  }

  part(tableAt: number, at: number, part: Part, depth: number): void {
    const to = this.offsetAt(at);
    switch (part.kind) {
      case "string":
        this.vector(to, 1, 1);
        return;
      case "structs":
        this.vector(to, part.size, 0);
        return;
      case "table":
        return this.table(to, part.shape(), depth + 1);
      case "tables": {
        const count = this.vector(to, 4, 0);
        for (let i = 0; i < count; i++) {
          this.table(this.offsetAt(to + 4 + 4 * i), part.shape(), depth + 1);
        }
        return;
      }
      case "union": {
        // A member without offset fields (or unknown to this file) is checked as a table alone.
        const typeAt = this.field(tableAt, part.typeField);
        const type = typeAt === 0 ? 0 : this.view.getUint8(typeAt);
        this.table(to, part.shapes()[type] ?? {}, depth + 1);
      }
    }
  }

  /**
   * Checks a vector of elements of `size` bytes (and `extra` bytes after them: a string's 0) at
   * `at`; returns its length.
   */
  vector(at: number, size: number, extra: number): number {
    if (at + 4 > this.end || (at - this.start) % 4 !== 0) this.fail();
    const count = this.view.getUint32(at, true);
    if (at + 4 + count * size + extra > this.end) this.fail();
    return count;
  }

  /** A record batch's rows and nodes could be held by a body of `bodyLength` bytes. */
  rowCounts(batch: number, bodyLength: number): void {
    const limit = 8 * bodyLength + 64;
    const small = (at: number) =>
      at + 8 <= this.end && this.view.getUint32(at + 4, true) === 0 &&
      this.view.getUint32(at, true) <= limit;
    const length = this.field(batch, 0);
    if (length !== 0 && !small(length)) this.fail();
    const nodes = this.field(batch, 1);
    if (nodes === 0) return;
    const to = this.offsetAt(nodes);
    const count = this.view.getUint32(to, true);
    for (let i = 0; i < count; i++) if (!small(to + 4 + 16 * i)) this.fail();
  }
}
