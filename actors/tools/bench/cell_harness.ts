/**
 * What every benchmark cell shares: where and how it runs (`CellSetup`), its pipeline and
 * producer actors on the cell's own topic and group, progress lines while it runs, bounded stops,
 * and the reconciliation of every transaction id at the end.
 *
 * @module
 */

import type { WireEncoding } from "../../pipeline/codec/wire_encoding.ts";
import {
  type ProducerMetrics,
  producerMetrics,
  producerTree,
} from "../../pipeline/producer/mod.ts";
import { Pipeline, type PipelineOptions } from "../../pipeline/run/pipeline.ts";
import { CHUNK_LINES } from "../../pipeline/producer/publisher.ts";
import { type PipelineEmitter, pipelineEvents } from "../../pipeline/events.ts";
import { sayEvents } from "../../pipeline/status_lines.ts";
import { type ActorSnapshot, ActorSystem } from "../../runtime/mod.ts";
import type { TopicSpec, Transport } from "../../log/mod.ts";
import { outputTopicsOf, topicSpecs } from "../../pipeline/topics.ts";
import type { Accounting } from "./measures.ts";
import { within } from "./within.ts";

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
  /** A shadow model scoring every transaction beside `model`. */
  shadowModel?: string;
  /** Reason codes per alert (default `REASON_CODES`; 0: none). */
  reasonCodes?: number;
  /** Every transaction's score published to the scores topic too (default false). */
  emitScores?: boolean;
  replicationFactor: number | undefined;
  signal: AbortSignal;
  /** Longest wait for the cell's actors to stop, in ms (default `STOP_TIMEOUT_MS`). */
  stopTimeoutMs?: number;
  /** Status lines of the pipeline's events (but its assignments: every cell has its own group). */
  onEvent?: (line: string) => void;
  /** A progress line every few seconds while the cell runs. */
  onProgress?: (line: string) => void;
}

/** Rows per batch file of a burst: one chunk of the producer's each, in Arrow. */
export const ROWS_PER_FILE = CHUNK_LINES.arrow;
/** How often a running cell says how far it got, in ms. */
const PROGRESS_MS = 5000;
/** Longest wait for the actors of a cell to stop, in ms, by default. */
export const STOP_TIMEOUT_MS = 60_000;

/** Generous time for `rows` to be published and scored, in ms. */
export function drainTimeoutMs(rows: number): number {
  return 60_000 + rows * 2;
}

/** The consumer group of the cell on `topic`. */
export function cellGroupId(topic: string): string {
  return `${topic}-scoring`;
}

/**
 * Every topic of the cell on `topic`: its transactions and its own output topics
 * (`outputTopicsOf`), all named from it and deleted with it.
 */
export function cellTopics(topic: string): string[] {
  return [topic, ...Object.values(outputTopicsOf(topic))];
}

/** The topics the cell on `setup.topic` works with, with their partitions. */
export function cellTopicSpecs(setup: CellSetup): TopicSpec[] {
  return topicSpecs(setup, outputTopicsOf(setup.topic));
}

/** The cell's pipeline on its topic: the same group, producer id and settings in every cell. */
export function startCellPipeline(
  setup: CellSetup,
  options: Pick<PipelineOptions, "input" | "scoring" | "events" | "producedElsewhere">,
): Promise<Pipeline> {
  const events = options.events ?? pipelineEvents();
  // Every cell joins and leaves a fresh group: only the other events are worth a line.
  if (setup.onEvent) sayEvents(events, setup.onEvent, ["assigned", "revoked"]);
  return Pipeline.start({
    transport: setup.transport,
    topic: setup.topic,
    outputTopics: outputTopicsOf(setup.topic),
    partitions: setup.partitions,
    encoding: setup.encoding,
    groupId: cellGroupId(setup.topic),
    producerId: `${setup.topic}-pipeline`,
    emitScores: setup.emitScores ?? false,
    ...options,
    events,
  });
}

/** Producer actors of a cell, one per input folder, sharing their counters. */
export interface CellProducers {
  system: ActorSystem;
  metrics: ProducerMetrics;
  /** Every producer has read its ledger and found nothing to do. */
  ready: () => boolean;
}

/**
 * Starts the producer actors of a cell, one per input folder, sharing their counters; they tell
 * `events` what they publish.
 */
export async function startProducers(
  setup: CellSetup,
  inputs: string[],
  options: { chunkLines?: number; events: PipelineEmitter },
): Promise<CellProducers> {
  const metrics = producerMetrics();
  // A producer is ready once it has read its ledger and found nothing to do.
  const idle = new Set<string>();
  options.events.on("idle", ({ producerId }) => idle.add(producerId));
  const outputs = outputTopicsOf(setup.topic);
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
        topics: {
          transactions: setup.topic,
          deadLetters: outputs.deadLetters,
          ledger: outputs.ledger,
        },
        partitions: setup.partitions,
        encoding: setup.encoding,
        producerId: `${setup.topic}-${p}`,
        maxFilesPerTrigger: 1000,
        pollMs: 10,
        chunkLines: options.chunkLines,
        metrics,
        deletePublished: true,
        events: options.events,
      })
    ),
  });
  return { system, metrics, ready: () => idle.size === inputs.length };
}

/**
 * Runs `body` on a started pipeline with a progress line every few seconds, then stops the
 * pipeline; a pipeline that does not stop in time is left behind and marks the result.
 */
export async function supervised<T extends { accounting: Accounting }>(
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

/** Calls `setup.onProgress` with `describe()` every few seconds; returns the stop function. */
export function ticker(setup: CellSetup, describe: () => string): () => void {
  if (!setup.onProgress) return () => {};
  const timer = setInterval(() => setup.onProgress!(describe()), PROGRESS_MS);
  return () => clearInterval(timer);
}

/** Waits for `stopping` up to the stop timeout; false (and a progress line) when it did not. */
export async function stopWithin(stopping: Promise<unknown>, setup: CellSetup): Promise<boolean> {
  const timeoutMs = setup.stopTimeoutMs ?? STOP_TIMEOUT_MS;
  const stopped = (await within(stopping, timeoutMs)).settled;
  if (!stopped) setup.onProgress?.(`actors did not stop within ${timeoutMs / 1000} s; left behind`);
  return stopped;
}

/** Partition actors of the pipeline that are running (their state restored). */
export function readyPartitions(pipeline: Pipeline): number {
  const count = (node: ActorSnapshot): number =>
    node.path.endsWith("consume/partitions")
      ? (node.children ?? []).filter((child) => child.state === "running").length
      : (node.children ?? []).reduce((sum, child) => sum + count(child), 0);
  return count(pipeline.system.snapshot());
}

/**
 * Every transaction of a cell accounted for, without a cost per transaction: the rows written
 * to files against those the log acknowledged and the producers dead-lettered, those against the
 * rows scored and dead-lettered by the consumers, and the consumers' committed offset ranges
 * against the end of each partition (each offset in exactly one committed range).
 */
export async function cellAccounting(
  pipeline: Pipeline,
  options: { written: number; producerDeadLetters: number; drained: boolean },
): Promise<Accounting> {
  const r = pipeline.reconcile();
  const offsets = await pipeline.reconcileOffsets();
  return {
    offset_gaps: offsets.gaps,
    offset_overlaps: offsets.overlaps,
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
