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
  const behavior = import("./unit_worker.ts").then((module) => module.unitWorker(args));
  // A failure surfaces when the first message awaits it, as a failure of that message.
  behavior.catch(() => {});
  return {
    async handle(unit, ctx) {
      return await (await behavior).handle!(unit, ctx);
    },
  };
}

/** The stream's file writer, its module loaded on first use. */
export function lazyStreamWriter(
  args: StreamWriterArgs,
): WorkerBehavior<StreamStep, StreamStepDone> {
  const behavior = import("./stream_worker.ts").then((module) => module.streamWriter(args));
  // A failure surfaces when the first message awaits it, as a failure of that message.
  behavior.catch(() => {});
  return {
    async handle(request, ctx) {
      return await (await behavior).handle!(request, ctx);
    },
  };
}
