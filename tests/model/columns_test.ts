import assert from "node:assert/strict";
import { alertFieldsAt, transactionsToColumns } from "../../model/columns.ts";
import { sampleTransaction } from "../fixtures/transactions.ts";

Deno.test("an alert's fields of a row are those of the whole transaction", () => {
  const rows = Array.from({ length: 5 }, (_, i) => ({
    ...sampleTransaction(i, 2),
    merchant: i === 3 ? "fraud_Größe & Söhne" : `fraud_Merchant ${i}`,
  }));
  const columns = transactionsToColumns(rows);
  rows.forEach((row, i) => {
    const { trans_num, cc_num, amt, category, merchant, trans_date, trans_time, unix_time } = row;
    assert.deepEqual(alertFieldsAt(columns, i), {
      trans_num,
      cc_num,
      amt,
      category,
      merchant,
      trans_date,
      trans_time,
      unix_time,
    });
  });
});
