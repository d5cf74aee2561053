import assert from "node:assert/strict";
import { concatColumns, selectRows, sliceRows } from "../../model/column_rows.ts";
import {
  alertFieldsAt,
  allocateColumns,
  TEXT_COLUMNS,
  transactionAt,
  transactionsToColumns,
} from "../../model/columns.ts";
import { sampleTransaction } from "../fixtures/transactions.ts";

Deno.test("concatenated column batches hold every part's rows in order, text included", () => {
  const rows = Array.from({ length: 10 }, (_, i) => ({
    ...sampleTransaction(i, 4),
    city: i % 3 === 0 ? "Zürich" : `City ${"x".repeat(i)}`,
    gender: i % 2 ? "M" as const : "F" as const,
    is_fraud: i % 4 === 0 ? 1 as const : 0 as const,
  }));
  const columns = transactionsToColumns(rows);
  // A part whose second row's text comes first in its bytes: rows 8 and 9.
  const reordered = selectRows(columns, [8, 9]);
  for (const name of TEXT_COLUMNS) {
    const text = reordered.text[name];
    const [first, second] = [0, 1].map((i) => text.bytes.slice(text.start[i], text.end[i]));
    text.bytes = new Uint8Array([...second, ...first]);
    text.start.set([second.length, 0]);
    text.end.set([second.length + first.length, second.length]);
  }
  const parts = [
    sliceRows(columns, 2, 5),
    allocateColumns(0),
    selectRows(columns, [7, 1]),
    reordered,
  ];
  const joined = concatColumns(parts);
  const expected = [rows[2], rows[3], rows[4], rows[7], rows[1], rows[8], rows[9]];
  assert.equal(joined.length, expected.length);
  assert.deepEqual(
    Array.from({ length: joined.length }, (_, i) => transactionAt(joined, i)),
    expected,
  );
  assert.equal(concatColumns([]).length, 0);
});

Deno.test("a concatenated batch's text columns, joined when read, can be replaced and cloned", () => {
  const rows = Array.from({ length: 6 }, (_, i) => sampleTransaction(i, 3));
  const columns = transactionsToColumns(rows);
  const joined = concatColumns([sliceRows(columns, 0, 2), sliceRows(columns, 2, 6)]);
  // A copy made before any column was read holds every text (a structured clone reads them all).
  const copy = structuredClone(joined);
  assert.deepEqual(
    Array.from({ length: 6 }, (_, i) => transactionAt(copy, i)),
    rows,
  );
  // Read once, the column stays the same object; assigned, the assigned one is read.
  assert.equal(joined.text.trans_num, joined.text.trans_num);
  joined.text.merchant = sliceRows(columns, 0, 6).text.merchant;
  assert.deepEqual(
    Array.from({ length: 6 }, (_, i) => alertFieldsAt(joined, i).merchant),
    rows.map((row) => row.merchant),
  );
});
