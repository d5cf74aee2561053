/**
 * Accounts for the offsets of the transactions topic, as the consumers commit them: every
 * committed batch covers a range of one partition's offsets, and exactly once means that the
 * ranges of each partition follow one another from its first offset to its end, without a gap
 * (offsets never scored) or an overlap (offsets scored twice). A range per batch instead of an id
 * per transaction: the proof costs nothing per transaction, so benchmarks keep it on.
 *
 * @example
 * ```ts
 * const ledger = new OffsetLedger();
 * ledger.committed({ partition: 0, from: 0, to: 500, rows: 2000 });
 * ledger.committed({ partition: 0, from: 500, to: 900, rows: 1500 });
 * ledger.reconcile([900]); // { gaps: 0, overlaps: 0, rows: 3500, ... }
 * ```
 *
 * @module
 */

/** One committed batch: offsets `from` (inclusive) to `to` (exclusive) of `partition`. */
export interface CommittedRange {
  partition: number;
  from: number;
  to: number;
  /** Transactions the batch held (scored, or dead-lettered as duplicates). */
  rows: number;
}

/** What the committed ranges cover, against the partitions' end offsets. */
export interface OffsetReconciliation {
  /** Offsets below their partition's end in no committed range. */
  gaps: number;
  /** Offsets in more than one committed range (their transactions were scored again). */
  overlaps: number;
  /** Committed ranges. */
  batches: number;
  /** Transactions in the committed ranges. */
  rows: number;
  /** One line per partition that is not covered exactly once, for a report. */
  problems: string[];
}

/** The committed offset ranges of each partition. */
export class OffsetLedger {
  readonly #ranges = new Map<number, { from: number; to: number }[]>();
  #batches = 0;
  #rows = 0;

  /** Records a committed batch. */
  committed(range: CommittedRange): void {
    let list = this.#ranges.get(range.partition);
    if (!list) this.#ranges.set(range.partition, list = []);
    list.push({ from: range.from, to: range.to });
    this.#batches++;
    this.#rows += range.rows;
  }

  /**
   * Checks the ranges against `ends`, each partition's end offset (`ends[p]`), from `starts[p]`
   * (default 0: a topic the ledger saw from its first record).
   */
  reconcile(ends: readonly number[], starts: readonly number[] = []): OffsetReconciliation {
    let gaps = 0;
    let overlaps = 0;
    const problems: string[] = [];
    const partitions = new Set([...this.#ranges.keys(), ...ends.keys()]);
    for (const partition of [...partitions].sort((a, b) => a - b)) {
      const end = ends[partition] ?? 0;
      let covered = starts[partition] ?? 0;
      let missing = 0;
      let again = 0;
      const ranges = [...(this.#ranges.get(partition) ?? [])].sort((a, b) => a.from - b.from);
      for (const { from, to } of ranges) {
        if (from > covered) missing += from - covered;
        else again += Math.min(to, covered) - from;
        covered = Math.max(covered, to);
      }
      if (end > covered) missing += end - covered;
      gaps += missing;
      overlaps += again;
      if (missing > 0 || again > 0) {
        problems.push(
          `partition ${partition}: ${missing} offsets never committed, ${again} committed twice ` +
            `(end ${end}, ${ranges.length} batches)`,
        );
      }
    }
    return { gaps, overlaps, batches: this.#batches, rows: this.#rows, problems };
  }
}
