/**
 * Scenarios against a real Kafka cluster, which each start (and stop) their own local 3-node
 * cluster: a broker killed and restarted under the in-process pipeline (`kill_broker.ts`), and
 * scenarios with the roles as operating-system processes (`process_scenario.ts`: a consumer
 * killed with SIGKILL, every process killed and restarted, a consumer host cut off from the
 * brokers by a network partition).
 *
 * @module
 */

import { clusterDown, clusterUp } from "../kafka_local/cluster.ts";
import { freePortBase } from "../kafka_local/ports.ts";
import type { KafkaScenario } from "./catalog.ts";
import type { ScenarioOptions, ScenarioReport } from "./harness.ts";
import { killBroker } from "./kill_broker.ts";
import { Partition } from "./network_partition.ts";
import { runProcessScenario } from "./process_scenario.ts";

/**
 * Where the port bases of the clusters the scenarios start are looked for (clients on 19792,
 * 29792, 39792 when those are free; see `freePortBase`).
 */
export const CHAOS_PORT_BASE = 9792;

/** Runs a Kafka scenario on a cluster of its own. */
export async function runKafkaScenario(
  name: KafkaScenario,
  options: ScenarioOptions,
): Promise<ScenarioReport> {
  const dir = await Deno.makeTempDir({ prefix: `fraudstream-chaos-kafka-` });
  const network = name === "network-partition" ? await Partition.create() : undefined;
  try {
    options.onStatus?.(`${name}: starting a 3-node Kafka cluster`);
    const cluster = await clusterUp({
      dir,
      nodes: 3,
      portBase: freePortBase({ nodes: 3, from: CHAOS_PORT_BASE, host: network?.hostAddress }),
      host: network?.hostAddress,
      onLog: options.onStatus,
    });
    if (name === "kill-broker") return await killBroker(dir, cluster.bootstrap, options);
    return await runProcessScenario(name, { brokers: cluster.bootstrap, options, network });
  } finally {
    await network?.remove();
    await clusterDown({ dir, wipe: true, graceMs: 10_000 }).catch(() => {});
    // A cluster that never started leaves its folder empty, and `clusterDown` refuses a folder
    // without a cluster: the folder made here goes all the same (only when empty).
    await Deno.remove(dir).catch(() => {});
  }
}
