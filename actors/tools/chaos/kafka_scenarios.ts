/**
 * Scenarios against a real Kafka cluster, which each start (and stop) their own local 3-node
 * cluster: a broker killed and restarted under the in-process pipeline, and scenarios with the
 * roles as operating-system processes (a consumer killed with SIGKILL, every process killed and
 * restarted, a consumer host cut off from the brokers by a network partition).
 *
 * @module
 */

import type { Config } from "../../../config/load.ts";
import { FraudstreamError } from "../../lib/errors.ts";
import { clusterDown, clusterUp, killNode, startNode } from "../kafka_local/mod.ts";
import { pollUntil, seededRandom, sleep } from "../../runtime/mod.ts";
import { KafkaTransport, TOPICS, topicSpecs } from "../../log/mod.ts";
import {
  firstCommitAfter,
  generateLoad,
  runScenario,
  type ScenarioOptions,
  type ScenarioReport,
} from "./harness.ts";
import { type RoleProcess, spawnRole } from "./processes.ts";
import { settleTopics } from "./topic_reconcile.ts";
import { PartitionResumption } from "./resumption.ts";
import { Timeline } from "./timeline.ts";

/** The host does not allow network namespaces (root and `ip netns` are needed). */
export class NetworkNamespaceError extends FraudstreamError {
  override name = "NetworkNamespaceError";
}

/** Why network-partition cannot run on this host, or undefined when it can. */
export async function networkNamespacesUnavailable(): Promise<string | undefined> {
  try {
    await (await Partition.create()).remove();
    return undefined;
  } catch (error) {
    if (error instanceof NetworkNamespaceError) return error.message;
    throw error;
  }
}

/** How long role processes get to stop after SIGTERM before they are killed, in ms. */
const STOP_GRACE_MS = 30_000;

/** Port base of the clusters the scenarios start (clients on 19792, 29792, 39792). */
export const CHAOS_PORT_BASE = 9792;

/** Scenarios that need Kafka, with what each does. */
export const KAFKA_SCENARIOS: Record<string, string> = {
  "kill-consumer": "one of two consume processes is killed with SIGKILL",
  "kill-broker": "one of three Kafka nodes is killed, later restarted",
  "kill-all": "every fraudstream process is killed with SIGKILL, then restarted",
  "network-partition": "a consumer host is cut off from the brokers, then reconnected",
};

/** Where the program's entry is, to start roles as processes. */
function programEntry(): string {
  return Deno.env.get("FRAUDSTREAM_ENTRY") ?? new URL("../../../main.ts", import.meta.url).href;
}

/** Runs a Kafka scenario on a cluster of its own. */
export async function runKafkaScenario(
  name: string,
  config: Config,
  options: ScenarioOptions,
): Promise<ScenarioReport> {
  const dir = await Deno.makeTempDir({ prefix: `fraudstream-chaos-kafka-` });
  const network = name === "network-partition" ? await Partition.create() : undefined;
  try {
    options.onStatus?.(`${name}: starting a 3-node Kafka cluster`);
    const cluster = await clusterUp({
      dir,
      nodes: 3,
      portBase: CHAOS_PORT_BASE,
      host: network?.hostAddress,
      onLog: options.onStatus,
    });
    if (name === "kill-broker") return await killBroker(dir, cluster.bootstrap, options);
    return await processScenario(name, { brokers: cluster.bootstrap, config, options, network });
  } finally {
    await network?.remove();
    await clusterDown({ dir, wipe: true, graceMs: 10_000 }).catch(() => {});
  }
}

/** The in-process pipeline on Kafka while one of the three nodes is killed and restarted. */
async function killBroker(
  dir: string,
  brokers: string[],
  options: ScenarioOptions,
): Promise<ScenarioReport> {
  const transport = new KafkaTransport({ brokers, clientId: "fraudstream-chaos" });
  let node = 0;
  let killedAt: number | undefined;
  let restartedAt: number | undefined;
  try {
    return await runScenario("kill-broker", transport, options, {
      inject: (context) => {
        node = 1 + Math.floor(context.random() * 3);
        killNode({ dir, node }).then(async () => {
          killedAt = performance.now();
          await sleep(Math.min(20_000, options.durationMs / 3));
          await startNode({ dir, node });
          restartedAt = performance.now();
        }).catch((error) => options.onStatus?.(`kill-broker: ${error.message}`));
        return 1;
      },
      recoveredAt: (context, injectedAt) =>
        firstCommitAfter(
          context,
          Array.from({ length: context.partitions }, (_, p) => p),
          injectedAt,
        ),
      notes: (context) => [
        `node ${node} was killed with SIGKILL and started again ${
          restartedAt
            ? Math.round(restartedAt - context.started) + " ms after the load began"
            : "(not yet)"
        }`,
        "topics: replication factor 3, min.insync.replicas 2",
      ],
      details: () => ({
        node,
        down_ms: killedAt && restartedAt ? Math.round(restartedAt - killedAt) : -1,
      }),
    });
  } finally {
    await transport.close();
  }
}

interface ProcessScenario {
  brokers: string[];
  config: Config;
  options: ScenarioOptions;
  network?: Partition;
}

/** Partitions of the process scenarios' topics. */
const PARTITIONS = 6;

/** How long process scenarios wait for the first score before the fault goes in anyway, in ms. */
const FIRST_SCORE_TIMEOUT_MS = 60_000;

/** A scenario with `produce` and two `consume` processes fed by the generator. */
async function processScenario(name: string, scenario: ProcessScenario): Promise<ScenarioReport> {
  const { brokers, options, network } = scenario;
  const random = seededRandom(options.seed);
  const faultFraction = 0.3 + 0.3 * random();
  const id = `chaos-${name}-${Date.now().toString(36)}`;
  const topic = `${id}-transactions`;
  const input = await Deno.makeTempDir({ prefix: `fraudstream-${name}-` });
  const transport = new KafkaTransport({ brokers, clientId: "fraudstream-chaos" });
  const common = [
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
  const start = async (args: string[], inNetwork = false) => {
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
      await start(produceArgs),
      await start(consumeArgs),
      await start(consumeArgs, true),
    );
    const scored = { count: 0 };
    // Scores are keyed by card like the input, so a scores partition follows its input partition.
    const resumption = new PartitionResumption();
    const poll = setInterval(async () => {
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
    const scoring = await pollUntil(() => scored.count > 0, {
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
      if (name === "kill-consumer") {
        processes[2].kill("SIGKILL");
        faults = 1;
        notes.push("the second consume process was killed with SIGKILL");
        details.killed_processes = 1;
      } else if (name === "kill-all") {
        for (const process of processes) process.kill("SIGKILL");
        faults = processes.length;
        await Promise.all(processes.map((p) => p.exited));
        await sleep(2000);
        processes.splice(
          0,
          processes.length,
          await start(produceArgs),
          await start(consumeArgs),
          await start(consumeArgs),
        );
        restarts += 3;
        details.killed_processes = 3;
        details.down_ms = 2000;
        notes.push(
          "produce and both consume processes were killed with SIGKILL and started again 2 s later",
        );
      } else if (name === "network-partition") {
        await network!.cut();
        faults = 1;
        notes.push("the second consumer's host was cut off from the brokers for 15 s");
        details.cut_ms = 15_000;
        await sleep(15_000);
        await network!.heal();
      }
    };
    const [generated] = await Promise.all([load, sleep(faultDelay).then(inject)]);
    status("load done; waiting for every transaction to be published and scored");
    const outcome = await settleTopics(transport, {
      topic,
      sent: generated.rows,
      timeoutMs: 180_000,
      signal: options.signal,
    });
    clearInterval(poll);
    timeline.stop();
    const settled = performance.now();
    for (const process of processes) process.kill("SIGTERM");
    const exited = Promise.all(processes.map((p) => p.exited));
    if (!(await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]))) {
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
      seed: options.seed,
      strategy: options.strategy,
      faults,
      fault_at_ms: injectedAt === undefined ? null : Math.round(injectedAt - started),
      sent: generated.rows,
      acked: outcome.acked,
      scored: outcome.scored,
      alerts: outcome.alerts,
      lost: outcome.lost + Math.max(0, generated.rows - outcome.acked),
      duplicated: outcome.duplicated,
      dead_letters: outcome.deadLetters,
      restarts,
      restarts_by_actor: {},
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

/**
 * A network namespace joined to this host by a veth pair: roles started inside it reach the
 * brokers through the pair, and taking the pair down partitions them away.
 */
export class Partition {
  readonly #name: string;
  readonly #link: string;
  readonly hostAddress: string;
  readonly exec: (command: string[]) => string[];

  private constructor(subnet: number) {
    this.#name = `fsnet${subnet}`;
    this.#link = `fsv${subnet}`;
    this.hostAddress = `10.213.${subnet}.1`;
    this.exec = (command) => ["ip", "netns", "exec", this.#name, ...command];
  }

  /** Creates the namespace and the link; fails clearly when the host does not allow it. */
  static async create(): Promise<Partition> {
    const partition = new Partition(1 + Math.floor(Math.random() * 250));
    const name = partition.#name;
    const link = partition.#link;
    const steps = [
      ["ip", "netns", "add", name],
      ["ip", "link", "add", `${link}a`, "type", "veth", "peer", "name", `${link}b`],
      ["ip", "link", "set", `${link}b`, "netns", name],
      ["ip", "addr", "add", `${partition.hostAddress}/24`, "dev", `${link}a`],
      ["ip", "link", "set", `${link}a`, "up"],
      [
        "ip",
        "netns",
        "exec",
        name,
        "ip",
        "addr",
        "add",
        partition.hostAddress.replace(/\.1$/, ".2") + "/24",
        "dev",
        `${link}b`,
      ],
      ["ip", "netns", "exec", name, "ip", "link", "set", `${link}b`, "up"],
      ["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"],
    ];
    for (const step of steps) {
      const output = await run(step);
      if (!output.success) {
        await partition.remove();
        throw new NetworkNamespaceError(
          `network-partition needs network namespaces (root and 'ip netns'); '${
            step.join(" ")
          }' failed: ${output.message}`,
        );
      }
    }
    return partition;
  }

  /** Cuts the namespace off. */
  async cut(): Promise<void> {
    await run(["ip", "link", "set", `${this.#link}a`, "down"]);
  }

  /** Reconnects it. */
  async heal(): Promise<void> {
    await run(["ip", "link", "set", `${this.#link}a`, "up"]);
    await run(["ip", "netns", "exec", this.#name, "ip", "link", "set", `${this.#link}b`, "up"]);
  }

  /** Deletes the namespace and the link. */
  async remove(): Promise<void> {
    await run(["ip", "link", "del", `${this.#link}a`]);
    await run(["ip", "netns", "del", this.#name]);
  }
}

async function run(command: string[]): Promise<{ success: boolean; message: string }> {
  try {
    const output = await new Deno.Command(command[0], {
      args: command.slice(1),
      stdout: "null",
      stderr: "piped",
    })
      .output();
    return { success: output.success, message: new TextDecoder().decode(output.stderr).trim() };
  } catch (error) {
    return { success: false, message: (error as Error).message };
  }
}
