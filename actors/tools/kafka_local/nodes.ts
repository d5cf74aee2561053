/**
 * Layout and settings of a local KRaft cluster: every node is broker and controller, all on one
 * host. Node `n` of a cluster with port base `B` listens for clients on `B + n * 10000` and for
 * controllers one port above (base 9092: 19092/19093, 29092/29093, 39092/39093).
 *
 * @module
 */

import { join, resolve } from "node:path";

/** One node of the cluster. */
export interface NodeLayout {
  id: number;
  host: string;
  clientPort: number;
  controllerPort: number;
  /** Folder of this node: settings, data, log and pid file. */
  dir: string;
}

/** The shape of a cluster, as saved in its folder. */
export interface ClusterLayout {
  version: string;
  clusterId: string;
  host: string;
  portBase: number;
  nodes: NodeLayout[];
}

/** Highest port base that still fits three nodes below port 65535. */
export const MAX_PORT_BASE = 35534;

/** The name of node `id`'s folder inside its cluster's folder. */
export function nodeFolderName(id: number): string {
  return `node-${id}`;
}

/** Where each node of an `count`-node cluster lives (`dir` made absolute). */
export function nodeLayouts(
  options: { dir: string; count: number; portBase: number; host?: string },
): NodeLayout[] {
  const host = options.host ?? "127.0.0.1";
  // Absolute: a node is found again (and told from another's) from any working folder.
  const home = options.dir === "" ? "" : resolve(options.dir);
  return Array.from({ length: options.count }, (_, i) => {
    const id = i + 1;
    const clientPort = options.portBase + id * 10_000;
    return {
      id,
      host,
      clientPort,
      controllerPort: clientPort + 1,
      dir: join(home, nodeFolderName(id)),
    };
  });
}

/** Bootstrap servers of a cluster. */
export function bootstrap(layout: Pick<ClusterLayout, "nodes">): string[] {
  return layout.nodes.map((node) => `${node.host}:${node.clientPort}`);
}

/** The `server.properties` of one node. */
export function nodeProperties(node: NodeLayout, nodes: NodeLayout[]): string {
  const count = nodes.length;
  const replication = count >= 3 ? 3 : 1;
  const minIsr = count >= 3 ? 2 : 1;
  const voters = nodes.map((n) => `${n.id}@${n.host}:${n.controllerPort}`).join(",");
  const settings: Record<string, string | number> = {
    "process.roles": "broker,controller",
    "node.id": node.id,
    "controller.quorum.voters": voters,
    "listeners":
      `PLAINTEXT://${node.host}:${node.clientPort},CONTROLLER://${node.host}:${node.controllerPort}`,
    "advertised.listeners": `PLAINTEXT://${node.host}:${node.clientPort}`,
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "log.dirs": join(node.dir, "data"),
    "default.replication.factor": replication,
    "min.insync.replicas": minIsr,
    "offsets.topic.replication.factor": replication,
    "offsets.topic.num.partitions": 3,
    "transaction.state.log.replication.factor": replication,
    "transaction.state.log.min.isr": minIsr,
    "transaction.state.log.num.partitions": 3,
    "share.coordinator.state.topic.replication.factor": replication,
    "share.coordinator.state.topic.min.isr": minIsr,
    "group.initial.rebalance.delay.ms": 0,
    // A killed node is noticed (and its partitions get new leaders) within seconds.
    "broker.session.timeout.ms": 4000,
    "broker.heartbeat.interval.ms": 1000,
    "num.network.threads": 2,
    "num.io.threads": 2,
    "num.partitions": 1,
    "auto.create.topics.enable": "false",
    "log.retention.bytes": 1024 * 1024 * 1024,
    "log.segment.bytes": 64 * 1024 * 1024,
  };
  return Object.entries(settings).map(([key, value]) => `${key}=${value}`).join("\n") + "\n";
}
