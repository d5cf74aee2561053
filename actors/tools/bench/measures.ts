/**
 * What a benchmark cell measures: its phases of load, latency quantiles, and the accounting of
 * every transaction id, as the report holds them (snake_case).
 *
 * @module
 */

import { cpuUsage } from "node:process";
import type { Histogram } from "../../observe/metrics/histogram.ts";
import { type ThreadSample, threadSample, type ThreadSplit, threadSplit } from "./thread_cpu.ts";

/** Every transaction id accounted for (snake_case, as in the report). */
export interface Accounting {
  /** Transactions written to files. */
  written: number;
  /** Transactions the log acknowledged. */
  produced: number;
  /** Transactions scored and committed. */
  scored: number;
  dead_letters: number;
  /** Written or produced, never scored nor dead-lettered. */
  lost: number;
  /** Extra scorings of transactions scored more than once. */
  duplicates: number;
  /** Scored transactions that were never produced. */
  unknown: number;
  /** Every id tracked one by one (otherwise counts and checksums). */
  exact: boolean;
  /** Offsets of the transactions topic in no committed range of the consumers (never scored). */
  offset_gaps: number;
  /** Offsets in more than one committed range (scored twice). */
  offset_overlaps: number;
  /** Everything was published and scored before the time limit. */
  drained: boolean;
  /** Every actor stopped when asked (a stuck one is left behind and fails the cell). */
  stopped: boolean;
}

/** Latency quantiles in ms. */
export interface Quantiles {
  p50: number;
  p99: number;
  max: number;
}

/** A measured stretch of load. */
export interface Phase {
  rows: number;
  seconds: number;
  /** Transactions per second. */
  throughput: number;
  /**
   * CPU this process used (every thread) in the phase, in µs a transaction: what the
   * transactions cost, beside how fast they went.
   */
  cpu_us_per_row: number;
  /** The same split by thread (Linux only; see `thread_cpu.ts`). */
  cpu_us_per_row_by_thread?: ThreadSplit;
}

/** A point in a run: the clock (ms, `performance.now()`) and the CPU the process used so far (µs). */
export interface Moment {
  ms: number;
  cpuUs: number;
}

/** The clock and the process's CPU now. */
export function moment(): Moment {
  const { user, system } = cpuUsage();
  return { ms: performance.now(), cpuUs: user + system };
}

/** What `consumerCell` measured. */
export interface ConsumerResult {
  /** From starting the consumer to the warm-up being scored, in ms. */
  startup_ms: number;
  warmup_rows: number;
  /** Publishing the backlog in one transaction, the consumers idle meanwhile. */
  publish: Phase;
  /** Scoring the backlog, from its commit to the last committed batch. */
  consumer: Phase;
  accounting: Accounting;
}

/** What `producerCell` measured. */
export interface ProducerResult {
  producer: Phase & { producers: number };
  /** Scoring everything afterwards to account for it, start-up included (not a benchmark). */
  verify_seconds: number;
  accounting: Accounting;
}

/** What `pipelineCell` measured. */
export interface PipelineResult {
  /** From starting the pipeline to the warm-up being scored, in ms. */
  startup_ms: number;
  warmup_rows: number;
  /** Files written all at once: throughput; latency includes the queueing of the backlog. */
  burst: Phase & { latency_ms: Quantiles };
  /** Files written at a steady rate below the burst throughput: detection latency. */
  paced?: Phase & {
    /** Offered rate, transactions per second. */
    rate: number;
    /**
     * The offered rate was above the burst throughput: the phase measured a growing backlog, so
     * its latency is not a detection latency (and its p99 means nothing).
     */
    rate_above_burst: boolean;
    /** File written -> score committed, per transaction. */
    latency_ms: Quantiles;
    /** Log append -> batch committed, per message (the consumer's own histogram). */
    log_latency_ms: Quantiles;
  };
  /** Resident memory of the process after the burst, in MB (garbage not yet collected too). */
  rss_mb: number;
  accounting: Accounting;
}

/** Rows done from `started` to `ended`, as a phase. */
export function phase(rows: number, started: Moment, ended: Moment = moment()): Phase {
  // Nothing committed since `started` (a run that failed): no time, no throughput.
  const seconds = Math.max(0, (ended.ms - started.ms) / 1000);
  const cpuUs = Math.max(0, ended.cpuUs - started.cpuUs);
  return {
    rows,
    seconds: Math.round(seconds * 1000) / 1000,
    throughput: Math.round(rows / Math.max(seconds, 1e-3)),
    cpu_us_per_row: rows > 0 ? Math.round((cpuUs / rows) * 100) / 100 : 0,
  };
}

/**
 * `measured` with its CPU split by thread since `before` (a `threadSample()` taken when it
 * started), where threads can be read.
 */
export function splitByThread(measured: Phase, before: ThreadSample | undefined): Phase {
  const after = before && threadSample();
  return after
    ? { ...measured, cpu_us_per_row_by_thread: threadSplit(before, after, measured.cpu_us_per_row) }
    : measured;
}

/** The median, 99th percentile and maximum of `histogram`, to a tenth of a ms. */
export function quantiles(histogram: Histogram): Quantiles {
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    p50: round(histogram.quantile(0.5)),
    p99: round(histogram.quantile(0.99)),
    max: round(histogram.max),
  };
}
