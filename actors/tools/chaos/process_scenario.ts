/**
 * The process scenarios' harness: `produce` and two `consume` processes on a Kafka cluster, fed
 * by the generator; the scenario's fault strikes the processes at a seeded moment once scoring
 * has begun; then every transaction is accounted for from the topics themselves, and the
 * processes are stopped.
 *
 * @module
 */

import { deadline, delay, poll } from "../../lib/async.ts";
import { seededRandom } from "../../lib/random.ts";
import { kafkaTransportOver } from "../../pipeline/connect.ts";
import { TOPICS, topicSpecs } from "../../pipeline/topics.ts";
import { generateLoad, type ScenarioOptions, type ScenarioReport } from "./harness.ts";
import type { Partition } from "./network_partition.ts";
import { PROCESS_FAULTS, type ProcessScenarioName, type RoleGroup } from "./process_faults.ts";
import { type RoleProcess, spawnRole } from "./processes.ts";
import { PartitionResumption } from "./resumption.ts";
import { Timeline } from "./timeline.ts";
import { settleTopics } from "./topic_reconcile.ts";

/** How long role processes get to stop after SIGTERM before they are killed, in ms. */
const STOP_GRACE_MS = 30_000;

/** Where the program's entry is, to start roles as processes. */
function programEntry(): string {
  return Deno.env.get("FRAUDSTREAM_ENTRY") ?? new URL("../../../main.ts", import.meta.url).href;
}

/** Where a process scenario runs. */
export interface ProcessScenario {
  /** Bootstrap addresses of the scenario's cluster. */
  brokers: string[];
  options: ScenarioOptions;
  /** The namespace the second consumer runs in (`network-partition`). */
  network?: Partition;
}

/** Partitions of the process scenarios' topics. */
const PARTITIONS = 6;

/** How long process scenarios wait for the first score before the fault goes in anyway, in ms. */
const FIRST_SCORE_TIMEOUT_MS = 60_000;

/** A scenario with `produce` and two `consume` processes fed by the generator. */
export async function runProcessScenario(
  name: ProcessScenarioName,
  scenario: ProcessScenario,
): Promise<ScenarioReport> {
  const { brokers, options, network } = scenario;
  const random = seededRandom(options.seed);
  const faultFraction = 0.3 + 0.3 * random();
  const id = `chaos-${name}-${Date.now().toString(36)}`;
  const topic = `${id}-transactions`;
  const input = await Deno.makeTempDir({ prefix: `fraudstream-${name}-` });
  const transport = await kafkaTransportOver(
    { brokers, clientId: "fraudstream-chaos" },
    options.kafkaClient,
  );
  const common = [
    "--kafka-client",
    options.kafkaClient,
    "--brokers",
    brokers.join(","),
    "--topic",
    topic,
    "--partitions",
    String(PARTITIONS),
    "--ui-port",
    "off",
  ];
  const consumeArgs = [
    "consume",
    ...common,
    "--group",
    `${id}-scoring`,
    "--scores",
    "--workers",
    "1",
    "--model",
    options.model,
    "--models-dir",
    options.modelsDir,
  ];
  const produceArgs = [
    "produce",
    ...common,
    "--input",
    input,
    "--producer-id",
    id,
    "--encoding",
    options.encoding,
    // The stream generator renames each file in whole: no need to wait for it to settle.
    "--input-settle",
    "0",
  ];
  const entry = programEntry();
  const status = (line: string) => options.onStatus?.(`${name}: ${line}`);
  // What each role process prints goes to a file as it comes; the folder is kept on a failure.
  const logs = await Deno.makeTempDir({ prefix: `fraudstream-chaos-${name}-logs-` });
  status(`role processes log to ${logs}`);
  let spawned = 0;
  const spawn = async (args: string[], inNetwork = false) => {
    const log = await Deno.open(`${logs}/${args[0]}-${++spawned}.log`, {
      create: true,
      append: true,
    });
    const encoder = new TextEncoder();
    const process = await spawnRole({
      entry,
      args,
      wrap: inNetwork ? network?.exec : undefined,
      onLine: (line) => log.writeSync(encoder.encode(line + "\n")),
    });
    process.exited.finally(() => log.close());
    return process;
  };
  const processes: RoleProcess[] = [];
  const roles: RoleGroup = {
    processes,
    start: (role) => spawn(role === "produce" ? produceArgs : consumeArgs),
    network,
  };
  const notes: string[] = [];
  const details: Record<string, number> = {};
  let faults = 0;
  let restarts = 0;
  let injectedAt: number | undefined;
  try {
    await transport.ensureTopics(
      topicSpecs({ topic, partitions: PARTITIONS, replicationFactor: undefined }),
    );
    processes.push(
      await spawn(produceArgs),
      await spawn(consumeArgs),
      await spawn(consumeArgs, true),
    );
    const scored = { count: 0 };
    // Scores are keyed by card like the input, so a scores partition follows its input partition.
    const resumption = new PartitionResumption();
    const sampling = setInterval(async () => {
      try {
        const ends = await transport.endOffsets(TOPICS.scores);
        scored.count = ends.reduce((a, b) => a + b, 0);
        resumption.observe(ends);
      } catch {
        // the cluster may be busy; the next poll will tell
      }
    }, 500);
    const timeline = new Timeline(() => scored.count, 250);
    const started = performance.now();
    let loadEnded = started;
    const load = generateLoad(input, options).then((generated) => {
      loadEnded = performance.now();
      return generated;
    });
    load.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
    // The fault goes in at a seeded moment of the load that is left once scoring has begun: role
    // processes take seconds to start on a busy host, and a fault before that tests nothing.
    const scoring = await poll(() => scored.count > 0, {
      timeoutMs: FIRST_SCORE_TIMEOUT_MS,
      pollMs: 100,
    });
    if (!scoring) notes.push(`nothing scored within ${FIRST_SCORE_TIMEOUT_MS / 1000} s of start`);
    const remaining = options.durationMs - (performance.now() - started);
    const faultDelay = Math.max(1000, remaining * faultFraction);
    details.fault_after_first_score_ms = Math.round(faultDelay);
    const inject = async () => {
      injectedAt = performance.now();
      // Scores committed just before the fault can show in the next poll: a second's grace.
      resumption.watchFrom(injectedAt + 1000);
      status("injecting the fault");
      const done = await PROCESS_FAULTS[name](roles);
      faults = done.faults;
      restarts += done.restarts;
      notes.push(...done.notes);
      Object.assign(details, done.details);
    };
    const [generated] = await Promise.all([load, delay(faultDelay).then(inject)]);
    status("load done; waiting for every transaction to be published and scored");
    const outcome = await settleTopics(transport, {
      topic,
      sent: generated.rows,
      input,
      timeoutMs: 180_000,
      signal: options.signal,
    });
    clearInterval(sampling);
    timeline.stop();
    const settled = performance.now();
    for (const process of processes) process.kill("SIGTERM");
    const exited = Promise.all(processes.map((p) => p.exited));
    const stopped = await deadline(exited, STOP_GRACE_MS, "the role processes").then(
      () => true,
      () => false,
    );
    if (!stopped) {
      notes.push(`a role process did not stop within ${STOP_GRACE_MS / 1000} s of SIGTERM; killed`);
      for (const process of processes) process.kill("SIGKILL");
      await exited;
    }
    if (outcome.lost > 0 || outcome.duplicated > 0 || outcome.acked < generated.rows) {
      notes.push(`what each process printed is kept in ${logs}`);
    } else await Deno.remove(logs, { recursive: true }).catch(() => {});
    const recoveryMs = injectedAt === undefined
      ? undefined
      : resumption.recoveredAfter(injectedAt, PARTITIONS);
    const recovered = recoveryMs === undefined ? undefined : injectedAt! + recoveryMs;
    const duringEnd = injectedAt === undefined
      ? loadEnded
      : Math.min(loadEnded, Math.max(recovered ?? loadEnded, injectedAt + 1000));
    return {
      scenario: name,
      transport: "kafka",
      kafka_client: options.kafkaClient,
      seed: options.seed,
      strategy: options.strategy,
      faults,
      fault_at_ms: injectedAt === undefined ? null : Math.round(injectedAt - started),
      sent: generated.rows,
      acked: outcome.acked,
      scored: outcome.scored,
      alerts: outcome.alerts,
      lost: outcome.lost,
      unpublished: outcome.unpublished,
      duplicated: outcome.duplicated,
      dead_letters: outcome.deadLetters,
      restarts,
      restarts_by_actor: {},
      last_error_by_actor: {},
      recovery_ms: injectedAt !== undefined && recovered !== undefined
        ? Math.round(recovered - injectedAt)
        : null,
      throughput_before: timeline.rate(started + 1000, injectedAt ?? loadEnded),
      throughput_during: injectedAt === undefined ? 0 : timeline.rate(injectedAt, duringEnd),
      throughput_after: timeline.rate(duringEnd, loadEnded),
      seconds: Math.round((performance.now() - started) / 10) / 100,
      throughput_series: timeline.perSecond(started, settled),
      messages_sent: generated.rows,
      messages_processed: outcome.scored,
      notes,
      details: { ...details, duplicated_published: outcome.duplicatedPublished },
    };
  } finally {
    for (const process of processes) process.kill("SIGKILL");
    await transport.close();
    await Deno.remove(input, { recursive: true }).catch(() => {});
  }
}
