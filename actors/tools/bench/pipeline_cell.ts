/**
 * The pipeline cell: the whole path (batch file -> producer -> log -> partition actors ->
 * committed scores and alerts): a warm-up, a burst of files written at once (throughput), and
 * optionally a paced load below that (detection latency, from the moment a transaction's file is
 * written to the moment its score is committed).
 *
 * @module
 */

import { modelScoring } from "../../pipeline/consumer/model_scoring.ts";
import { Histogram } from "../../observe/metrics/histogram.ts";
import { delay } from "../../lib/async.ts";
import { pipelineEvents } from "../../pipeline/events.ts";
import {
  cellAccounting,
  type CellSetup,
  cellTopicSpecs,
  drainTimeoutMs,
  ROWS_PER_FILE,
  startCellPipeline,
  supervised,
} from "./cell_harness.ts";
import { type BenchData, fileSlices, rowOfId, writeBatchFile } from "./data.ts";
import { moment, phase, type PipelineResult, quantiles, splitByThread } from "./measures.ts";
import { threadSample } from "./thread_cpu.ts";

/** Options of `pipelineCell`. */
export interface PipelineCellOptions {
  warmup: number;
  burst: number;
  /**
   * A paced phase after the burst: its rows and rate (0: half the burst throughput). A rate above
   * the burst throughput gets a WARNING line (`setup.onProgress`) and `rate_above_burst`.
   */
  paced?: { rows: number; rate: number };
}

/** A batch file written to the staging folder: its name and its rows. */
interface StagedFile {
  name: string;
  /** Its rows are the bench data's `from` to `to` (exclusive). */
  from: number;
  to: number;
}

/** How often the paced phase writes a file, in ms (the chaos scenarios' generator pace). */
const PACE_MS = 250;

/** Runs the whole pipeline on a burst of files, then (optionally) on a paced load. */
export async function pipelineCell(
  setup: CellSetup,
  data: BenchData,
  options: PipelineCellOptions,
): Promise<PipelineResult> {
  const input = await Deno.makeTempDir({ prefix: "fraudstream-bench-" });
  const staging = await Deno.makeTempDir({ prefix: "fraudstream-bench-staging-" });
  try {
    await setup.transport.ensureTopics(cellTopicSpecs(setup));
    const scoring = await modelScoring(setup);
    /** The file of each row written and not yet committed (-1 otherwise), by row index. */
    const fileOfRow = new Int32Array(data.rows).fill(-1);
    /** The files written: when, and the histogram of their phase. */
    const written: { at: number; histogram: Histogram }[] = [];
    let lastCommit = moment();
    const started = performance.now();
    const events = pipelineEvents();
    events.on("committed", (batch) => {
      lastCommit = moment();
      const now = lastCommit.ms;
      const { bytes, start } = batch.columns.text.trans_num;
      for (let i = 0; i < batch.rows; i++) {
        const row = rowOfId(bytes, start[i]);
        const file = row < fileOfRow.length ? fileOfRow[row] : -1;
        if (file < 0) continue;
        written[file].histogram.record(now - written[file].at);
        fileOfRow[row] = -1;
      }
    });
    const pipeline = await startCellPipeline(setup, { input, scoring, events });
    let next = 0;
    let sequence = 0;
    /**
     * Writes the next `count` rows as files into the staging folder (beside the input, so a
     * rename moves them in); released into the input later, at once.
     */
    const stage = (count: number) => {
      const end = next + count;
      if (end > data.rows) throw new RangeError("the bench data holds too few rows");
      const files: StagedFile[] = [];
      for (const [a, b] of fileSlices(next, end, ROWS_PER_FILE)) {
        const name = `b-${String(sequence++).padStart(9, "0")}.csv`;
        writeBatchFile(staging, name, data.lines(a, b));
        files.push({ name, from: a, to: b });
      }
      next = end;
      return files;
    };
    /** Moves staged files into the input folder: they count as written from then on. */
    const release = (files: StagedFile[], histogram: Histogram) => {
      for (const { name, from, to } of files) {
        Deno.renameSync(`${staging}/${name}`, `${input}/${name}`);
        fileOfRow.fill(written.push({ at: performance.now(), histogram }) - 1, from, to);
      }
    };
    const write = (count: number, histogram: Histogram) => release(stage(count), histogram);
    let drained = true;
    const drain = async (rows: number) => {
      const done = await pipeline.drain(input, {
        timeoutMs: drainTimeoutMs(rows),
        signal: setup.signal,
      });
      drained &&= done;
      return done;
    };
    let phaseName = "warm-up";
    return await supervised(pipeline, setup, () => phaseName, async () => {
      write(options.warmup, new Histogram());
      await drain(options.warmup);
      const startup = performance.now() - started;

      const burstLatency = new Histogram();
      // The burst's files are written before its clock starts and moved in at once: the bench's
      // own writing, on the pipeline's thread, is not the pipeline's work.
      const staged = drained ? stage(options.burst) : [];
      const burstStart = moment();
      const threads = threadSample();
      const scoredBefore = pipeline.consumer.scored;
      // A pipeline that did not score its warm-up would not score a burst either.
      if (drained) {
        phaseName = "burst";
        release(staged, burstLatency);
        await drain(options.burst);
      }
      const burst = splitByThread(
        phase(pipeline.consumer.scored - scoredBefore, burstStart, lastCommit),
        threads,
      );
      const rss = Deno.memoryUsage().rss / 2 ** 20;

      let paced: PipelineResult["paced"];
      if (options.paced && drained && !setup.signal.aborted) {
        const rate = options.paced.rate > 0
          ? options.paced.rate
          : Math.max(100, Math.round(burst.throughput / 2));
        const rateAboveBurst = rate > burst.throughput;
        if (rateAboveBurst) {
          const asked = options.paced.rate > 0;
          setup.onProgress?.(
            `WARNING: the paced load of ${rate} tx/s (${
              asked ? "--rate" : "half the burst throughput, at least 100"
            }) is above the burst throughput measured, ${burst.throughput} tx/s: the paced ` +
              "phase measures a growing backlog, not the detection latency, and its p99 means " +
              `nothing; give a --rate below ${burst.throughput}` +
              (asked ? " (0: half the burst throughput)" : ""),
          );
        }
        const latency = new Histogram();
        const logBefore = pipeline.consumer.latencyMs.copy();
        const pacedStart = moment();
        const scored = pipeline.consumer.scored;
        phaseName = `paced load of ${rate} tx/s`;
        const first = next;
        const last = next + options.paced.rows;
        while (next < last) {
          const elapsed = (performance.now() - pacedStart.ms) / 1000;
          const due = Math.min(last, first + Math.floor(elapsed * rate));
          if (due > next) write(due - next, latency);
          if (next < last && !(await delay(PACE_MS, setup.signal))) break;
        }
        await drain(next - first);
        paced = {
          ...phase(pipeline.consumer.scored - scored, pacedStart, lastCommit),
          rate,
          rate_above_burst: rateAboveBurst,
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
        accounting: await cellAccounting(pipeline, {
          written: next,
          producerDeadLetters: pipeline.producer.deadLetters,
          drained,
        }),
      };
    });
  } finally {
    await Deno.remove(input, { recursive: true }).catch(() => {});
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
}
