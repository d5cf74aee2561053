/**
 * The summary of a generator run, and the bookkeeping of progress while it runs.
 *
 * @module
 */

import type { GenerateProgress } from "./options.ts";
import type { Fidelity, GeneratorMode } from "./modes.ts";

/** Summary of a finished run (keys in snake_case, as written to report files). */
export interface GenerateReport {
  mode: GeneratorMode;
  /** Transactions written. */
  rows: number;
  /** Of which fraud. */
  frauds: number;
  /** frauds / rows (0 without rows). */
  fraud_rate: number;
  customers: number;
  /** Bytes of every file written. */
  bytes: number;
  /** Wall-clock duration of the run. */
  seconds: number;
  rows_per_second: number;
  /** Folder the files were written into. */
  out_dir: string;
  /** Files written. */
  files: number;
  fidelity: Fidelity;
  seed: number;
  /** Web Workers used. */
  workers: number;
  /** Worker restarts after crashes during the run. */
  worker_restarts: number;
  /** First and last day of the transactions written, `YYYY-MM-DD` (the event days in stream mode). */
  first_day: string | null;
  last_day: string | null;
}

/** Builds a report from the run's totals. */
export function buildReport(
  totals: Omit<GenerateReport, "fraud_rate" | "rows_per_second">,
): GenerateReport {
  return {
    ...totals,
    fraud_rate: totals.rows > 0 ? totals.frauds / totals.rows : 0,
    rows_per_second: totals.seconds > 0 ? totals.rows / totals.seconds : 0,
  };
}

/** Minimum time between two progress callbacks, in ms. */
export const PROGRESS_INTERVAL_MS = 100;

/** Sums progress of several parts and calls back at most every `PROGRESS_INTERVAL_MS`. */
export class ProgressTracker {
  readonly #callback?: (progress: GenerateProgress) => void;
  readonly #started = performance.now();
  #lastCall = -Infinity;
  #rows = 0;
  #bytes = 0;
  #fraction = 0;
  readonly #parts = new Map<number, { rows: number; bytes: number; fraction: number }>();

  /** Tracks a run that reports to `callback` (if any). */
  constructor(callback?: (progress: GenerateProgress) => void) {
    this.#callback = callback;
  }

  /** Seconds since the tracker was created. */
  get seconds(): number {
    return (performance.now() - this.#started) / 1000;
  }

  /** Sets the cumulative progress of one part (a redone part starts again from zero). */
  update(part: number, rows: number, bytes: number, fraction: number): void {
    const old = this.#parts.get(part) ?? { rows: 0, bytes: 0, fraction: 0 };
    this.#rows += rows - old.rows;
    this.#bytes += bytes - old.bytes;
    this.#fraction += fraction - old.fraction;
    this.#parts.set(part, { rows, bytes, fraction });
    this.report(false);
  }

  /** Calls back now if `force`, else if the interval has passed. */
  report(force: boolean): void {
    if (!this.#callback) return;
    const now = performance.now();
    if (!force && now - this.#lastCall < PROGRESS_INTERVAL_MS) return;
    this.#lastCall = now;
    this.#callback({
      rows: this.#rows,
      bytes: this.#bytes,
      fraction: Math.min(1, Math.max(0, this.#fraction)),
      seconds: (now - this.#started) / 1000,
    });
  }
}
