/**
 * The producer cell: producer actors publish batch files with nothing else running; then the
 * consumers score everything, to account for it.
 *
 * @module
 */

import { join } from "node:path";
import { modelScoring } from "../../pipeline/consumer/model_scoring.ts";
import { poll } from "../../lib/async.ts";
import { pipelineEvents } from "../../pipeline/events.ts";
import {
  cellAccounting,
  type CellSetup,
  cellTopicSpecs,
  drainTimeoutMs,
  ROWS_PER_FILE,
  startCellPipeline,
  startProducers,
  stopWithin,
  supervised,
  ticker,
} from "./cell_harness.ts";
import { type BenchData, fileSlices, writeBatchFile } from "./data.ts";
import { moment, type Phase, phase, type ProducerResult, splitByThread } from "./measures.ts";
import { threadSample } from "./thread_cpu.ts";

/** Options of `producerCell`. */
export interface ProducerCellOptions {
  rows: number;
  /** Rows published before the clock starts (0 by default), as the other cells warm up. */
  warmup?: number;
  /** Producer actors publishing in parallel, each its own input folder and share of the cards. */
  producers: number;
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
  const warmup = options.warmup ?? 0;
  const written = warmup + rows;
  try {
    await setup.transport.ensureTopics(cellTopicSpecs(setup));
    const inputs = Array.from({ length: options.producers }, (_, i) => join(root, `in-${i}`));
    // The warm-up's files, then the measured ones, each staged beside a producer's input folder
    // and moved into it at once.
    const stages = [
      { name: "warm-up", from: 0, to: warmup },
      { name: "batch", from: warmup, to: written },
    ].map((stage) => ({
      ...stage,
      staging: inputs.map((_, i) => join(root, `.${stage.name}-${i}`)),
    }));
    for (const dir of [...inputs, ...stages.flatMap((stage) => stage.staging)]) {
      await Deno.mkdir(dir);
    }
    for (const { from, to, staging } of stages) {
      // Each card's rows go to one producer.
      const shares: number[][] = inputs.map(() => []);
      for (let row = from; row < to; row++) {
        shares[data.cardHash(row) % options.producers].push(row);
      }
      shares.forEach((share, p) => {
        for (const [a, b] of fileSlices(0, share.length, ROWS_PER_FILE)) {
          const name = `b-${String(a).padStart(9, "0")}.csv`;
          writeBatchFile(staging[p], name, data.gather(share.slice(a, b)));
        }
      });
    }
    const release = async ({ name, staging }: typeof stages[number]) => {
      for (let p = 0; p < options.producers; p++) {
        await Deno.rename(staging[p], join(inputs[p], name));
      }
    };

    const events = pipelineEvents();
    const producers = await startProducers(setup, inputs, { events });
    const timeoutMs = drainTimeoutMs(written);
    let producer: Phase;
    const progress = ticker(setup, () => `publishing: ${producers.metrics.rows} of ${written}`);
    let producersStopped = false;
    try {
      const wait = { timeoutMs, signal: setup.signal, failed: producers.system.done };
      const publishedAll = (count: number) =>
        poll(() => producers.metrics.rows + producers.metrics.deadLetters >= count, wait);
      await poll(producers.ready, wait);
      await release(stages[0]);
      await publishedAll(warmup);
      const warmed = producers.metrics.rows;
      const started = moment();
      const threads = threadSample();
      await release(stages[1]);
      await publishedAll(written);
      producer = splitByThread(phase(producers.metrics.rows - warmed, started), threads);
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
      producedElsewhere: () => producers.metrics.rows,
    });
    const result = await supervised(pipeline, setup, () => "scoring", async () => {
      const drained = await pipeline.drain(empty, { timeoutMs, signal: setup.signal });
      return {
        producer: { ...producer, producers: options.producers },
        verify_seconds: Math.round((performance.now() - verifyStart) / 10) / 100,
        accounting: await cellAccounting(pipeline, {
          written,
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
