/**
 * An id ledger that also keeps running counts, so a caller polling for "everything scored" reads
 * three numbers instead of reconciling every id on each poll.
 *
 * @module
 */

import { IdLedger } from "../metrics/id_ledger.ts";

/** Ids produced, scored and dead-lettered so far. */
export interface LedgerCounts {
  produced: number;
  scored: number;
  deadLetters: number;
}

/** `IdLedger` with constant-time counts. */
export class CountedLedger extends IdLedger {
  readonly #counts: LedgerCounts = { produced: 0, scored: 0, deadLetters: 0 };

  override produced(id: string): void {
    this.#counts.produced++;
    super.produced(id);
  }

  override scored(id: string): void {
    this.#counts.scored++;
    super.scored(id);
  }

  override deadLettered(id: string): void {
    this.#counts.deadLetters++;
    super.deadLettered(id);
  }

  /** The counts so far (a copy). */
  counts(): LedgerCounts {
    return { ...this.#counts };
  }
}
