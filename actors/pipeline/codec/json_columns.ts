/**
 * Transaction columns as JSON messages: each row of a column batch as its own message body
 * (`--encoding json`, one transaction per message, readable by any Kafka tool). The way back is
 * `decodeColumnBatch` (`column_batch.ts`).
 *
 * @module
 */

import { transactionAt, type TransactionColumns } from "../../../model/columns.ts";
import type { Transaction } from "../../../model/schema.ts";
import { encodeJsonEach } from "./transactions.ts";

/**
 * One JSON message body per row of `columns` (`rows`, in the order given; all rows when
 * omitted), the same bytes `encodeJson` writes for the row as a transaction.
 */
export function encodeJsonColumns(columns: TransactionColumns, rows?: Int32Array): Uint8Array[] {
  const count = rows ? rows.length : columns.length;
  const transactions: Transaction[] = new Array(count);
  for (let k = 0; k < count; k++) transactions[k] = transactionAt(columns, rows ? rows[k] : k);
  return encodeJsonEach(transactions);
}
