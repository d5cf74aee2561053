/**
 * The generator's worker behaviours, for the program's worker registry. The heavy modules (place
 * table, Faker) load in the background once a worker has started, so the supervisor, which starts
 * workers one after the other, need not wait for them.
 *
 * @module
 */

import type { WorkerBehavior } from "../../runtime/mod.ts";
import type { WorkUnit } from "./plan.ts";
import type { UnitProgress, UnitResult, UnitWorkerArgs } from "./unit_worker.ts";
import type { StreamStep, StreamStepDone, StreamWriterArgs } from "./stream_worker.ts";

/** The training-set worker, its module loaded on first use. */
export function lazyUnitWorker(
  args: UnitWorkerArgs,
): WorkerBehavior<WorkUnit, UnitResult, UnitProgress> {
  return whenLoaded(import("./unit_worker.ts").then((module) => module.unitWorker(args)));
}

/** The stream's file writer, its module loaded on first use. */
export function lazyStreamWriter(
  args: StreamWriterArgs,
): WorkerBehavior<StreamStep, StreamStepDone> {
  return whenLoaded(import("./stream_worker.ts").then((module) => module.streamWriter(args)));
}

/** A behaviour that hands each message to `behavior` once it has loaded. */
function whenLoaded<M, R, E>(
  behavior: Promise<WorkerBehavior<M, R, E>>,
): WorkerBehavior<M, R, E> {
  // A failure surfaces when the first message awaits it, as a failure of that message.
  behavior.catch(() => {});
  return {
    async handle(message, ctx) {
      return await (await behavior).handle!(message, ctx);
    },
  };
}
