/**
 * `fraudstream chaos <scenario>`: runs a fault scenario and fails when anything was lost or
 * duplicated.
 *
 * @module
 */

import type { CommandHandler } from "../command.ts";
import { killActor } from "./kill_actor.ts";

export { killActor, type KillActorOptions, type KillActorReport } from "./kill_actor.ts";

/** Runs the scenario named by the `scenario` argument. */
export const chaosCommand: CommandHandler = async (config, ctx) => {
  const report = await killActor({
    strategy: config.strategy,
    fault: config.fault,
    seed: config.seed,
    rate: config.rate,
    durationMs: config.duration * 1000,
    signal: ctx.signal,
    onStatus: ctx.status,
  });
  ctx.print(
    `${report.scenario} (${report.strategy}, fault ${report.fault}): sent ${report.messages_sent}, ` +
      `processed ${report.messages_processed}, dead letters ${report.dead_letters}, ` +
      `lost ${report.lost}, duplicates ${report.duplicates}, restarts ${
        JSON.stringify(report.restarts_by_actor)
      }, ` +
      `recovery ${report.recovery_ms ?? "-"} ms`,
  );
  const ok = report.lost === 0 && report.duplicates === 0;
  return { exitCode: ok ? 0 : 1, report };
};
