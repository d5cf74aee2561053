/**
 * The transaction ids one message of a transactions topic carries, JSON or Arrow (any message the
 * consumer reads, decoded and checked as it decodes them), for the tools that count copies of each
 * transaction on the topic (bench, chaos): only `trans_num` is made a string.
 *
 * @module
 */

import { textsOf } from "../../../model/columns.ts";
import type { EncodedMessage } from "./batch.ts";
import { decodeColumnBatch } from "./column_batch.ts";

/**
 * The `trans_num` of every transaction in `message`, in order.
 *
 * @throws {DecodeError} the message is not transactions (the consumer dead-letters it).
 */
export function messageIds(message: EncodedMessage): string[] {
  const { segments, failures } = decodeColumnBatch([message]);
  if (failures.length > 0) throw failures[0].error;
  return segments.flatMap(({ columns }) => textsOf(columns, "trans_num"));
}
