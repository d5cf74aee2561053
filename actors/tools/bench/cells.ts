/**
 * One benchmark cell: a fresh topic (and consumer group) on a transport, the real actors on it,
 * a measured load, and the reconciliation of every transaction id at the end.
 *
 * Three kinds:
 * - `consumerCell`: the consumers score a backlog they see all at once (published in one
 *   transaction while they were idle), after a warm-up.
 * - `producerCell`: producer actors publish batch files with nothing else running; then the
 *   consumers score everything, to account for it.
 * - `pipelineCell`: the whole path (batch file -> producer -> log -> partition actors ->
 *   committed scores and alerts): a warm-up, a burst of files written at once (throughput), and
 *   optionally a paced load below that (detection latency, from the moment a transaction's file
 *   is written to the moment its score is committed).
 *
 * @module
 */

import { join } from "node:path";
import type { WireEncoding } from "../../pipeline/codec/transactions.ts";
import { modelScoring } from "../../pipeline/consumer/model_scoring.ts";
import { Histogram } from "../../observe/metrics/histogram.ts";
import {
  type ProducerMetrics,
  producerMetrics,
  producerTree,
} from "../../pipeline/producer/mod.ts";
import { Pipeline, type PipelineOptions } from "../../pipeline/run/pipeline.ts";
import { type ActorSnapshot, ActorSystem, pollUntil, sleep } from "../../runtime/mod.ts";
import { TOPICS, topicSpecs, type Transport } from "../../log/mod.ts";
import { type BenchData, fileSlices, writeBatchFile } from "./data.ts";
import { settlesWithin } from "./within.ts";

/** Where and how a cell runs. */
export interface CellSetup {
  transport: Transport;
  /** Topic of this cell; its consumer group and producer ids derive from it. */
  topic: string;
  partitions: number;
  /** Scoring workers. */
  workers: number;
  encoding: WireEncoding;
  model: string;
  modelsDir: string;
  replicationFactor: number | undefined;
  signal: AbortSignal;
  /** Longest wait for the cell's actors to stop, in ms (default `STOP_TIMEOUT_MS`). */
  stopTimeoutMs?: number;
  /** Status lines of the actors (assignments, restarts). */
  onEvent?: (line: string) => void;
  /** A progress line every few seconds while the cell runs. */
  onProgress?: (line: string) => void;
}

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
    /** File written -> score committed, per transaction. */
    latency_ms: Quantiles;
    /** Log append -> batch committed, per message (the consumer's own histogram). */
    log_latency_ms: Quantiles;
  };
  /** Resident memory of the process after the burst, in MB (garbage not yet collected too). */
  rss_mb: number;
  accounting: Accounting;
}

/** Options of `consumerCell`. */
export interface ConsumerCellOptions {
  warmup: number;
  backlog: number;
}

/** Options of `producerCell`. */
export interface ProducerCellOptions {
  rows: number;
  /** Producer actors publishing in parallel, each its own input folder and share of the cards. */
  producers: number;
}

/** Options of `pipelineCell`. */
export interface PipelineCellOptions {
  warmup: number;
  burst: number;
  /** A paced phase after the burst: its rows and rate (0: half the burst throughput). */
  paced?: { rows: number; rate: number };
}

/** Rows per batch file (the producer publishes up to 5000 lines per transaction). */
const ROWS_PER_FILE = 5000;
/** How often the paced phase writes a file, in ms (the chaos scenarios' generator pace). */
const PACE_MS = 250;
/** How often a running cell says how far it got, in ms. */
const PROGRESS_MS = 5000;
/** Longest wait for the actors of a cell to stop, in ms, by default. */
export const STOP_TIMEOUT_MS = 60_000;

/**
 * Consumer throughput on a backlog: the pipeline starts and scores a warm-up; then one producer
 * actor publishes the backlog as a single transaction, which the consumers (reading committed
 * records only) see all at once when it commits.
 */
export async function consumerCell(
  setup: CellSetup,
  data: BenchData,
  options: ConsumerCellOptions,
): Promise<ConsumerResult> {
  const root = await Deno.makeTempDir({ prefix: "fraudstream-bench-" });
  try {
    await setup.transport.ensureTopics(topicSpecs(setup));
    const input = join(root, "in");
    const empty = join(root, "pipeline");
    const staging = join(root, ".stage");
    for (const dir of [input, empty, staging]) await Deno.mkdir(dir);
    const warmup = options.warmup;
    const total = warmup + options.backlog;
    writeBatchFile(staging, "warmup.csv", data.lines.slice(0, warmup));
    writeBatchFile(staging, "backlog.csv", data.lines.slice(warmup, total));

    let pipeline: Pipeline | undefined;
    let committedAt = 0;
    const producers = await startProducers(setup, [input], {
      // The header line and the rows: the whole file in one transaction.
      chunkLines: options.backlog + 1,
      onPublished: (ids) => {
        // A file's last transaction may hold only its ledger entry.
        if (ids.length > 0) committedAt = performance.now();
        for (const id of ids) pipeline!.ledger.produced(id);
      },
    });
    try {
      const timeoutMs = drainTimeoutMs(total);
      const wait = { timeoutMs, signal: setup.signal, failed: producers.system.done };
      await pollUntil(producers.ready, wait);
      const scoring = await modelScoring(setup);
      let lastCommit = 0;
      const started = performance.now();
      pipeline = await startCellPipeline(setup, {
        input: empty,
        scoring,
        onCommitted: () => (lastCommit = performance.now()),
      });
      const running = pipeline;
      let stage = "warm-up";
      return await supervised(running, setup, () => stage, async () => {
        let drained = true;
        const drain = async (rows: number) => {
          const published = await pollUntil(
            () => producers.metrics.rows + producers.metrics.deadLetters >= rows,
            wait,
          );
          drained &&= published && await running.drain(empty, { timeoutMs, signal: setup.signal });
        };
        await Deno.rename(join(staging, "warmup.csv"), join(input, "warmup.csv"));
        await drain(warmup);
        // A pipeline that did not score its warm-up would not score the backlog either.
        if (drained) await pollUntil(() => readyPartitions(running) >= setup.partitions, wait);
        const startup = performance.now() - started;

        const scored = running.consumer.scored;
        const publishStart = performance.now();
        let written = warmup;
        if (drained) {
          stage = "backlog";
          await Deno.rename(join(staging, "backlog.csv"), join(input, "backlog.csv"));
          await drain(total);
          written = total;
        }
        return {
          startup_ms: Math.round(startup),
          warmup_rows: warmup,
          publish: phase(written - warmup, publishStart, committedAt),
          consumer: phase(running.consumer.scored - scored, committedAt, lastCommit),
          accounting: accounting(running, {
            written,
            producerDeadLetters: producers.metrics.deadLetters,
            drained,
          }),
        };
      });
    } finally {
      await stopWithin(producers.system.shutdown(), setup);
    }
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

/**
 * Producer throughput: producer actors publish the rows from files with nothing else running
 * (each its own input folder and share of the cards, so every card stays in order); then the
 * consumers score everything, to account for every row.
 */
export async function producerCell(
  setup: CellSetup,
  data: BenchData,
  options: ProducerCellOptions,
): Promise<ProducerResult> {
  const root = await Deno.makeTempDir({ prefix: "fraudstream-bench-" });
  const rows = options.rows;
  try {
    await setup.transport.ensureTopics(topicSpecs(setup));
    const inputs = Array.from({ length: options.producers }, (_, i) => join(root, `in-${i}`));
    const staging = inputs.map((_, i) => join(root, `.stage-${i}`));
    for (const dir of [...inputs, ...staging]) await Deno.mkdir(dir);
    const shares: string[][] = inputs.map(() => []);
    for (let i = 0; i < rows; i++) {
      shares[cardShare(data.cards[i], options.producers)].push(data.lines[i]);
    }
    shares.forEach((lines, p) => {
      for (const [a, b] of fileSlices(0, lines.length, ROWS_PER_FILE)) {
        writeBatchFile(staging[p], `b-${String(a).padStart(9, "0")}.csv`, lines.slice(a, b));
      }
    });

    const ids: string[] = [];
    const producers = await startProducers(setup, inputs, {
      onPublished: (published) => ids.push(...published),
    });
    const timeoutMs = drainTimeoutMs(rows);
    let producer: Phase;
    const progress = ticker(setup, () => `publishing: ${producers.metrics.rows} of ${rows}`);
    let producersStopped = false;
    try {
      const wait = { timeoutMs, signal: setup.signal, failed: producers.system.done };
      await pollUntil(producers.ready, wait);
      const started = performance.now();
      // Each staged folder appears at once in its producer's input folder.
      for (let p = 0; p < options.producers; p++) {
        await Deno.rename(staging[p], join(inputs[p], "batch"));
      }
      await pollUntil(() => producers.metrics.rows + producers.metrics.deadLetters >= rows, wait);
      producer = phase(producers.metrics.rows, started);
    } finally {
      progress();
      producersStopped = await stopWithin(producers.system.shutdown(), setup);
    }

    const empty = join(root, "pipeline");
    await Deno.mkdir(empty);
    const verifyStart = performance.now();
    const pipeline = await startCellPipeline(setup, {
      input: empty,
      scoring: await modelScoring(setup),
    });
    const result = await supervised(pipeline, setup, () => "scoring", async () => {
      for (const id of ids) pipeline.ledger.produced(id);
      const drained = await pipeline.drain(empty, { timeoutMs, signal: setup.signal });
      return {
        producer: { ...producer, producers: options.producers },
        verify_seconds: Math.round((performance.now() - verifyStart) / 10) / 100,
        accounting: accounting(pipeline, {
          written: rows,
          producerDeadLetters: producers.metrics.deadLetters,
          drained,
        }),
      };
    });
    result.accounting.stopped &&= producersStopped;
    return result;
  } finally {
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}

/** Producer actors of a cell, one per input folder, sharing their counters. */
async function startProducers(
  setup: CellSetup,
  inputs: string[],
  options: { chunkLines?: number; onPublished: (ids: string[]) => void },
): Promise<{ system: ActorSystem; metrics: ProducerMetrics; ready: () => boolean }> {
  const metrics = producerMetrics();
  const idle = new Set<number>();
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "bench-produce",
    intensity: 3,
    periodMs: 60_000,
    children: inputs.map((input, p) =>
      producerTree({
        id: `producer-${p}`,
        transport: setup.transport,
        input,
        topics: { transactions: setup.topic, deadLetters: TOPICS.deadLetters },
        partitions: setup.partitions,
        encoding: setup.encoding,
        producerId: `${setup.topic}-${p}`,
        maxFilesPerTrigger: 1000,
        pollMs: 10,
        chunkLines: options.chunkLines,
        metrics,
        deletePublished: true,
        onPublished: options.onPublished,
        // A producer is ready once it has read its ledger and found nothing to do.
        onIdle: () => idle.add(p),
      })
    ),
  });
  return { system, metrics, ready: () => idle.size === inputs.length };
}

/** Runs the whole pipeline on a burst of files, then (optionally) on a paced load. */
export async function pipelineCell(
  setup: CellSetup,
  data: BenchData,
  options: PipelineCellOptions,
): Promise<PipelineResult> {
  const input = await Deno.makeTempDir({ prefix: "fraudstream-bench-" });
  try {
    await setup.transport.ensureTopics(topicSpecs(setup));
    const scoring = await modelScoring(setup);
    /** Written, not yet committed rows: when, and the histogram of their phase. */
    const pending = new Map<string, { at: number; histogram: Histogram }>();
    let lastCommit = 0;
    const started = performance.now();
    const pipeline = await startCellPipeline(setup, {
      input,
      scoring,
      onCommitted: (batch) => {
        const now = performance.now();
        lastCommit = now;
        for (const row of batch.rows) {
          const written = pending.get(row.trans_num);
          if (!written) continue;
          written.histogram.record(now - written.at);
          pending.delete(row.trans_num);
        }
      },
    });
    let next = 0;
    let sequence = 0;
    const write = (count: number, histogram: Histogram) => {
      const end = next + count;
      if (end > data.lines.length) throw new RangeError("the bench data holds too few rows");
      for (const [a, b] of fileSlices(next, end, ROWS_PER_FILE)) {
        writeBatchFile(
          input,
          `b-${String(sequence++).padStart(9, "0")}.csv`,
          data.lines.slice(a, b),
        );
        const at = performance.now();
        for (let i = a; i < b; i++) pending.set(data.ids[i], { at, histogram });
      }
      next = end;
    };
    let drained = true;
    const drain = async (rows: number) => {
      const done = await pipeline.drain(input, {
        timeoutMs: drainTimeoutMs(rows),
        signal: setup.signal,
      });
      drained &&= done;
      return done;
    };
    let stage = "warm-up";
    return await supervised(pipeline, setup, () => stage, async () => {
      write(options.warmup, new Histogram());
      await drain(options.warmup);
      const startup = performance.now() - started;

      const burstLatency = new Histogram();
      const burstStart = performance.now();
      const scoredBefore = pipeline.consumer.scored;
      // A pipeline that did not score its warm-up would not score a burst either.
      if (drained) {
        stage = "burst";
        write(options.burst, burstLatency);
        await drain(options.burst);
      }
      const burst = phase(pipeline.consumer.scored - scoredBefore, burstStart, lastCommit);
      const rss = Deno.memoryUsage().rss / 2 ** 20;

      let paced: PipelineResult["paced"];
      if (options.paced && drained && !setup.signal.aborted) {
        const rate = options.paced.rate > 0
          ? options.paced.rate
          : Math.max(100, Math.round(burst.throughput / 2));
        const latency = new Histogram();
        const logBefore = pipeline.consumer.latencyMs.copy();
        const pacedStart = performance.now();
        const scored = pipeline.consumer.scored;
        stage = `paced load of ${rate} tx/s`;
        const first = next;
        const last = next + options.paced.rows;
        while (next < last) {
          const elapsed = (performance.now() - pacedStart) / 1000;
          const due = Math.min(last, first + Math.floor(elapsed * rate));
          if (due > next) write(due - next, latency);
          if (next < last && !(await sleep(PACE_MS, setup.signal))) break;
        }
        await drain(next - first);
        paced = {
          ...phase(pipeline.consumer.scored - scored, pacedStart, lastCommit),
          rate,
          latency_ms: quantiles(latency),
          log_latency_ms: quantiles(pipeline.consumer.latencyMs.since(logBefore)),
        };
      }
      return {
        startup_ms: Math.round(startup),
        warmup_rows: options.warmup,
        burst: { ...burst, latency_ms: quantiles(burstLatency) },
        paced,
        rss_mb: Math.round(rss),
        accounting: accounting(pipeline, {
          written: next,
          producerDeadLetters: pipeline.producer.deadLetters,
          drained,
        }),
      };
    });
  } finally {
    await Deno.remove(input, { recursive: true }).catch(() => {});
  }
}

/**
 * Runs `body` on a started pipeline with a progress line every few seconds, then stops the
 * pipeline; a pipeline that does not stop in time is left behind and marks the result.
 */
async function supervised<T extends { accounting: Accounting }>(
  pipeline: Pipeline,
  setup: CellSetup,
  stage: () => string,
  body: () => Promise<T>,
): Promise<T> {
  const progress = ticker(setup, () => {
    const lag = pipeline.consumer.lag.reduce((sum, n) => sum + (n ?? 0), 0);
    return `${stage()}: produced ${pipeline.producer.rows}, scored ${pipeline.consumer.scored}, ` +
      `lag ${lag}`;
  });
  let result: T | undefined;
  try {
    result = await body();
  } finally {
    progress();
    const stopped = await stopWithin(pipeline.stop(), setup);
    if (result) result.accounting.stopped = stopped;
  }
  return result;
}

/** The consumer group of the cell on `topic`. */
export function cellGroupId(topic: string): string {
  return `${topic}-scoring`;
}

/** The cell's pipeline on its topic: the same group, producer id and settings in every cell. */
function startCellPipeline(
  setup: CellSetup,
  options: Pick<PipelineOptions, "input" | "scoring" | "onCommitted">,
): Promise<Pipeline> {
  return Pipeline.start({
    transport: setup.transport,
    topic: setup.topic,
    partitions: setup.partitions,
    encoding: setup.encoding,
    groupId: cellGroupId(setup.topic),
    producerId: `${setup.topic}-pipeline`,
    emitScores: false,
    onEvent: setup.onEvent,
    ...options,
  });
}

/** Calls `setup.onProgress` with `describe()` every few seconds; returns the stop function. */
function ticker(setup: CellSetup, describe: () => string): () => void {
  if (!setup.onProgress) return () => {};
  const timer = setInterval(() => setup.onProgress!(describe()), PROGRESS_MS);
  return () => clearInterval(timer);
}

/** Waits for `stopping` up to the stop timeout; false (and a progress line) when it did not. */
async function stopWithin(stopping: Promise<unknown>, setup: CellSetup): Promise<boolean> {
  const timeoutMs = setup.stopTimeoutMs ?? STOP_TIMEOUT_MS;
  const stopped = await settlesWithin(stopping, timeoutMs);
  if (!stopped) setup.onProgress?.(`actors did not stop within ${timeoutMs / 1000} s; left behind`);
  return stopped;
}

/** Which of `producers` publishes the rows of `card`. */
function cardShare(card: string, producers: number): number {
  let hash = 0;
  for (let i = 0; i < card.length; i++) hash = (hash * 31 + card.charCodeAt(i)) >>> 0;
  return hash % producers;
}

/** Generous time for `rows` to be published and scored, in ms. */
export function drainTimeoutMs(rows: number): number {
  return 60_000 + rows * 2;
}

/** Rows done from `started` to `ended` (`performance.now()` times), as a phase. */
function phase(rows: number, started: number, ended = performance.now()): Phase {
  // Nothing committed since `started` (a run that failed): no time, no throughput.
  const seconds = Math.max(0, (ended - started) / 1000);
  return {
    rows,
    seconds: Math.round(seconds * 1000) / 1000,
    throughput: Math.round(rows / Math.max(seconds, 1e-3)),
  };
}

/** Partition actors of the pipeline that are running (their state restored). */
function readyPartitions(pipeline: Pipeline): number {
  const count = (node: ActorSnapshot): number =>
    node.path.endsWith("consume/partitions")
      ? (node.children ?? []).filter((child) => child.state === "running").length
      : (node.children ?? []).reduce((sum, child) => sum + count(child), 0);
  return count(pipeline.system.snapshot());
}

function accounting(
  pipeline: Pipeline,
  options: { written: number; producerDeadLetters: number; drained: boolean },
): Accounting {
  const r = pipeline.reconcile();
  return {
    written: options.written,
    produced: r.produced,
    scored: r.scored,
    dead_letters: options.producerDeadLetters + pipeline.consumer.deadLetters,
    lost: r.lost + Math.max(0, options.written - r.produced - options.producerDeadLetters),
    duplicates: r.duplicates,
    unknown: r.unknown,
    exact: r.exact,
    drained: options.drained,
    stopped: true,
  };
}

function quantiles(histogram: Histogram): Quantiles {
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    p50: round(histogram.quantile(0.5)),
    p99: round(histogram.quantile(0.99)),
    max: round(histogram.max),
  };
}
