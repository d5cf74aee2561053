/**
 * Decodes the messages of one fetched batch (JSON and Arrow mixed) into column segments. Each
 * Arrow message is a segment of its own, its columns views over the message
 * (`decodeArrowColumns`); each run of consecutive JSON messages (one transaction each, checked by
 * `parseJsonTransaction`) is gathered into one segment, so the segments hold the rows in message
 * order. A message that cannot be decoded is a failure, not a throw; the others are decoded.
 *
 * @module
 */

import { type TransactionColumns, transactionsToColumns } from "../../../model/columns.ts";
import type { Transaction } from "../../../model/schema.ts";
import { decodeArrowColumns } from "./arrow_reader.ts";
import { type EncodedMessage, jsonTexts } from "./batch.ts";
import { DecodeError, parseJsonTransaction } from "./transactions.ts";

/** Rows of a batch as columns, and the message each row came from. */
export interface ColumnSegment {
  columns: TransactionColumns;
  /** Index (in the messages) of the message each row came from. */
  origins: Int32Array;
}

/** The rows of a batch of messages as column segments, in message order. */
export interface DecodedColumnBatch {
  segments: ColumnSegment[];
  /** Messages that could not be decoded, with the reason. */
  failures: { index: number; error: DecodeError }[];
}

/** Decodes `messages` in order into column segments; see the module documentation. */
export function decodeColumnBatch(messages: readonly EncodedMessage[]): DecodedColumnBatch {
  const batch: DecodedColumnBatch = { segments: [], failures: [] };
  const texts = jsonTexts(messages);
  let jsonRows: Transaction[] = [];
  let jsonOrigins: number[] = [];
  const endJsonRun = () => {
    if (jsonRows.length === 0) return;
    batch.segments.push({
      columns: transactionsToColumns(jsonRows),
      origins: Int32Array.from(jsonOrigins),
    });
    jsonRows = [];
    jsonOrigins = [];
  };
  for (let index = 0; index < messages.length; index++) {
    const text = texts[index];
    try {
      if (text !== undefined) {
        jsonRows.push(parseJsonTransaction(text));
        jsonOrigins.push(index);
        continue;
      }
      endJsonRun();
      const encoding = messages[index].headers.encoding;
      if (encoding !== "arrow") throw new DecodeError(`unknown encoding '${encoding}'`);
      const columns = decodeArrowColumns(messages[index].value);
      if (columns.length > 0) {
        batch.segments.push({ columns, origins: new Int32Array(columns.length).fill(index) });
      }
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      batch.failures.push({ index, error });
    }
  }
  endJsonRun();
  return batch;
}
