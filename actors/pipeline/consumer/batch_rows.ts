/**
 * The rows of a fetched batch a partition actor scores: its messages decoded into column
 * segments (`decodeColumnBatch`), the rows whose `trans_num` the partition has seen before taken
 * out, and the rest as one column batch (the segment itself when it is the only one and lost no
 * row, so an Arrow message is scored straight from its views). Messages that cannot be decoded
 * and repeated ids become dead letters, as records to write.
 *
 * @module
 */

import { allocateColumns, transactionAt, type TransactionColumns } from "../../../model/columns.ts";
import { concatColumns, selectRows } from "../../../model/column_rows.ts";
import type { LogRecord, OutgoingRecord } from "../../log/types.ts";
import { decodeColumnBatch } from "../codec/column_batch.ts";
import { duplicateRecord, undecodableRecord } from "./records.ts";
import type { SeenIds } from "./seen_ids.ts";

/** The rows of a batch to score, and its dead letters. */
export interface BatchRows {
  /** The rows to score, in log order. */
  columns: TransactionColumns;
  /** Offset of the message each row came from. */
  offsets: Float64Array;
  /** Dead letters: undecodable messages, then rows whose id was seen before. */
  deadLetters: OutgoingRecord[];
}

const NO_ROWS = allocateColumns(0);

/**
 * Decodes `records` (one partition's, in offset order) and keeps the rows whose id is not in
 * `seen`, adding their ids to it.
 */
export function batchRows(
  records: readonly LogRecord[],
  context: { topic: string; partition: number; seen: SeenIds },
): BatchRows {
  const { topic, partition, seen } = context;
  const decoded = decodeColumnBatch(records);
  const deadLetters = decoded.failures.map(({ index, error }) =>
    undecodableRecord(records[index], { topic, partition, reason: error.message })
  );
  const parts: TransactionColumns[] = [];
  const offsets: number[] = [];
  for (const { columns, origins } of decoded.segments) {
    /** The rows kept, once one is dropped. */
    let kept: number[] | undefined;
    const ids = columns.text.trans_num;
    const fresh = seen.addNewEach(ids.bytes, ids.start, columns.length);
    for (let i = 0; i < columns.length; i++) {
      const offset = records[origins[i]].offset;
      if (fresh[i] === 0) {
        kept ??= Array.from({ length: i }, (_, k) => k);
        const source = { partition, offset };
        deadLetters.push(duplicateRecord(transactionAt(columns, i), { topic, source }));
        continue;
      }
      offsets.push(offset);
      kept?.push(i);
    }
    const part = kept ? selectRows(columns, kept) : columns;
    if (part.length > 0) parts.push(part);
  }
  const columns = parts.length === 0
    ? NO_ROWS
    : parts.length === 1
    ? parts[0]
    : concatColumns(parts);
  return { columns, offsets: Float64Array.from(offsets), deadLetters };
}
