/**
 * Train mode: a training set written by a supervised actor tree. A coordinator actor hands the
 * (chunk, profile) files to worker actors in Web Workers; a worker that crashes is restarted by
 * its supervisor and redoes its file from scratch, the run goes on.
 *
 *     generate (root)
 *     ├── workers (one_for_one, up to 5 restarts a minute)
 *     │   └── w0 … wN-1 (Web Workers, `generator.unit`)
 *     └── coordinator (main thread)
 *
 * @module
 */

import { join } from "node:path";
import {
  type ActorSnapshot,
  ActorSystem,
  addressOf,
  describeError,
  type SupervisorSpec,
} from "../../runtime/mod.ts";
import { UsageError } from "../../lib/errors.ts";
import { makeOutputFolder, partName, writeError } from "../../lib/atomic_write.ts";
import { isoDay } from "./calendar.ts";
import { coordinate, IN_FLIGHT_PER_WORKER, type RunTotals } from "./coordinator.ts";
import { GenerationFailedError, GenerationInterruptedError } from "./errors.ts";
import { type TrainingSetOptions, trainingSettings } from "./options.ts";
import { CUSTOMERS_FILE, planChunks, planUnits, type WorkUnit } from "./plan.ts";
import { INCOMPLETE_FILE } from "../../../model/csv_columns.ts";
import { PROFILE_NAMES } from "./profiles.ts";
import { buildReport, type GenerateReport, ProgressTracker } from "./report.ts";
import type { UnitWorkerArgs } from "./unit_worker.ts";
import { workers } from "../workers/specs.ts";

/**
 * Writes a training set into `options.outDir`: one file per (chunk, profile) and
 * `customers.csv`, in Sparkov's format. The same seed and settings give the same bytes, whatever
 * the number of workers.
 */
export async function generateTrainingSet(options: TrainingSetOptions): Promise<GenerateReport> {
  const settings = trainingSettings(options);
  if (options.signal?.aborted) throw new GenerationInterruptedError("generation was interrupted");
  const units = planUnits(settings.customers);
  await prepareFolder(settings.outDir, units);
  const tracker = new ProgressTracker(options.onProgress);
  const weight = (unit: WorkUnit) =>
    (unit.chunk.last - unit.chunk.first + 1) / (settings.customers * PROFILE_NAMES.length);
  const workerArgs: UnitWorkerArgs = {
    seed: settings.seed,
    first: settings.first,
    last: settings.last,
    fidelity: settings.fidelity,
    asOf: settings.asOf,
    outDir: settings.outDir,
    crashInFile: options.crashInFile,
  };
  const unitWorkers = Array.from(
    { length: settings.workers },
    (_, i) =>
      workers.worker("generator.unit", {
        id: `w${i}`,
        args: workerArgs,
        entry: options.workerEntry,
        mailbox: 2 * IN_FLIGHT_PER_WORKER,
        onEmit: ({ unit: index, rows, bytes, customersDone }) => {
          const unit = units[index];
          const share = customersDone / (unit.chunk.last - unit.chunk.first + 1);
          tracker.update(index, rows, bytes, weight(unit) * share);
        },
      }),
  );

  let settle!: { resolve: (totals: RunTotals) => void; reject: (error: unknown) => void };
  const finished = new Promise<RunTotals>((resolve, reject) => (settle = { resolve, reject }));
  const spec: SupervisorSpec = {
    kind: "supervisor",
    id: "generate",
    strategy: "one_for_one",
    intensity: 0,
    children: [
      {
        kind: "supervisor",
        id: "workers",
        strategy: "one_for_one",
        intensity: 5,
        periodMs: 60_000,
        children: unitWorkers,
      },
      {
        kind: "actor",
        id: "coordinator",
        restart: "temporary",
        behavior: () => ({
          run: async (ctx) => {
            try {
              settle.resolve(
                await coordinate(ctx, {
                  units,
                  chunks: planChunks(settings.customers).length,
                  outDir: settings.outDir,
                  workers: unitWorkers.map((spec) => addressOf(spec, "workers")),
                  onUnit: (unit, result) =>
                    tracker.update(unit.index, result.rows, result.bytes, weight(unit)),
                }),
              );
            } catch (error) {
              settle.reject(error);
            }
          },
        }),
      },
    ],
  };

  let system: ActorSystem;
  try {
    system = await ActorSystem.start(spec);
  } catch (error) {
    throw new GenerationFailedError(`could not start the generator: ${describeError(error)}`);
  }
  const onAbort = () => void system.shutdown("interrupted");
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  let totals: RunTotals;
  try {
    totals = await Promise.race([
      finished,
      system.done.then((outcome): never => {
        if (outcome.kind === "failed") throw outcome.error;
        throw new GenerationInterruptedError("generation was interrupted");
      }),
    ]);
  } catch (error) {
    await system.shutdown();
    await removeParts(settings.outDir, units);
    throw failureOf(error, options.signal);
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
  }
  await system.shutdown();
  // Every file is written: the folder is a whole data set now.
  // (Already gone when another run of the same settings into the same folder ended first.)
  await Deno.remove(join(settings.outDir, INCOMPLETE_FILE)).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw writeError(settings.outDir, error);
  });
  tracker.report(true);
  return buildReport({
    mode: "train",
    rows: totals.rows,
    frauds: totals.frauds,
    customers: settings.customers,
    bytes: totals.bytes,
    seconds: tracker.seconds,
    out_dir: settings.outDir,
    files: totals.files,
    fidelity: settings.fidelity,
    seed: settings.seed,
    workers: settings.workers,
    worker_restarts: restartsOf(system.snapshot()),
    first_day: isoDay(settings.first),
    last_day: isoDay(settings.last),
  });
}

/**
 * Creates the output folder, or checks that the CSV files it already holds are ones this run
 * rewrites: files of another run would silently mix into the training set.
 */
async function prepareFolder(dir: string, units: readonly WorkUnit[]): Promise<void> {
  await makeOutputFolder(dir);
  const ours = new Set([CUSTOMERS_FILE, ...units.map((unit) => unit.file)]);
  const others: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.name.endsWith(".csv") && !ours.has(entry.name)) others.push(entry.name);
  }
  if (others.length > 0) {
    throw new UsageError(
      `output folder '${dir}' already holds other CSV files (${others.slice(0, 3).join(", ")}` +
        `${others.length > 3 ? ", …" : ""}); choose an empty folder or a new data version`,
    );
  }
  // Until the run ends well, readers of the folder (train, evaluate) refuse it as incomplete.
  try {
    await Deno.writeTextFile(
      join(dir, INCOMPLETE_FILE),
      "fraudstream generate is writing this folder, or was interrupted or failed while it did; " +
        "generate it again\n",
    );
  } catch (error) {
    throw writeError(dir, error);
  }
}

/** Removes the temporary files a failed or interrupted run may have left. */
async function removeParts(dir: string, units: readonly WorkUnit[]): Promise<void> {
  for (const name of [CUSTOMERS_FILE, ...units.map((unit) => unit.file)]) {
    await Deno.remove(join(dir, partName(name))).catch(() => {});
  }
}

function failureOf(error: unknown, signal?: AbortSignal): Error {
  if (signal?.aborted || error instanceof GenerationInterruptedError) {
    return new GenerationInterruptedError(
      "generation was interrupted; the files written so far are complete, the others missing",
    );
  }
  if (error instanceof GenerationFailedError) return error;
  return new GenerationFailedError(
    `generation failed: ${describeError(error)}; the output folder is incomplete, run again`,
    { cause: error },
  );
}

function restartsOf(snapshot: ActorSnapshot): number {
  let restarts = snapshot.kind === "worker" ? snapshot.restarts : 0;
  for (const child of snapshot.children ?? []) restarts += restartsOf(child);
  return restarts;
}
