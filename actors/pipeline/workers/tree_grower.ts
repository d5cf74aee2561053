/**
 * The tree grower the program trains with: one supervised `forest.grow` worker per lane, over the
 * binned rows in shared memory; a worker that crashes is restarted and its tree grown again.
 *
 * @module
 */

import type { StartTreeGrower } from "../../../model/forest/grow.ts";
import { ActorSystem, addressOf } from "../../runtime/mod.ts";
import { workers } from "./specs.ts";

/** Options of `workerTreeGrower`. */
export interface WorkerTreeGrowerOptions {
  /** Module hosting the workers (default: the program's worker entry). */
  entry?: URL | string;
}

/** A grower whose lanes are supervised `forest.grow` workers, one each. */
export function workerTreeGrower(options: WorkerTreeGrowerOptions = {}): StartTreeGrower {
  return async (data, lanes) => {
    const growers = Array.from({ length: lanes }, (_, lane) =>
      workers.worker("forest.grow", {
        id: `grow-${lane}`,
        args: data,
        entry: options.entry,
        // A deep tree on millions of rows keeps a worker busy; only a long silence is a hang.
        heartbeat: { intervalMs: 2000, timeoutMs: 600_000 },
      }));
    const system = await ActorSystem.start({
      kind: "supervisor",
      id: "train",
      intensity: 5,
      periodMs: 60_000,
      children: growers,
    });
    const refs = growers.map((spec) => system.ref(addressOf(spec)));
    return {
      grow: (request, lane) => refs[lane].call(request),
      close: () => system.shutdown(),
    };
  };
}
