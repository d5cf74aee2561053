/**
 * `fraudstream bench scaling` (and its end-to-end part alone, `bench e2e`): the seed's
 * scalability analysis, measured. Each cell runs the real actors on a fresh topic and accounts
 * for every transaction id:
 *
 * - consumer: partitions x scoring workers, scoring a backlog;
 * - producer: 1 and 2 producer actors publishing batch files;
 * - growth: the whole pipeline on 1x, 2x, 4x and 8x the data;
 * - e2e: the whole pipeline per wire encoding x partitions x workers: burst throughput, and the
 *   detection latency (file written -> score committed) under a paced load of half that.
 *
 * Every section runs on the embedded log, and on Kafka too when a transport for it is given.
 * Each cell runs `repeat` times (in rounds: every cell once, then again), and its figures are the
 * medians of its runs, with their minimum and maximum. On Kafka each run also reads its topic
 * back, and its topic is deleted once the run is over.
 *
 * @module
 */

import { throwIfInterrupted } from "../../lib/errors.ts";
import { modelScoring } from "../../pipeline/consumer/model_scoring.ts";
import { benchData } from "./data.ts";
import {
  cellLabel,
  cellSizes,
  E2E_ENCODINGS,
  planCells,
  PRODUCERS,
  rowsNeeded,
  runRowsOf,
  type ScalingOptions,
  type TransportKind,
} from "./plan.ts";
import type { RunReport, ScalingReport } from "./report.ts";
import { runCell } from "./run_cell.ts";
import { summarizeCell } from "./summary.ts";
import { TopicCleanup } from "./topic_cleanup.ts";

/** Runs of every cell by default (the figures are their medians). */
export const DEFAULT_REPEAT = 3;

/**
 * Runs the scenario's cells, one at a time, and gathers the report; interrupted, the report holds
 * the cells measured so far and says it was.
 *
 * @throws {InterruptedError} when interrupted while it generates the bench data.
 */
export async function runScaling(given: ScalingOptions): Promise<ScalingReport> {
  const repeat = Math.max(1, given.repeat ?? DEFAULT_REPEAT);
  // A cell's rows are split over its runs: more runs are shorter ones, in about the same time.
  const options = { ...given, rows: runRowsOf(given.rows, repeat) };
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const loadStart = Deno.loadavg();
  const transports: TransportKind[] = options.kafka ? ["embedded", "kafka"] : ["embedded"];
  const cells = planCells(options, transports);
  const runId = `bench-${Date.now().toString(36)}`;
  const status = (line: string) => options.onStatus?.(`bench: ${line}`);
  // A model that cannot be loaded fails the bench before anything runs.
  const scoring = await modelScoring({ ...options, workers: 1 });
  const model = scoring.current();

  const needed = rowsNeeded(cells, options.rows, options.rate);
  status(`generating ${needed} transactions (seed ${options.seed})`);
  const data = await benchData({ rows: needed, seed: options.seed, signal: options.signal })
    .catch((error) => {
      throwIfInterrupted(
        options.signal,
        "bench was interrupted while it generated its data; nothing was measured",
      );
      throw error;
    });

  const cleanup = options.topicDeleter ? new TopicCleanup(options.topicDeleter) : undefined;
  const runs: RunReport[][] = cells.map(() => []);
  let interrupted = false;
  let done = 0;
  try {
    rounds: for (let round = 1; round <= repeat; round++) {
      for (const [index, cell] of cells.entries()) {
        if (options.signal.aborted) {
          interrupted = true;
          break rounds;
        }
        const label = `[${++done}/${cells.length * repeat}] ${cellLabel(cell)}` +
          (repeat > 1 ? ` (run ${round} of ${repeat})` : "");
        status(`${label}: ${cell.rows} transactions`);
        const run = await runCell(cell, {
          options,
          data,
          topic: `${runId}-${index}-${round}`,
          cleanup,
          onEvent: (line) => status(`${label}: ${line}`),
        });
        if (options.signal.aborted && !run.ok) {
          interrupted = true;
          status(`${label}: interrupted`);
          break rounds;
        }
        runs[index].push(run);
        status(`${label}: ${runOutcome(run)}`);
      }
    }
  } finally {
    await cleanup?.finish();
  }
  const reports = cells.flatMap((cell, i) =>
    runs[i].length > 0 ? [summarizeCell(cell, runs[i])] : []
  );

  const failed = reports.filter((cell) => !cell.ok).length;
  const lost = reports.reduce((sum, cell) => sum + cell.lost, 0);
  const duplicates = reports.reduce((sum, cell) => sum + cell.duplicates, 0);
  const memory = Deno.systemMemoryInfo();
  return {
    scenario: options.scenario,
    started_at: startedAt,
    seconds: Math.round((performance.now() - started) / 100) / 10,
    model_version: model.version,
    shadow_model_version: scoring.shadow?.version,
    machine: {
      cores: navigator.hardwareConcurrency,
      memory_gb: Math.round(memory.total / 2 ** 30),
      load_average_start: loadStart,
      load_average_end: Deno.loadavg(),
      os: `${Deno.build.os} ${Deno.osRelease()}`,
      deno: Deno.version.deno,
    },
    settings: {
      rows: {
        embedded: cellSizes(options.rows, "embedded").rows,
        kafka: cellSizes(options.rows, "kafka").rows,
      },
      warmup_rows: {
        embedded: cellSizes(options.rows, "embedded").warmup,
        kafka: cellSizes(options.rows, "kafka").warmup,
      },
      partitions: options.partitions,
      workers: options.workers,
      producers: PRODUCERS,
      encoding: options.encoding,
      e2e_encodings: [...E2E_ENCODINGS],
      rate: options.rate,
      seed: options.seed,
      repeat,
    },
    kafka: options.kafka
      ? {
        ran: true,
        topics: cleanup ? cleanup.describe(runId) : `${runId}-* (left on the cluster)`,
      }
      : { ran: false, skipped: options.kafkaSkipped },
    cells: reports,
    interrupted,
    lost,
    duplicates,
    failed_cells: failed,
    ok: failed === 0 && lost === 0 && duplicates === 0,
  };
}

function runOutcome(run: RunReport): string {
  if (!run.details) return `FAILED: ${run.error}`;
  const latency = run.latency_ms
    ? `, latency p50 ${run.latency_ms.p50} ms p99 ${run.latency_ms.p99} ms`
    : "";
  return `${run.throughput} tx/s${latency}; lost ${run.lost}, duplicates ${run.duplicates}` +
    ` (${run.cell_seconds} s)${run.ok ? "" : `; FAILED: ${run.error}`}`;
}
