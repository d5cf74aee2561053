/**
 * The producer's reading of one line of a Sparkov-format CSV file: the header, or a transaction
 * checked by the one row validator (`model/row_validator.ts`, which states the rules).
 *
 * @module
 */

import { HEADER } from "../../../model/schema.ts";

export { parseTransactionLine, type RowError } from "../../../model/row_validator.ts";

/** Whether `line` is the header of a Sparkov file. */
export function isHeader(line: string): boolean {
  return (line.endsWith("\r") ? line.slice(0, -1) : line) === HEADER;
}
