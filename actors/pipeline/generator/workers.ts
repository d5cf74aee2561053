/**
 * The generator's worker behaviours, by name, for the program's worker registry. The heavy
 * modules (place table, Faker) load in the background once a worker has started, so the
 * supervisor, which starts workers one after the other, need not wait for them.
 *
 * @module
 */

import type { WorkerBehavior, WorkerContext, WorkerRegistry } from "../../runtime/worker_host.ts";
import type { UnitWorkerArgs } from "./unit_worker.ts";

/** Name of the training-set worker behaviour. */
export const UNIT_WORKER = "generator.unit";

function lazyUnitWorker(args: UnitWorkerArgs): WorkerBehavior {
  const behavior: Promise<WorkerBehavior> = import("./unit_worker.ts").then((module) =>
    module.unitWorker(args) as WorkerBehavior
  );
  // A failure surfaces when the first message awaits it, as a failure of that message.
  behavior.catch(() => {});
  return {
    async handle(message: unknown, ctx: WorkerContext): Promise<unknown> {
      return await (await behavior).handle!(message, ctx);
    },
  };
}

/** Worker behaviours of the generator. */
export const GENERATOR_WORKERS: WorkerRegistry = {
  [UNIT_WORKER]: lazyUnitWorker,
};
