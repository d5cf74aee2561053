/**
 * `fraudstream kafka up|down|status|kill|start`: the local Apache Kafka cluster for hosts
 * without Docker, from the command line.
 *
 * @module
 */

import type { CommandHandler } from "../../pipeline/command.ts";
import { UsageError } from "../../lib/errors.ts";
import { KafkaTransport } from "../../log/mod.ts";
import { topicSpecs } from "../../pipeline/topics.ts";
import {
  clusterDown,
  type ClusterInfo,
  clusterStatus,
  clusterUp,
  killNode,
  startNode,
} from "./cluster.ts";

function describe(info: ClusterInfo): string[] {
  return [
    ...info.nodes.map((node) =>
      `node ${node.id} ${node.address} ${
        node.running ? `running (pid ${node.pid})` : "stopped"
      }  log ${node.log}`
    ),
    `bootstrap: ${info.bootstrap.join(",")}`,
  ];
}

/** `fraudstream kafka up|down|status|kill|start`. */
export const kafkaCommand: CommandHandler = async (config, ctx) => {
  const dir = config.kafkaDir;
  switch (config.args.action) {
    case "up": {
      const info = await clusterUp({
        dir,
        // Unless set, a cluster already in --dir keeps its own; a new one takes the defaults.
        nodes: config.given.includes("kafkaNodes") ? config.kafkaNodes : undefined,
        portBase: config.given.includes("kafkaPortBase") ? config.kafkaPortBase : undefined,
        onLog: ctx.status,
        signal: ctx.signal,
      });
      const transport = new KafkaTransport({ brokers: info.bootstrap, clientId: config.clientId });
      try {
        await transport.ensureTopics(topicSpecs(config));
      } finally {
        await transport.close();
      }
      for (const line of describe(info)) ctx.print(line);
      ctx.print(`use it with: export KAFKA_BOOTSTRAP_SERVERS=${info.bootstrap.join(",")}`);
      return { exitCode: 0, report: info };
    }
    case "status": {
      const info = await clusterStatus({ dir });
      for (const line of describe(info)) ctx.print(line);
      const running = info.nodes.filter((node) => node.running).length;
      return { exitCode: running === info.nodes.length ? 0 : 1, report: info };
    }
    case "down": {
      const { found, kept } = await clusterDown({ dir, wipe: config.wipe });
      if (!found) ctx.print(`no Kafka cluster in ${dir}; nothing to stop`);
      else if (!config.wipe) ctx.print(`stopped the cluster in ${dir}`);
      else if (kept.length === 0) ctx.print(`stopped and deleted the cluster in ${dir}`);
      else {
        ctx.print(
          `stopped and deleted the cluster in ${dir}; kept the folder, which holds what ` +
            `'kafka up' did not make: ${kept.join(", ")}`,
        );
      }
      return { exitCode: 0 };
    }
    case "kill":
    case "start": {
      if (config.kafkaNode === undefined) {
        throw new UsageError(`'kafka ${config.args.action}' needs --node N`);
      }
      if (config.args.action === "kill") await killNode({ dir, node: config.kafkaNode });
      else await startNode({ dir, node: config.kafkaNode, signal: ctx.signal });
      const info = await clusterStatus({ dir });
      for (const line of describe(info)) ctx.print(line);
      return { exitCode: 0, report: info };
    }
    default:
      throw new UsageError(`unknown action '${config.args.action}'`);
  }
};
