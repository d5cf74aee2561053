/**
 * `kill-broker`: the in-process pipeline on a 3-node Kafka cluster of the scenario's own while one
 * of the nodes is killed with SIGKILL and, a while later, started again.
 *
 * @module
 */

import { delay } from "../../lib/async.ts";
import { kafkaTransportOver } from "../../pipeline/connect.ts";
import { killNode, startNode } from "../kafka_local/cluster.ts";
import {
  firstCommitAfter,
  runScenario,
  type ScenarioOptions,
  type ScenarioReport,
} from "./harness.ts";

/**
 * The in-process pipeline on Kafka while one of the three nodes is killed and restarted; `dir` is
 * the cluster's folder and `brokers` its bootstrap addresses.
 */
export async function killBroker(
  dir: string,
  brokers: string[],
  options: ScenarioOptions,
): Promise<ScenarioReport> {
  const transport = await kafkaTransportOver(
    { brokers, clientId: "fraudstream-chaos" },
    options.kafkaClient,
  );
  let node = 0;
  let killedAt: number | undefined;
  let restartedAt: number | undefined;
  let restarting: Promise<void> = Promise.resolve();
  try {
    return await runScenario("kill-broker", transport, options, {
      inject: (context) => {
        node = 1 + Math.floor(context.random() * 3);
        restarting = killNode({ dir, node }).then(async () => {
          killedAt = performance.now();
          await delay(Math.min(20_000, options.durationMs / 3));
          await startNode({ dir, node });
          restartedAt = performance.now();
        });
        // Failures are the scenario's, through healed(); this keeps them from going unhandled.
        restarting.catch(() => {});
        return 1;
      },
      healed: () => restarting,
      recoveredAt: (context, injectedAt) =>
        firstCommitAfter(
          context,
          Array.from({ length: context.partitions }, (_, p) => p),
          injectedAt,
        ),
      // Read once the fault has healed: the node is back by then.
      notes: (context) => [
        `node ${node} was killed with SIGKILL and started again ${
          Math.round(restartedAt! - context.started)
        } ms after the load began`,
        "topics: replication factor 3, min.insync.replicas 2",
      ],
      details: () => ({
        node,
        down_ms: Math.round(restartedAt! - killedAt!),
      }),
    });
  } finally {
    await transport.close();
  }
}
