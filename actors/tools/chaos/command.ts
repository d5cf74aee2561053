/**
 * `fraudstream chaos <scenario>`: runs a fault scenario under steady load and fails (exit 1)
 * when anything was lost or duplicated.
 *
 * @module
 */

import type { CommandContext, CommandHandler, CommandOutcome } from "../../pipeline/command.ts";
import type { Config } from "../../../config/config.ts";
import { UsageError } from "../../lib/errors.ts";
import { EmbeddedTransport } from "../../log/mod.ts";
import { kafkaTransport } from "../../pipeline/connect.ts";
import { type Fault, runScenario, type ScenarioOptions, type ScenarioReport } from "./harness.ts";
import {
  badInputFault,
  crashLoopFault,
  killActorFault,
  killWorkerFault,
  slowConsumerFault,
} from "./scenarios.ts";
import {
  IN_PROCESS_SCENARIOS,
  type InProcessScenario,
  isInProcessScenario,
  isKafkaScenario,
  KAFKA_SCENARIOS,
} from "./catalog.ts";
import { runKafkaScenario } from "./kafka_scenarios.ts";
import { NetworkNamespaceError } from "./network_partition.ts";
import { chaosTable, type SkippedScenario, transportName } from "./table.ts";

/** The fault of each scenario that runs in one process. */
const IN_PROCESS: Record<InProcessScenario, (config: Config) => Fault> = {
  "kill-actor": () => killActorFault(),
  "crash-loop": () => crashLoopFault(),
  "kill-worker": (config) =>
    killWorkerFault({ workers: config.workers, hang: config.fault === "hang" }),
  "slow-consumer": () => slowConsumerFault(),
  "bad-input": () => badInputFault(),
};

/** The options of a scenario from the configuration. */
export function scenarioOptions(
  config: Config,
  onStatus?: (line: string) => void,
  signal?: AbortSignal,
): ScenarioOptions {
  return {
    seed: config.seed,
    durationMs: config.duration * 1000,
    rate: config.rate,
    customers: config.customers,
    workers: config.workers,
    encoding: config.encoding,
    strategy: config.strategy,
    model: config.model,
    modelsDir: config.modelsDir,
    kafkaClient: config.kafkaClient,
    signal,
    onStatus,
  };
}

/** Runs one scenario by name. */
export async function runNamedScenario(
  name: string,
  config: Config,
  options: { onStatus?: (line: string) => void; signal?: AbortSignal } = {},
): Promise<ScenarioReport> {
  const scenario = scenarioOptions(config, options.onStatus, options.signal);
  if (isKafkaScenario(name)) return await runKafkaScenario(name, scenario);
  if (!isInProcessScenario(name)) throw new UsageError(`unknown scenario '${name}'`);
  const fault = IN_PROCESS[name];
  const transport = config.brokers
    ? await kafkaTransport(config, options.onStatus)
    : new EmbeddedTransport();
  try {
    return await runScenario(name, transport, scenario, fault(config));
  } finally {
    await transport.close();
  }
}

/** Runs every scenario in turn and prints the reliability table. */
async function runAll(config: Config, ctx: CommandContext): Promise<CommandOutcome> {
  const rows: (ScenarioReport | SkippedScenario)[] = [];
  for (const name of [...Object.keys(IN_PROCESS_SCENARIOS), ...Object.keys(KAFKA_SCENARIOS)]) {
    if (ctx.signal.aborted) break;
    ctx.status(`chaos all: ${name}`);
    try {
      rows.push(await runNamedScenario(name, config, { onStatus: ctx.status, signal: ctx.signal }));
    } catch (error) {
      if (!(error instanceof NetworkNamespaceError)) throw error;
      rows.push({ scenario: name, skipped: error.message });
    }
  }
  ctx.print(chaosTable(rows));
  const failed = rows.some((row) => "lost" in row && !passed(row));
  return { exitCode: failed ? 1 : 0, report: { scenarios: rows } };
}

/** Whether a scenario held: nothing lost, nothing duplicated, everything published in time. */
function passed(report: ScenarioReport): boolean {
  return report.lost === 0 && report.duplicated === 0 && report.unpublished === 0;
}

/** Runs the scenario named by the `scenario` argument (`all`: every one, as a table). */
export const chaosCommand: CommandHandler = async (config, ctx) => {
  if (config.args.scenario === "all") return await runAll(config, ctx);
  const report = await runNamedScenario(config.args.scenario, config, {
    onStatus: ctx.status,
    signal: ctx.signal,
  });
  const where = transportName(report);
  ctx.print(
    `${report.scenario} (${where}): sent ${report.sent}, acked ${report.acked}, scored ` +
      `${report.scored}, alerts ${report.alerts}, dead letters ${report.dead_letters}, lost ` +
      `${report.lost}, duplicated ${report.duplicated}, restarts ${report.restarts}, recovery ` +
      `${
        report.recovery_ms ?? "-"
      } ms; throughput before/during/after ${report.throughput_before}/` +
      `${report.throughput_during}/${report.throughput_after} per second`,
  );
  if (report.unpublished > 0) {
    ctx.print(
      `  ${report.unpublished} transactions were still in the input files, not published, when ` +
        `the run stopped waiting (not lost; the scenario fails all the same)`,
    );
  }
  for (const note of report.notes) ctx.print(`  ${note}`);
  for (const [path, error] of Object.entries(report.last_error_by_actor)) {
    ctx.print(`  ${path} restarted ${report.restarts_by_actor[path]}x; last error: ${error}`);
  }
  return { exitCode: passed(report) ? 0 : 1, report };
};
