/**
 * What a bench run measures, and in which order: its options, the grids of partitions and
 * workers, the cells of a scenario, and how many transactions each cell takes on each log.
 *
 * @module
 */

import { WIRE_ENCODINGS, type WireEncoding } from "../../pipeline/codec/wire_encoding.ts";
import type { Transport } from "../../log/mod.ts";
import type { BenchScenario } from "./scenarios.ts";
import type { TopicDeleter } from "./topic_cleanup.ts";

/** A part of the scaling analysis. */
export type Section = "consumer" | "producer" | "growth" | "e2e";

/** The log a cell runs on. */
export type TransportKind = "embedded" | "kafka";

/** Kafka cells take this fraction of the rows: they run several times slower. */
export const KAFKA_ROWS_FRACTION = 0.2;

/** Producer actors of the producer section. */
export const PRODUCERS = [1, 2];

/** Data sizes of the growth section, in quarters of `rows`. */
const GROWTH = [1, 2, 4, 8];

/** Wire encodings of the e2e section (every one). */
export const E2E_ENCODINGS: readonly WireEncoding[] = WIRE_ENCODINGS;

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
  /** A shadow model scoring every transaction beside `model` (its cost is what is measured). */
  shadowModel?: string;
  /** Reason codes per alert (default `REASON_CODES`; 0: none; their cost is what is measured). */
  reasonCodes?: number;
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

/**
 * Most warm-up rows a run scores before its clock starts. Each run starts fresh workers, whose
 * code V8 compiles as it gets hot: with 2,000 warm-up rows those compiles fell inside 333,333-row
 * runs (V8's helper threads 0.99-1.08 µs a transaction of the end-to-end cell's 5.1-5.3, against
 * 0.45-0.49 of 4.5 after 50,000), so the cells measured a process's first second, not a running
 * pipeline.
 */
export const MAX_WARMUP_ROWS = 50_000;

/** Rows per run of a cell and warm-up rows on a transport, for `rows` on the embedded log. */
export function cellSizes(
  embeddedRows: number,
  transport: TransportKind,
): { rows: number; warmup: number } {
  const rows = transport === "embedded"
    ? embeddedRows
    : Math.max(100, Math.round(embeddedRows * KAFKA_ROWS_FRACTION));
  return { rows, warmup: Math.min(MAX_WARMUP_ROWS, Math.max(100, Math.round(rows / 5))) };
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
    const { rows } = cellSizes(options.rows, transport);
    const base = { transport, encoding: options.encoding, rows };
    if (options.scenario === "consumer") {
      for (const partitions of options.partitions) {
        for (const workers of options.workers) {
          cells.push({ ...base, section: "consumer", partitions, workers });
        }
      }
      continue;
    }
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
    for (const encoding of E2E_ENCODINGS) {
      for (const partitions of options.partitions) {
        for (const workers of options.workers) {
          cells.push({ ...base, section: "e2e", encoding, partitions, workers });
        }
      }
    }
  }
  return cells;
}

/**
 * Shortest paced phase at a rate the bench is given, in seconds: a p99 over a fraction of a second
 * of load (a Kafka cell's share of the rows, say) says little.
 */
export const MIN_PACED_SECONDS = 5;
/**
 * Most rows of a paced phase, in multiples of the cell's measured rows: a rate far above what the
 * pipeline can take (which the bench warns of) must not make it generate and push millions of
 * rows.
 */
export const MAX_PACED_MULTIPLE = 10;

/**
 * Rows of the paced phase of a cell (e2e cells only): half its measured rows, and at a given
 * `rate` (0: half the burst throughput, known only once the burst ran) `MIN_PACED_SECONDS` of it
 * if that is more, up to `MAX_PACED_MULTIPLE` times the measured rows.
 */
export function pacedRows(cell: CellPlan, rate: number): number {
  if (cell.section !== "e2e") return 0;
  const forSeconds = Math.min(rate * MIN_PACED_SECONDS, MAX_PACED_MULTIPLE * cell.rows);
  return Math.ceil(Math.max(cell.rows / 2, forSeconds));
}

/** Rows a run of `cell` goes through at paced `rate`: warm-up, measured and paced rows. */
export function runRows(cell: CellPlan, embeddedRows: number, rate: number): number {
  return cellSizes(embeddedRows, cell.transport).warmup + cell.rows + pacedRows(cell, rate);
}

/** Rows of data the cells need (the largest cell, warm-up and paced rows included). */
export function rowsNeeded(cells: CellPlan[], embeddedRows: number, rate: number): number {
  return Math.max(...cells.map((cell) => runRows(cell, embeddedRows, rate)));
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
