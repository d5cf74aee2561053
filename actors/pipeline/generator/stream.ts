/**
 * Stream mode: a never-ending sequence of batch files in the watched input folder. Event time
 * follows the wall clock (times `speed`) from the start; each batch holds the transactions of the
 * event time passed since the previous one, sorted by time, for a fixed population of cards.
 * Each file is written under a temporary hidden name and renamed when complete.
 *
 * A supervised actor on the main thread keeps the clock and the counts; a writer in a Web Worker
 * (`stream_worker.ts`) draws and writes each file, which the actor then renames into place. If
 * either crashes it is restarted and the stream carries on from the last file renamed.
 *
 * @module
 */

import { ActorSystem, addressOf, describeError, type SupervisorSpec } from "../../runtime/mod.ts";
import { UsageError } from "../../lib/errors.ts";
import { commitPart, makeOutputFolder } from "../../lib/atomic_write.ts";
import { DAY_MS, DAY_SECONDS, isoDay } from "./calendar.ts";
import { GenerationFailedError } from "./errors.ts";
import { type CommonOptions, toDayNumber, validateCommon } from "./options.ts";
import { buildReport, type GenerateReport, ProgressTracker } from "./report.ts";
import {
  runTag,
  startPosition,
  type StreamPosition,
  type StreamSettings,
} from "./stream_batches.ts";
import { delay } from "../../lib/async.ts";
import { workers } from "../workers/specs.ts";

/** Default wall-clock time between two batch files, in ms. */
export const DEFAULT_BATCH_MS = 1000;

/** Options of `generateStream`. */
export interface StreamOptions extends CommonOptions {
  /** Folder the batch files are written into (created if missing). */
  outDir: string;
  /** Event time runs this many times faster than the wall clock (default 1). */
  speed?: number;
  /** Most transactions written per second of wall time; 0 or absent: no cap. When the cap
   * binds, event time falls behind the clock rather than rows being dropped. */
  rate?: number;
  /** Stop after this many ms of wall time; 0 or absent: run until `signal` aborts. */
  durationMs?: number;
  /** Wall-clock time between batch files, in ms (default 1000). */
  batchMs?: number;
  /** Event time at the start (default: now). */
  startTime?: Date;
  /** Day on which customers have the age they were drawn with (default: the start day). */
  asOf?: Date | string;
  /**
   * Asked before each batch with the rows written so far: while it answers true (the reader of
   * the folder is far behind, say), no batch is written and event time falls behind the clock.
   */
  holdWhile?: (rowsWritten: number) => boolean;
}

/** How often a held stream asks again whether it may go on, in ms. */
const HOLD_POLL_MS = 50;

function streamSettings(options: StreamOptions): StreamSettings {
  const common = validateCommon(options);
  const positive = (value: number | undefined, fallback: number, what: string, min = 0) => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v < min) {
      throw new UsageError(`${what} must be a number of at least ${min}, not ${value}`);
    }
    return v;
  };
  if (!options.outDir) throw new UsageError("an output folder is needed (outDir)");
  const speed = positive(options.speed, 1, "speed", 0.001);
  const start = options.startTime ?? new Date();
  if (Number.isNaN(start.getTime())) throw new UsageError("startTime is not a valid date");
  const startSeconds = Math.floor(start.getTime() / 1000);
  return {
    ...common,
    outDir: options.outDir,
    speed,
    rate: positive(options.rate, 0, "rate"),
    durationMs: positive(options.durationMs, 0, "duration"),
    batchMs: positive(options.batchMs, DEFAULT_BATCH_MS, "batch interval (ms)", 10),
    startSeconds,
    asOf: options.asOf === undefined
      ? Math.floor(start.getTime() / DAY_MS)
      : toDayNumber(options.asOf, "asOf"),
  };
}

/**
 * Writes batch files into `options.outDir` until `durationMs` has passed or `signal` aborts
 * (the normal way to end a stream); resolves with the report of what was written.
 */
export async function generateStream(options: StreamOptions): Promise<GenerateReport> {
  const settings = streamSettings(options);
  await makeOutputFolder(settings.outDir);
  const tracker = new ProgressTracker(options.onProgress);
  // The stream's clock starts once its writer is ready (its worker started, its cards drawn).
  let wallStart = performance.now();
  const elapsedMs = () => performance.now() - wallStart;
  let started = false;
  // What the files renamed into place hold, and where the stream stands after the last of them.
  const totals = {
    rows: 0,
    frauds: 0,
    bytes: 0,
    firstTime: Number.POSITIVE_INFINITY,
    lastTime: Number.NEGATIVE_INFINITY,
  };
  let at: StreamPosition = startPosition(settings);
  const writer = workers.worker("generator.stream", {
    id: "writer",
    args: { settings, tag: runTag(new Date()) },
    // A file of 100,000 rows takes well under a second; a writer silent for 30 s is hung.
    heartbeat: { intervalMs: 1000, timeoutMs: 30_000 },
  });
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) stop.abort();

  let ended!: () => void;
  const finished = new Promise<{ kind: "stopped" }>((resolve) => {
    ended = () => resolve({ kind: "stopped" });
  });
  const spec: SupervisorSpec = {
    kind: "supervisor",
    id: "stream",
    strategy: "one_for_one",
    intensity: 3,
    periodMs: 60_000,
    children: [writer, {
      kind: "actor",
      id: "batches",
      restart: "transient",
      behavior: () => ({
        run: async (ctx) => {
          const write = ctx.sibling(addressOf(writer));
          const stopped = () => stop.signal.aborted || ctx.signal.aborted;
          if (!started) {
            // A step at the start of event time draws nothing: it readies the writer.
            await write.call({ elapsedMs: 0, final: false, at });
            wallStart = performance.now();
            started = true;
          }
          const { durationMs, batchMs } = settings;
          let behind = false;
          while (!stopped()) {
            if (options.holdWhile?.(totals.rows)) {
              if (durationMs > 0 && elapsedMs() >= durationMs) break;
              await delay(HOLD_POLL_MS, stop.signal);
              continue;
            }
            const elapsed = elapsedMs();
            if (durationMs === 0 || elapsed < durationMs) {
              // Behind the clock: carry on at once, only letting other work through.
              const wait = behind
                ? 0
                : Math.min(batchMs, durationMs ? durationMs - elapsed : batchMs);
              await delay(wait, stop.signal);
              if (stopped()) break;
            }
            const final = durationMs > 0 && elapsedMs() >= durationMs;
            // Not cut short by a stop: a step takes well under a second, and its file is renamed
            // into place rather than left half-named in the folder.
            const done = await write.call({ elapsedMs: elapsedMs(), final, at });
            if (done.written) {
              const file = done.written;
              commitPart(file.partPath, file.path);
              totals.rows += file.rows;
              totals.frauds += file.frauds;
              totals.bytes += file.bytes;
              totals.firstTime = Math.min(totals.firstTime, file.firstTime);
              totals.lastTime = Math.max(totals.lastTime, file.lastTime);
            }
            // Only once its file is in place: a writer restarted before then writes it again.
            at = done.at;
            behind = done.behind;
            tracker.update(
              0,
              totals.rows,
              totals.bytes,
              durationMs > 0 ? Math.min(1, elapsedMs() / durationMs) : 0,
            );
            if (final) break;
          }
          ended();
        },
      }),
    }],
  };

  let system: ActorSystem;
  try {
    system = await ActorSystem.start(spec);
  } catch (error) {
    throw new GenerationFailedError(`could not start the stream: ${describeError(error)}`);
  }
  try {
    const outcome = await Promise.race([system.done, finished]);
    if (outcome.kind === "failed") {
      throw new GenerationFailedError(
        `the stream stopped: ${describeError(outcome.error)}; files written so far are complete`,
        { cause: outcome.error },
      );
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    await system.shutdown();
  }
  tracker.report(true);
  return buildReport({
    mode: "stream",
    rows: totals.rows,
    frauds: totals.frauds,
    customers: settings.customers,
    bytes: totals.bytes,
    seconds: tracker.seconds,
    out_dir: settings.outDir,
    files: at.files,
    fidelity: settings.fidelity,
    seed: settings.seed,
    workers: 0,
    worker_restarts: 0,
    first_day: totals.rows > 0 ? isoDay(Math.floor(totals.firstTime / DAY_SECONDS)) : null,
    last_day: totals.rows > 0 ? isoDay(Math.floor(totals.lastTime / DAY_SECONDS)) : null,
  });
}
