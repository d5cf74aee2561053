/**
 * Rows of column batches: a range of rows as views, chosen rows copied, and several batches joined
 * into one (the consumer's batch of several fetched messages).
 *
 * @example
 * ```ts
 * const part = sliceRows(columns, 0, 100);       // views, no copy
 * const kept = selectRows(columns, [0, 2, 5]);   // copied
 * const joined = concatColumns([part, kept]);    // numbers copied, text joined when read
 * ```
 *
 * @module
 */

import {
  allocateColumns,
  allocateNumbers,
  TEXT_COLUMNS,
  type TextColumn,
  type TextColumnName,
  type TransactionColumns,
} from "./columns.ts";

/**
 * Rows `start` to `end - 1` of `columns` as views of the same buffers (no copy): a part of a
 * batch, or the filled rows of columns allocated for more.
 */
export function sliceRows(
  columns: TransactionColumns,
  start: number,
  end: number,
): TransactionColumns {
  // Each text column read from `columns` when it is first read: a joined batch's texts are
  // joined only when read (`concatColumns`).
  const text = lazyText((name) => {
    const column = columns.text[name];
    return {
      bytes: column.bytes,
      start: column.start.subarray(start, end),
      end: column.end.subarray(start, end),
    };
  });
  return {
    length: end - start,
    card: columns.card.subarray(2 * start, 2 * end),
    gender: columns.gender.subarray(start, end),
    lat: columns.lat.subarray(start, end),
    long: columns.long.subarray(start, end),
    cityPop: columns.cityPop.subarray(start, end),
    dob: columns.dob.subarray(start, end),
    transDate: columns.transDate.subarray(start, end),
    transTime: columns.transTime.subarray(start, end),
    unixTime: columns.unixTime.subarray(start, end),
    category: columns.category.subarray(start, end),
    amt: columns.amt.subarray(start, end),
    isFraud: columns.isFraud.subarray(start, end),
    merchLat: columns.merchLat.subarray(start, end),
    merchLong: columns.merchLong.subarray(start, end),
    text,
  };
}

/**
 * The rows `indices` of `columns`, copied into new columns (each text column's bytes packed, in
 * row order).
 */
export function selectRows(
  columns: TransactionColumns,
  indices: ArrayLike<number>,
): TransactionColumns {
  const n = indices.length;
  const out = allocateColumns(n);
  for (let k = 0; k < n; k++) {
    const i = indices[k];
    out.card[2 * k] = columns.card[2 * i];
    out.card[2 * k + 1] = columns.card[2 * i + 1];
    out.gender[k] = columns.gender[i];
    out.lat[k] = columns.lat[i];
    out.long[k] = columns.long[i];
    out.cityPop[k] = columns.cityPop[i];
    out.dob[k] = columns.dob[i];
    out.transDate[k] = columns.transDate[i];
    out.transTime[k] = columns.transTime[i];
    out.unixTime[k] = columns.unixTime[i];
    out.category[k] = columns.category[i];
    out.amt[k] = columns.amt[i];
    out.isFraud[k] = columns.isFraud[i];
    out.merchLat[k] = columns.merchLat[i];
    out.merchLong[k] = columns.merchLong[i];
  }
  for (const name of TEXT_COLUMNS) {
    const from = columns.text[name];
    let total = 0;
    for (let k = 0; k < n; k++) total += from.end[indices[k]] - from.start[indices[k]];
    const bytes = new Uint8Array(total);
    const to = out.text[name];
    let at = 0;
    for (let k = 0; k < n; k++) {
      const i = indices[k];
      to.start[k] = at;
      bytes.set(from.bytes.subarray(from.start[i], from.end[i]), at);
      at += from.end[i] - from.start[i];
      to.end[k] = at;
    }
    to.bytes = bytes;
  }
  return out;
}

/**
 * The rows of `parts`, in order, as one column batch: the numbers copied at once, each text column
 * joined into one buffer when it is first read (a consumer's batch reads two of the twelve, the
 * `trans_num` and `merchant` of its alerts), from `parts`, which must not change until then.
 */
export function concatColumns(parts: readonly TransactionColumns[]): TransactionColumns {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = allocateNumbers(length);
  let row = 0;
  for (const part of parts) {
    out.card.set(part.card, 2 * row);
    out.gender.set(part.gender, row);
    out.lat.set(part.lat, row);
    out.long.set(part.long, row);
    out.cityPop.set(part.cityPop, row);
    out.dob.set(part.dob, row);
    out.transDate.set(part.transDate, row);
    out.transTime.set(part.transTime, row);
    out.unixTime.set(part.unixTime, row);
    out.category.set(part.category, row);
    out.amt.set(part.amt, row);
    out.isFraud.set(part.isFraud, row);
    out.merchLat.set(part.merchLat, row);
    out.merchLong.set(part.merchLong, row);
    row += part.length;
  }
  return { ...out, text: lazyText((name) => joinText(parts, name, length)) };
}

/**
 * Text columns made by `make` when each is first read, then kept (an assignment replaces one
 * without making it).
 */
function lazyText(
  make: (name: TextColumnName) => TextColumn,
): Record<TextColumnName, TextColumn> {
  const text = {} as Record<TextColumnName, TextColumn>;
  for (const name of TEXT_COLUMNS) {
    const keep = (column: TextColumn) => {
      Object.defineProperty(text, name, {
        value: column,
        writable: true,
        enumerable: true,
        configurable: true,
      });
      return column;
    };
    Object.defineProperty(text, name, {
      get: () => keep(make(name)),
      set: keep,
      enumerable: true,
      configurable: true,
    });
  }
  return text;
}

/** Text column `name` of `parts` (of `length` rows in all) as one column. */
function joinText(
  parts: readonly TransactionColumns[],
  name: TextColumnName,
  length: number,
): TextColumn {
  const columns = parts.map((part) => part.text[name]);
  // Each part's text is copied as the one span of bytes its rows lie in.
  const spans = columns.map((column, p) => textSpan(column, parts[p].length));
  const bytes = new Uint8Array(spans.reduce((sum, [from, to]) => sum + to - from, 0));
  const start = new Int32Array(length);
  const end = new Int32Array(length);
  let at = 0;
  let row = 0;
  for (let p = 0; p < columns.length; p++) {
    const from = columns[p];
    const [first, last] = spans[p];
    bytes.set(from.bytes.subarray(first, last), at);
    const shift = at - first;
    const rows = parts[p].length;
    for (let i = 0; i < rows; i++) {
      start[row + i] = from.start[i] + shift;
      end[row + i] = from.end[i] + shift;
    }
    at += last - first;
    row += rows;
  }
  return { bytes, start, end };
}

/** The first and the end byte of the text of a column's `length` rows ([0, 0) for none). */
function textSpan(column: TextColumn, length: number): [number, number] {
  if (length === 0) return [0, 0];
  let first = column.start[0];
  let end = column.end[0];
  for (let i = 1; i < length; i++) {
    if (column.start[i] < first) first = column.start[i];
    if (column.end[i] > end) end = column.end[i];
  }
  return [first, end];
}
