/**
 * A cluster's state file (`cluster.json`) and its nodes' processes, trusted no further than can be
 * checked: the state file is only read for what it alone knows (version, cluster id, host, ports),
 * each value checked; where a node lives always comes from the cluster's folder, never from the
 * file (a copied, moved or edited folder would otherwise point at another cluster's nodes); and a
 * pid is a node's only while that process runs Kafka on this very node's settings file.
 *
 * @module
 */

import { join, resolve } from "node:path";
import { FraudstreamError } from "../../lib/errors.ts";
import { isJsonObject } from "../../lib/json_object.ts";
import { type ClusterLayout, MAX_PORT_BASE, nodeFolderName, type NodeLayout } from "./nodes.ts";

/** The name of a cluster's state file in its folder. */
export const STATE_FILE = "cluster.json";

/**
 * The layout of the cluster in `dir`, checked, its node folders those of `dir` (as an absolute
 * path) whatever the file says.
 *
 * @throws {FraudstreamError} when there is no state file, or it is unreadable or not one that
 * `kafka up` writes.
 */
export async function readLayout(dir: string): Promise<ClusterLayout> {
  const layout = await readLayoutIfAny(dir);
  if (!layout) {
    throw new FraudstreamError(
      `no Kafka cluster in '${dir}'; start one with 'fraudstream kafka up --dir ${dir}'`,
    );
  }
  return layout;
}

/** As `readLayout`, but undefined when `dir` holds no state file. */
export async function readLayoutIfAny(dir: string): Promise<ClusterLayout | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await Deno.readTextFile(join(dir, STATE_FILE)));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new FraudstreamError(
      `the cluster file in '${dir}' is unreadable: ${(error as Error).message}`,
    );
  }
  const problem = layoutProblem(parsed);
  if (problem) {
    throw new FraudstreamError(
      `the cluster file ${join(dir, STATE_FILE)} is not one 'fraudstream kafka up' wrote ` +
        `(${problem}); nothing was started or stopped`,
    );
  }
  const layout = parsed as ClusterLayout;
  const home = resolve(dir);
  return {
    ...layout,
    nodes: layout.nodes.map((node) => ({ ...node, dir: join(home, nodeFolderName(node.id)) })),
  };
}

/** What is wrong with a parsed state file, or undefined when it is a cluster's layout. */
function layoutProblem(value: unknown): string | undefined {
  if (!isJsonObject(value)) return "not a JSON object";
  if (typeof value.version !== "string" || !/^\d+(\.\d+){1,3}$/.test(value.version)) {
    return "version is not a Kafka version such as 4.1.1";
  }
  if (typeof value.clusterId !== "string" || !/^[A-Za-z0-9_-]{22}$/.test(value.clusterId)) {
    return "clusterId is not a Kafka cluster id";
  }
  if (
    typeof value.portBase !== "number" || !Number.isInteger(value.portBase) ||
    value.portBase < 1024 || value.portBase > MAX_PORT_BASE
  ) return `portBase is not a whole number from 1024 to ${MAX_PORT_BASE}`;
  if (!Array.isArray(value.nodes) || (value.nodes.length !== 1 && value.nodes.length !== 3)) {
    return "nodes is not a list of 1 or 3 nodes";
  }
  for (const [index, node] of value.nodes.entries()) {
    if (!isJsonObject(node) || node.id !== index + 1) return `node ${index + 1} is not numbered so`;
    if (typeof node.host !== "string" || !/^[A-Za-z0-9.:_-]{1,253}$/.test(node.host)) {
      return `node ${index + 1}'s host is not a host name or address`;
    }
    for (const key of ["clientPort", "controllerPort"] as const) {
      const port = node[key];
      if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
        return `node ${index + 1}'s ${key} is not a port from 1 to 65535`;
      }
    }
  }
  return undefined;
}

/** The pid in `node`'s pid file (written when the node started), or null: no file, or no pid in it. */
export async function pidFileValue(node: Pick<NodeLayout, "dir">): Promise<number | null> {
  try {
    const text = (await Deno.readTextFile(join(node.dir, "pid"))).trim();
    return /^\d{1,10}$/.test(text) ? Number(text) : null;
  } catch {
    return null;
  }
}

/** Whether process `pid` has ended: no such process, or a zombie not yet reaped. */
export async function processGone(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch {
    return true;
  }
}

/**
 * The pid of `node`'s running Kafka process, or null. The pid file alone is not trusted (pids are
 * reused, and the file may have been edited): the process must run `kafka.Kafka` on this node's
 * own `server.properties`.
 */
export async function nodePid(node: Pick<NodeLayout, "dir">): Promise<number | null> {
  const pid = await pidFileValue(node);
  if (pid === null || pid <= 1) return null;
  if (await processGone(pid)) return null;
  try {
    const args = (await Deno.readTextFile(`/proc/${pid}/cmdline`)).split("\0");
    const main = args.indexOf("kafka.Kafka");
    if (main < 0 || args[main + 1] === undefined) return null;
    // A node started from a relative --dir names its settings relative to where it started.
    const cwd = await Deno.readLink(`/proc/${pid}/cwd`);
    return resolve(cwd, args[main + 1]) === join(resolve(node.dir), "server.properties")
      ? pid
      : null;
  } catch {
    return null;
  }
}

/**
 * How many nodes the state file in `dir` lists (at most 3), read loosely, for `kafka down` to
 * stop and delete by: undefined when there is no state file or it is not JSON. The nodes are
 * found from the folder and their pids checked (`nodePid`), so no other value of the file is
 * needed or trusted.
 */
export async function stateNodeCount(dir: string): Promise<number | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await Deno.readTextFile(join(dir, STATE_FILE)));
  } catch {
    return undefined;
  }
  const nodes = isJsonObject(parsed) ? parsed.nodes : undefined;
  return Array.isArray(nodes) ? Math.min(nodes.length, 3) : 0;
}
