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

import type { WireEncoding } from "../../pipeline/codec/transactions.ts";
import { FraudstreamError } from "../../lib/errors.ts";
import { SETTINGS } from "../../../config/settings.ts";
import { modelScoring } from "../../pipeline/consumer/model_scoring.ts";
import { topicSpecs, type Transport } from "../../log/mod.ts";
import { EmbeddedTransport } from "../../log/mod.ts";
import {
  type Accounting,
  cellGroupId,
  type CellSetup,
  consumerCell,
  type ConsumerResult,
  drainTimeoutMs,
  pipelineCell,
  type PipelineResult,
  producerCell,
  type ProducerResult,
  type Quantiles,
  STOP_TIMEOUT_MS,
} from "./cells.ts";
import { type BenchData, benchData } from "./data.ts";
import { type Spread, summarizeCell } from "./summary.ts";
import { checkCellTopic, type TopicCheck, topicCheckFailures } from "./topic_check.ts";
import { TopicCleanup, type TopicDeleter } from "./topic_cleanup.ts";
import { within } from "./within.ts";

/** The benchmarks `fraudstream bench` runs, and what each one measures. */
export const BENCH_SCENARIOS: Record<string, string> = {
  scaling: "consumer, producer, data growth and end-to-end cells (throughput and latency)",
  e2e: "only the end-to-end cells: throughput and detection latency p50/p99",
};

/** A benchmark scenario. */
export type BenchScenario = keyof typeof BENCH_SCENARIOS;

/** A part of the scaling analysis. */
export type Section = "consumer" | "producer" | "growth" | "e2e";

/** The log a cell runs on. */
export type TransportKind = "embedded" | "kafka";

/** Kafka cells take this fraction of the rows: they run several times slower. */
export const KAFKA_ROWS_FRACTION = 0.2;

/** Runs of every cell by default (the figures are their medians). */
export const DEFAULT_REPEAT = 3;

/** Longest wait for a Kafka cell's topic to be read back, in ms. */
const TOPIC_CHECK_TIMEOUT_MS = 60_000;

/** Producer actors of the producer section. */
const PRODUCERS = [1, 2];
/** Data sizes of the growth section, in quarters of `rows`. */
const GROWTH = [1, 2, 4, 8];

/** What to run. */
export interface ScalingOptions {
  scenario: BenchScenario;
  /** Transactions per cell on the embedded log, over all its runs. */
  rows: number;
  /** Partition counts of the grid, ascending. */
  partitions: number[];
  /** Scoring worker counts of the grid, ascending. */
  workers: number[];
  /** Encoding of the consumer, producer and growth sections (e2e runs every encoding). */
  encoding: WireEncoding;
  /** Paced load of the e2e cells, transactions per second (0: half the burst throughput). */
  rate: number;
  seed: number;
  model: string;
  modelsDir: string;
  replicationFactor: number | undefined;
  /** Runs of every cell (default `DEFAULT_REPEAT`). */
  repeat?: number;
  /** The Kafka transport; without it the Kafka cells are skipped for `kafkaSkipped`. */
  kafka?: Transport;
  kafkaSkipped?: string;
  /** Deletes the Kafka cells' topics after each run (without it they stay on the cluster). */
  topicDeleter?: TopicDeleter;
  /** Longest wait for a cell's actors to stop, in ms (default `STOP_TIMEOUT_MS`). */
  stopTimeoutMs?: number;
  signal: AbortSignal;
  onStatus?: (line: string) => void;
}

/** One planned cell. */
export interface CellPlan {
  section: Section;
  transport: TransportKind;
  partitions: number;
  workers: number;
  encoding: WireEncoding;
  /** Transactions measured (warm-up and paced rows not included). */
  rows: number;
  /** Producer actors (producer section). */
  producers?: number;
  /** Multiple of the growth base (growth section). */
  growth?: number;
}

/** What one run of a cell measured (snake_case, as in the report). */
export interface RunReport {
  /** Headline throughput, transactions per second. */
  throughput: number;
  /** Seconds of the measured stretch. */
  seconds: number;
  /** Detection latency (e2e: under the paced load). */
  latency_ms?: Quantiles;
  lost: number;
  duplicates: number;
  /** Nothing lost, nothing duplicated, everything scored in time and stopped, no error. */
  ok: boolean;
  /** Wall time of the whole cell, set-up included. */
  cell_seconds: number;
  /** One-minute load average of the machine when the cell started. */
  load_average: number;
  /** Why the cell failed. */
  error?: string;
  /** The run's full measurement. */
  details?: ConsumerResult | ProducerResult | PipelineResult;
  accounting?: Accounting;
  /** Kafka: the run's topic read back, independently of the pipeline's ledger. */
  topic_check?: TopicCheck;
}

/**
 * A cell over its runs: throughput, seconds and latency are medians of the runs that passed; lost,
 * duplicates and cell seconds add up; `ok` when every run was; `details` and `accounting` are
 * those of the run of median throughput.
 */
export interface CellReport extends CellPlan, Omit<RunReport, "topic_check"> {
  /** Runs made. */
  repeats: number;
  /** Median, minimum and maximum over the measured runs. */
  spread: { throughput: Spread; latency_p50_ms?: Spread; latency_p99_ms?: Spread };
  runs: RunReport[];
}

/** The report of a scenario. */
export interface ScalingReport {
  scenario: BenchScenario;
  started_at: string;
  seconds: number;
  model_version: string;
  machine: {
    cores: number;
    memory_gb: number;
    load_average_start: number[];
    load_average_end: number[];
    os: string;
    deno: string;
  };
  settings: {
    /** Transactions of each run of a cell. */
    rows: Record<TransportKind, number>;
    warmup_rows: Record<TransportKind, number>;
    partitions: number[];
    workers: number[];
    producers: number[];
    encoding: WireEncoding;
    e2e_encodings: WireEncoding[];
    rate: number;
    seed: number;
    /** Runs of every cell. */
    repeat: number;
  };
  /** Kafka cells: run, or skipped and why. */
  kafka: { ran: boolean; skipped?: string; topics?: string };
  cells: CellReport[];
  /** Cells whose run was cut short by an interruption (not counted as failures). */
  interrupted: boolean;
  lost: number;
  duplicates: number;
  failed_cells: number;
  ok: boolean;
  /** The HTML report, when written. */
  html?: string;
}

/** The partition counts of a grid reaching `max`: 1, 2, 6 below it, then `max`. */
export function partitionGrid(max: number): number[] {
  return [...[1, 2, 6].filter((p) => p < max), max];
}

/** The worker counts of a grid reaching `max`: powers of two below it, then `max`. */
export function workerGrid(max: number): number[] {
  const grid: number[] = [];
  for (let w = 1; w < max; w *= 2) grid.push(w);
  return [...grid, max];
}

/** Rows of each run on the embedded log when a cell of `rows` runs `repeat` times. */
export function runRowsOf(rows: number, repeat: number): number {
  return Math.max(100, Math.round(rows / Math.max(1, repeat)));
}

/** Rows per run of a cell and warm-up rows on a transport, for `rows` on the embedded log. */
function sizes(embeddedRows: number, transport: TransportKind): { rows: number; warmup: number } {
  const rows = transport === "embedded"
    ? embeddedRows
    : Math.max(100, Math.round(embeddedRows * KAFKA_ROWS_FRACTION));
  return { rows, warmup: Math.min(2000, Math.max(100, Math.round(rows / 50))) };
}

/** The cells of a scenario, in the order they run. */
export function planCells(
  options: Pick<ScalingOptions, "scenario" | "rows" | "partitions" | "workers" | "encoding">,
  transports: TransportKind[],
): CellPlan[] {
  const cells: CellPlan[] = [];
  const maxPartitions = options.partitions[options.partitions.length - 1];
  const maxWorkers = options.workers[options.workers.length - 1];
  for (const transport of transports) {
    const { rows } = sizes(options.rows, transport);
    const base = { transport, encoding: options.encoding, rows };
    if (options.scenario === "scaling") {
      for (const partitions of options.partitions) {
        for (const workers of options.workers) {
          cells.push({ ...base, section: "consumer", partitions, workers });
        }
      }
      for (const producers of PRODUCERS) {
        cells.push({
          ...base,
          section: "producer",
          partitions: maxPartitions,
          workers: maxWorkers,
          producers,
        });
      }
      for (const growth of GROWTH) {
        cells.push({
          ...base,
          section: "growth",
          partitions: maxPartitions,
          workers: maxWorkers,
          rows: Math.max(100, Math.round((rows * growth) / 4)),
          growth,
        });
      }
    }
    for (const encoding of ["json", "arrow"] as const) {
      for (const partitions of options.partitions) {
        for (const workers of options.workers) {
          cells.push({ ...base, section: "e2e", encoding, partitions, workers });
        }
      }
    }
  }
  return cells;
}

/** Rows of the paced phase of a cell (e2e cells only). */
function pacedRows(cell: CellPlan): number {
  return cell.section === "e2e" ? Math.ceil(cell.rows / 2) : 0;
}

/** Rows a run of `cell` goes through: warm-up, measured and paced rows. */
function runRows(cell: CellPlan, embeddedRows: number): number {
  return sizes(embeddedRows, cell.transport).warmup + cell.rows + pacedRows(cell);
}

/** Rows of data the cells need (the largest cell, warm-up and paced rows included). */
function rowsNeeded(cells: CellPlan[], embeddedRows: number): number {
  return Math.max(...cells.map((cell) => runRows(cell, embeddedRows)));
}

/** Runs the scenario's cells, one at a time, and gathers the report. */
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
  const model = (await modelScoring({ ...options, workers: 1 })).current();
  if (options.kafka) await checkKafkaTopics(options.kafka, options);

  const needed = rowsNeeded(cells, options.rows);
  status(`generating ${needed} transactions (seed ${options.seed})`);
  const data = await benchData({ rows: needed, seed: options.seed, signal: options.signal });

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
          // Every cell joins and leaves a fresh group: only other events are worth a line.
          onEvent: (line) => {
            if (!/^(assigned|revoked) partitions /.test(line)) status(`${label}: ${line}`);
          },
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
        embedded: sizes(options.rows, "embedded").rows,
        kafka: sizes(options.rows, "kafka").rows,
      },
      warmup_rows: {
        embedded: sizes(options.rows, "embedded").warmup,
        kafka: sizes(options.rows, "kafka").warmup,
      },
      partitions: options.partitions,
      workers: options.workers,
      producers: PRODUCERS,
      encoding: options.encoding,
      e2e_encodings: ["json", "arrow"],
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

/** A short name of a cell for status lines. */
export function cellLabel(cell: CellPlan): string {
  const what = cell.section === "producer"
    ? `${cell.producers} producer${cell.producers === 1 ? "" : "s"}, ${cell.partitions} partitions`
    : `${cell.partitions} partition${cell.partitions === 1 ? "" : "s"}, ${cell.workers} worker${
      cell.workers === 1 ? "" : "s"
    }`;
  const growth = cell.growth ? ` ${cell.growth}x` : "";
  return `${cell.section}${growth} ${cell.transport} ${cell.encoding}, ${what}`;
}

function runOutcome(run: RunReport): string {
  if (!run.details) return `FAILED: ${run.error}`;
  const latency = run.latency_ms
    ? `, latency p50 ${run.latency_ms.p50} ms p99 ${run.latency_ms.p99} ms`
    : "";
  return `${run.throughput} tx/s${latency}; lost ${run.lost}, duplicates ${run.duplicates}` +
    ` (${run.cell_seconds} s)${run.ok ? "" : `; FAILED: ${run.error}`}`;
}

/** What a run of a cell needs besides its plan. */
interface RunContext {
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
async function runCell(cell: CellPlan, context: RunContext): Promise<RunReport> {
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
  return 4 * drainTimeoutMs(runRows(cell, options.rows)) +
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
    replicationFactor: options.replicationFactor,
    signal: options.signal,
    stopTimeoutMs,
    onEvent: context.onEvent,
    onProgress: context.onEvent,
  };
  const { warmup } = sizes(options.rows, cell.transport);
  try {
    let measured: Pick<RunReport, "throughput" | "seconds" | "latency_ms">;
    let details: RunReport["details"];
    if (cell.section === "consumer") {
      const result = await consumerCell(setup, data, { warmup, backlog: cell.rows });
      measured = result.consumer;
      details = result;
    } else if (cell.section === "producer") {
      const result = await producerCell(setup, data, {
        rows: cell.rows,
        producers: cell.producers!,
      });
      measured = result.producer;
      details = result;
    } else {
      const result = await pipelineCell(setup, data, {
        warmup,
        burst: cell.rows,
        paced: cell.section === "e2e" ? { rows: pacedRows(cell), rate: options.rate } : undefined,
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
      accounting.drained ? "" : "not everything was scored in time",
      accounting.stopped ? "" : `actors did not stop within ${stopTimeoutMs / 1000} s of being ` +
        "asked and were left behind (a Kafka call that never returns?)",
    ].filter(Boolean);
    return {
      throughput: measured.throughput,
      seconds: measured.seconds,
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

/**
 * The topics every cell shares on Kafka (alerts, scores, dead letters, card states) take records
 * for the cell's partition numbers: they need at least as many partitions as the largest cell.
 * Created here, they get no fewer than the default partition count, so a small bench does not
 * leave the cluster's shared topics too narrow for the pipeline that runs on it afterwards.
 */
async function checkKafkaTopics(kafka: Transport, options: ScalingOptions): Promise<void> {
  const partitions = options.partitions[options.partitions.length - 1];
  const shared = topicSpecs({
    topic: "",
    partitions: Math.max(partitions, SETTINGS.partitions.default),
    replicationFactor: options.replicationFactor,
  }).filter((spec) => spec.name !== ""); // all but the transactions topic, which is per cell
  await kafka.ensureTopics(shared);
  for (const spec of shared) {
    if (spec.partitions === 1) continue; // the producers' ledger
    const found = await kafka.partitions(spec.name);
    if (found < partitions) {
      throw new FraudstreamError(
        `Kafka topic '${spec.name}' has ${found} partitions and the bench needs ${partitions}; ` +
          `run it with --partitions ${found} or on a cluster whose topics have more partitions`,
      );
    }
  }
}
