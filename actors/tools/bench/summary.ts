/**
 * A cell run several times, summed up: the median of its figures with their minimum and maximum,
 * and the accounting of every run (one lost or duplicated transaction in any run fails the cell).
 *
 * @module
 */

import type { Quantiles } from "./measures.ts";
import type { CellPlan } from "./plan.ts";
import type { CellReport, RunReport, Spread } from "./report.ts";

/** The median of `values`: the middle one, or the mean of the middle two (NaN when empty). */
export function median(values: readonly number[]): number {
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Median, minimum and maximum of `values` (all 0 when there are none). */
export function spread(values: number[]): Spread {
  if (values.length === 0) return { median: 0, min: 0, max: 0 };
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** The run of median throughput among measured runs (the lower one of an even count). */
function medianRun(runs: RunReport[]): RunReport | undefined {
  const sorted = [...runs].sort((a, b) => a.throughput - b.throughput);
  return sorted[(sorted.length - 1) >> 1];
}

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * The report of a cell from its runs: throughput, seconds, CPU a transaction and latency
 * percentiles are medians of the runs that passed (of those that measured anything when none
 * did); a failed run counts as a failure of the cell; `details` and `accounting` are those of the
 * run of median throughput; lost and duplicates add up.
 */
export function summarizeCell(plan: CellPlan, runs: RunReport[]): CellReport {
  // A failed run's figures (a stalled consumer, say) are not a measurement of the cell; they
  // count only when no run passed.
  const passed = runs.filter((run) => run.ok && run.details);
  const measured = passed.length > 0 ? passed : runs.filter((run) => run.details);
  const throughput = spread(measured.map((run) => run.throughput));
  const latencies = measured.flatMap((run) => (run.latency_ms ? [run.latency_ms] : []));
  const p50 = spread(latencies.map((latency) => latency.p50));
  const p99 = spread(latencies.map((latency) => latency.p99));
  const latency: Quantiles | undefined = latencies.length > 0
    ? {
      p50: round(p50.median, 1),
      p99: round(p99.median, 1),
      max: Math.max(...latencies.map((l) => l.max)),
    }
    : undefined;
  const failures = runs.flatMap((run, i) =>
    run.ok ? [] : [runs.length > 1 ? `run ${i + 1}: ${run.error}` : `${run.error}`]
  );
  const typical = medianRun(measured);
  return {
    ...plan,
    throughput: round(throughput.median),
    seconds: round(spread(measured.map((run) => run.seconds)).median, 3),
    cpu_us_per_row: round(spread(measured.map((run) => run.cpu_us_per_row)).median, 2),
    latency_ms: latency,
    repeats: runs.length,
    spread: {
      throughput,
      ...(latencies.length > 0 ? { latency_p50_ms: p50, latency_p99_ms: p99 } : {}),
    },
    lost: runs.reduce((sum, run) => sum + run.lost, 0),
    duplicates: runs.reduce((sum, run) => sum + run.duplicates, 0),
    ok: runs.length > 0 && failures.length === 0,
    cell_seconds: round(runs.reduce((sum, run) => sum + run.cell_seconds, 0), 1),
    load_average: round(spread(runs.map((run) => run.load_average)).median, 2),
    error: failures.length > 0 ? failures.join("; ") : undefined,
    details: typical?.details,
    accounting: typical?.accounting,
    runs,
  };
}
