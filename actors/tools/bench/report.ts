/**
 * The report of a bench run (snake_case, as written by `--report`): each run of a cell, each cell
 * over its runs, and the run as a whole with the machine and settings it ran on.
 *
 * @module
 */

import type { WireEncoding } from "../../pipeline/codec/wire_encoding.ts";
import type {
  Accounting,
  ConsumerResult,
  PipelineResult,
  ProducerResult,
  Quantiles,
} from "./measures.ts";
import type { CellPlan, TransportKind } from "./plan.ts";
import type { BenchScenario } from "./scenarios.ts";
import type { TopicCheck } from "./topic_check.ts";

/** The median of a figure over the runs, and its range. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** What one run of a cell measured (snake_case, as in the report). */
export interface RunReport {
  /** Headline throughput, transactions per second. */
  throughput: number;
  /** Seconds of the measured stretch. */
  seconds: number;
  /** CPU this process used in the measured stretch (every thread), µs a transaction. */
  cpu_us_per_row: number;
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
  /** The shadow model that scored beside it (`--shadow-model`), when one did. */
  shadow_model_version?: string;
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
