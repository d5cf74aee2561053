/**
 * The consumer cell: consumer throughput on a backlog the consumers see all at once (published in
 * one transaction while they were idle), after a warm-up.
 *
 * @module
 */

import { join } from "node:path";
import { modelScoring } from "../../pipeline/consumer/model_scoring.ts";
import type { Pipeline } from "../../pipeline/run/pipeline.ts";
import { poll } from "../../lib/async.ts";
import { pipelineEvents } from "../../pipeline/events.ts";
import {
  cellAccounting,
  type CellSetup,
  cellTopicSpecs,
  drainTimeoutMs,
  readyPartitions,
  startCellPipeline,
  startProducers,
  stopWithin,
  supervised,
} from "./cell_harness.ts";
import { type BenchData, writeBatchFile } from "./data.ts";
import { type ConsumerResult, moment, phase, splitByThread } from "./measures.ts";
import { threadSample } from "./thread_cpu.ts";

/** Options of `consumerCell`. */
export interface ConsumerCellOptions {
  warmup: number;
  backlog: number;
}

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
    await setup.transport.ensureTopics(cellTopicSpecs(setup));
    const input = join(root, "in");
    const empty = join(root, "pipeline");
    const staging = join(root, ".stage");
    for (const dir of [input, empty, staging]) await Deno.mkdir(dir);
    const warmup = options.warmup;
    const total = warmup + options.backlog;
    writeBatchFile(staging, "warmup.csv", data.lines(0, warmup));
    writeBatchFile(staging, "backlog.csv", data.lines(warmup, total));

    let pipeline: Pipeline | undefined;
    let committedAt = moment();
    let committedThreads = threadSample();
    const published = pipelineEvents();
    published.on("published", ({ rows }) => {
      // A file's last transaction may hold only its ledger entry.
      if (rows > 0) {
        committedAt = moment();
        committedThreads = threadSample();
      }
    });
    const producers = await startProducers(setup, [input], {
      // The header line and the rows: the whole file in one transaction.
      chunkLines: options.backlog + 1,
      events: published,
    });
    try {
      const timeoutMs = drainTimeoutMs(total);
      const wait = { timeoutMs, signal: setup.signal, failed: producers.system.done };
      await poll(producers.ready, wait);
      const scoring = await modelScoring(setup);
      let lastCommit = moment();
      const events = pipelineEvents();
      events.on("committed", () => (lastCommit = moment()));
      const started = performance.now();
      pipeline = await startCellPipeline(setup, {
        input: empty,
        scoring,
        events,
        producedElsewhere: () => producers.metrics.rows,
      });
      const running = pipeline;
      let stage = "warm-up";
      return await supervised(running, setup, () => stage, async () => {
        let drained = true;
        const drain = async (rows: number) => {
          const published = await poll(
            () => producers.metrics.rows + producers.metrics.deadLetters >= rows,
            wait,
          );
          drained &&= published && await running.drain(empty, { timeoutMs, signal: setup.signal });
        };
        await Deno.rename(join(staging, "warmup.csv"), join(input, "warmup.csv"));
        await drain(warmup);
        // A pipeline that did not score its warm-up would not score the backlog either.
        if (drained) await poll(() => readyPartitions(running) >= setup.partitions, wait);
        const startup = performance.now() - started;

        const scored = running.consumer.scored;
        const publishStart = moment();
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
          consumer: splitByThread(
            phase(running.consumer.scored - scored, committedAt, lastCommit),
            committedThreads,
          ),
          accounting: await cellAccounting(running, {
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
