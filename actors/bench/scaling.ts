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
 *
 * @module
 */

import type { WireEncoding } from "../codec/transactions.ts";
import { FraudstreamError } from "../../config/errors.ts";
import { modelScoring } from "../consumer/model_scoring.ts";
import { topicSpecs, type Transport } from "../transport/mod.ts";
import { EmbeddedTransport } from "../transport/mod.ts";
import {
  type Accounting,
  type CellSetup,
  consumerCell,
  type ConsumerResult,
  pipelineCell,
  type PipelineResult,
  producerCell,
  type ProducerResult,
  type Quantiles,
} from "./cells.ts";
import { type BenchData, benchData } from "./data.ts";

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

/** Producer actors of the producer section. */
const PRODUCERS = [1, 2];
/** Data sizes of the growth section, in quarters of `rows`. */
const GROWTH = [1, 2, 4, 8];

/** What to run. */
export interface ScalingOptions {
  scenario: BenchScenario;
  /** Transactions per cell on the embedded log. */
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
  /** The Kafka transport; without it the Kafka cells are skipped for `kafkaSkipped`. */
  kafka?: Transport;
  kafkaSkipped?: string;
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

/** What one cell measured (snake_case, as in the report). */
export interface CellReport extends CellPlan {
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
  /** The cell's full measurement. */
  details?: ConsumerResult | ProducerResult | PipelineResult;
  accounting?: Accounting;
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
    rows: Record<TransportKind, number>;
    warmup_rows: Record<TransportKind, number>;
    partitions: number[];
    workers: number[];
    producers: number[];
    encoding: WireEncoding;
    e2e_encodings: WireEncoding[];
    rate: number;
    seed: number;
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

/** Rows per cell and warm-up rows on a transport, for `rows` on the embedded log. */
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

/** Rows of data the cells need (the largest cell, warm-up and paced rows included). */
function rowsNeeded(cells: CellPlan[], embeddedRows: number): number {
  return Math.max(
    ...cells.map((cell) => {
      const { warmup } = sizes(embeddedRows, cell.transport);
      return warmup + cell.rows + (cell.section === "e2e" ? Math.ceil(cell.rows / 2) : 0);
    }),
  );
}

/** Runs the scenario's cells, one at a time, and gathers the report. */
export async function runScaling(options: ScalingOptions): Promise<ScalingReport> {
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

  const reports: CellReport[] = [];
  let interrupted = false;
  for (const [index, cell] of cells.entries()) {
    if (options.signal.aborted) {
      interrupted = true;
      break;
    }
    const label = `[${index + 1}/${cells.length}] ${cellLabel(cell)}`;
    status(`${label}: ${cell.rows} transactions`);
    const report = await runCell(cell, {
      options,
      data,
      topic: `${runId}-${index}`,
      // Every cell joins and leaves a fresh group: only other events are worth a line.
      onEvent: (line) => {
        if (!/^(assigned|revoked) partitions /.test(line)) status(`${label}: ${line}`);
      },
    });
    if (options.signal.aborted && !report.ok) {
      interrupted = true;
      status(`${label}: interrupted`);
      break;
    }
    reports.push(report);
    status(`${label}: ${cellOutcome(report)}`);
  }

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
    },
    kafka: options.kafka
      ? { ran: true, topics: `${runId}-* (left on the cluster)` }
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

function cellOutcome(cell: CellReport): string {
  if (!cell.details) return `FAILED: ${cell.error}`;
  const latency = cell.latency_ms
    ? `, latency p50 ${cell.latency_ms.p50} ms p99 ${cell.latency_ms.p99} ms`
    : "";
  return `${cell.throughput} tx/s${latency}; lost ${cell.lost}, duplicates ${cell.duplicates}` +
    ` (${cell.cell_seconds} s)${cell.ok ? "" : `; FAILED: ${cell.error}`}`;
}

async function runCell(
  cell: CellPlan,
  context: {
    options: ScalingOptions;
    data: BenchData;
    topic: string;
    onEvent: (l: string) => void;
  },
): Promise<CellReport> {
  const { options, data } = context;
  const started = performance.now();
  const transport = cell.transport === "kafka" ? options.kafka! : new EmbeddedTransport();
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
    onEvent: context.onEvent,
    onProgress: context.onEvent,
  };
  const { warmup } = sizes(options.rows, cell.transport);
  const load = Math.round(Deno.loadavg()[0] * 100) / 100;
  const cellSeconds = () => Math.round((performance.now() - started) / 100) / 10;
  try {
    let measured: Pick<CellReport, "throughput" | "seconds" | "latency_ms">;
    let details: CellReport["details"];
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
        paced: cell.section === "e2e"
          ? { rows: Math.ceil(cell.rows / 2), rate: options.rate }
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
      accounting.drained ? "" : "not everything was scored in time",
      accounting.stopped ? "" : "actors did not stop (left behind)",
    ].filter(Boolean);
    return {
      ...cell,
      throughput: measured.throughput,
      seconds: measured.seconds,
      latency_ms: measured.latency_ms,
      lost: accounting.lost,
      duplicates: accounting.duplicates,
      ok: failures.length === 0,
      cell_seconds: cellSeconds(),
      load_average: load,
      error: failures.length > 0 ? failures.join("; ") : undefined,
      details,
      accounting,
    };
  } catch (error) {
    return {
      ...cell,
      throughput: 0,
      seconds: 0,
      lost: 0,
      duplicates: 0,
      ok: false,
      cell_seconds: cellSeconds(),
      load_average: load,
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    if (cell.transport === "embedded") await transport.close();
  }
}

/**
 * The topics every cell shares on Kafka (alerts, scores, dead letters, card states) take records
 * for the cell's partition numbers: they need at least as many partitions as the largest cell.
 */
async function checkKafkaTopics(kafka: Transport, options: ScalingOptions): Promise<void> {
  const partitions = options.partitions[options.partitions.length - 1];
  const shared = topicSpecs({
    topic: "",
    partitions,
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
