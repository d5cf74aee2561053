/**
 * One run of a planned cell: its measurement on a fresh topic within a deadline, reconciled; on
 * Kafka, its topic read back and then deleted, failed run or not.
 *
 * @module
 */

import { EmbeddedTransport } from "../../log/mod.ts";
import { cellGroupId, type CellSetup, drainTimeoutMs, STOP_TIMEOUT_MS } from "./cell_harness.ts";
import { consumerCell } from "./consumer_cell.ts";
import type { BenchData } from "./data.ts";
import { pipelineCell } from "./pipeline_cell.ts";
import { type CellPlan, cellSizes, pacedRows, runRows, type ScalingOptions } from "./plan.ts";
import { producerCell } from "./producer_cell.ts";
import type { RunReport } from "./report.ts";
import { checkCellTopic, topicCheckFailures } from "./topic_check.ts";
import type { TopicCleanup } from "./topic_cleanup.ts";
import { within } from "./within.ts";

/** Longest wait for a Kafka cell's topic to be read back, in ms. */
const TOPIC_CHECK_TIMEOUT_MS = 60_000;

/** What a run of a cell needs besides its plan. */
export interface RunContext {
  options: ScalingOptions;
  data: BenchData;
  topic: string;
  /** Deletes the run's Kafka topic once it is over. */
  cleanup?: TopicCleanup;
  onEvent: (l: string) => void;
}

/**
 * Runs a cell once, within a deadline: a run that does not finish in time (a Kafka call that
 * never returns, say) is left behind and reported as failed. On Kafka the run's topic is read
 * back, then deleted, failed run or not.
 */
export async function runCell(cell: CellPlan, context: RunContext): Promise<RunReport> {
  const { options } = context;
  const started = performance.now();
  const load = Math.round(Deno.loadavg()[0] * 100) / 100;
  const cellSeconds = () => Math.round((performance.now() - started) / 100) / 10;
  const deadlineMs = runDeadlineMs(cell, options);
  try {
    const outcome = await within(measureRun(cell, context), deadlineMs);
    const run = outcome.settled
      ? outcome.outcome.status === "fulfilled"
        ? outcome.outcome.value
        : failedRun(outcome.outcome.reason)
      : failedRun(
        `the run did not finish within ${Math.round(deadlineMs / 1000)} s and was left ` +
          "behind (a Kafka call that never returns?)",
      );
    if (cell.transport === "kafka" && run.accounting && !options.signal.aborted) {
      await checkTopic(run, context);
    }
    return { ...run, cell_seconds: cellSeconds(), load_average: load };
  } finally {
    if (cell.transport === "kafka") {
      await context.cleanup?.remove(context.topic, cellGroupId(context.topic));
    }
  }
}

/** A run that measured nothing. */
function failedRun(error: unknown): RunReport {
  return {
    throughput: 0,
    seconds: 0,
    cpu_us_per_row: 0,
    lost: 0,
    duplicates: 0,
    ok: false,
    cell_seconds: 0,
    load_average: 0,
    error: error instanceof Error ? error.message : String(error),
  };
}

/** Reads the run's topic back and fails the run on what the topic contradicts. */
async function checkTopic(run: RunReport, context: RunContext): Promise<void> {
  const check = await within(
    checkCellTopic(context.options.kafka!, {
      topic: context.topic,
      groupId: cellGroupId(context.topic),
    }),
    TOPIC_CHECK_TIMEOUT_MS,
  );
  let failures: string[];
  if (!check.settled) {
    failures = [`the topic could not be read back within ${TOPIC_CHECK_TIMEOUT_MS / 1000} s`];
  } else if (check.outcome.status === "rejected") {
    failures = [`the topic could not be read back: ${(check.outcome.reason as Error).message}`];
  } else {
    run.topic_check = check.outcome.value;
    failures = topicCheckFailures(run.topic_check, run.accounting!.produced);
  }
  if (failures.length === 0) return;
  run.ok = false;
  run.error = [run.error, ...failures].filter(Boolean).join("; ");
}

/**
 * Longest a run may take: every wait of a cell is bounded (each by the drain time of its rows,
 * the stops by the stop timeout), so only a call that never returns exceeds this.
 */
function runDeadlineMs(cell: CellPlan, options: ScalingOptions): number {
  return 4 * drainTimeoutMs(runRows(cell, options.rows, options.rate)) +
    3 * (options.stopTimeoutMs ?? STOP_TIMEOUT_MS);
}

/** Runs the cell's measurement once and reconciles it. */
async function measureRun(cell: CellPlan, context: RunContext): Promise<RunReport> {
  const { options, data } = context;
  const transport = cell.transport === "kafka" ? options.kafka! : new EmbeddedTransport();
  const stopTimeoutMs = options.stopTimeoutMs ?? STOP_TIMEOUT_MS;
  const setup: CellSetup = {
    transport,
    topic: context.topic,
    partitions: cell.partitions,
    workers: cell.workers,
    encoding: cell.encoding,
    model: options.model,
    modelsDir: options.modelsDir,
    shadowModel: options.shadowModel,
    reasonCodes: options.reasonCodes,
    replicationFactor: options.replicationFactor,
    signal: options.signal,
    stopTimeoutMs,
    onEvent: context.onEvent,
    onProgress: context.onEvent,
  };
  const { warmup } = cellSizes(options.rows, cell.transport);
  try {
    let measured: Pick<RunReport, "throughput" | "seconds" | "cpu_us_per_row" | "latency_ms">;
    let details: RunReport["details"];
    if (cell.section === "consumer") {
      const result = await consumerCell(setup, data, { warmup, backlog: cell.rows });
      measured = result.consumer;
      details = result;
    } else if (cell.section === "producer") {
      const result = await producerCell(setup, data, {
        rows: cell.rows,
        warmup,
        producers: cell.producers!,
      });
      measured = result.producer;
      details = result;
    } else {
      const result = await pipelineCell(setup, data, {
        warmup,
        burst: cell.rows,
        paced: cell.section === "e2e"
          ? { rows: pacedRows(cell, options.rate), rate: options.rate }
          : undefined,
      });
      measured = {
        ...result.burst,
        latency_ms: cell.section === "e2e" ? result.paced?.latency_ms : undefined,
      };
      details = result;
    }
    const accounting = details.accounting;
    const failures = [
      accounting.lost > 0 ? `${accounting.lost} lost` : "",
      accounting.duplicates > 0 ? `${accounting.duplicates} duplicated` : "",
      accounting.unknown > 0 ? `${accounting.unknown} scored but never produced` : "",
      accounting.offset_gaps > 0 ? `${accounting.offset_gaps} offsets never committed` : "",
      accounting.offset_overlaps > 0 ? `${accounting.offset_overlaps} offsets committed twice` : "",
      accounting.drained ? "" : "not everything was scored in time",
      accounting.stopped ? "" : `actors did not stop within ${stopTimeoutMs / 1000} s of being ` +
        "asked and were left behind (a Kafka call that never returns?)",
    ].filter(Boolean);
    return {
      throughput: measured.throughput,
      seconds: measured.seconds,
      cpu_us_per_row: measured.cpu_us_per_row,
      latency_ms: measured.latency_ms,
      lost: accounting.lost,
      duplicates: accounting.duplicates,
      ok: failures.length === 0,
      cell_seconds: 0,
      load_average: 0,
      error: failures.length > 0 ? failures.join("; ") : undefined,
      details,
      accounting,
    };
  } catch (error) {
    return failedRun(error);
  } finally {
    if (cell.transport === "embedded") await transport.close();
  }
}
