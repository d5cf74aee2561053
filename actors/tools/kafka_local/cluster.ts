/**
 * A local Apache Kafka cluster (KRaft, 1 or 3 nodes on one host) run as plain `java` processes
 * that outlive the command that started them: up, down, status, kill one node, start it again.
 * Everything about a cluster lives in its folder, so any later command finds it from `--dir`.
 *
 * @module
 */

import { join } from "node:path";
import {
  FraudstreamError,
  InterruptedError,
  throwIfInterrupted,
  UsageError,
} from "../../lib/errors.ts";
import { poll } from "../../lib/async.ts";
import { ensureKafkaJars, KAFKA_VERSION, requireTool } from "./jars.ts";
import { waitForCluster } from "./wait.ts";
import {
  nodePid,
  processGone,
  readLayout,
  readLayoutIfAny,
  STATE_FILE,
  stateNodeCount,
} from "./state.ts";
import { checkPortFree } from "./ports.ts";
import {
  bootstrap,
  type ClusterLayout,
  MAX_PORT_BASE,
  nodeFolderName,
  type NodeLayout,
  nodeLayouts,
  nodeProperties,
} from "./nodes.ts";

/** Options of `clusterUp`. */
export interface ClusterUpOptions {
  /** Folder of the cluster (settings, data, logs, pids). */
  dir: string;
  /**
   * 1 or 3 nodes (default: as many as the cluster in `dir` has, else 3). A number that differs
   * from the existing cluster's is refused.
   */
  nodes?: 1 | 3;
  /**
   * Node n listens on `portBase + n * 10000` (default: the existing cluster's, else 9092). A base
   * that differs from the existing cluster's is refused.
   */
  portBase?: number;
  /** Address the nodes listen on (default 127.0.0.1). */
  host?: string;
  version?: string;
  /** Heap of each node in MiB (default 384). */
  heapMb?: number;
  /** Longest wait for the cluster to answer, in ms (default 120000). */
  timeoutMs?: number;
  /** Folder of cached jars (default: see `defaultJarCache`). */
  jarCache?: string;
  onLog?: (line: string) => void;
  /**
   * Stops the start-up when it aborts (Ctrl-C): the nodes this call started are stopped again,
   * and the cluster's folder is kept, so a later `kafka up` starts it as it was made.
   */
  signal?: AbortSignal;
}

/** What a running cluster looks like. */
export interface ClusterInfo {
  dir: string;
  version: string;
  bootstrap: string[];
  nodes: NodeStatus[];
}

/** State of one node. */
export interface NodeStatus {
  id: number;
  address: string;
  pid: number | null;
  running: boolean;
  log: string;
}

/**
 * Starts the cluster (formatting new nodes first) and waits until every node answers. The cluster
 * already in `dir` is started as it was made; a new one is made only in a folder that holds none
 * of its node folders yet (`kafka down --wipe` deletes them).
 *
 * @throws {UsageError} for settings that do not fit the folder or the cluster in it.
 * @throws {FraudstreamError} when the state file is unreadable or not one this wrote (nothing is
 * written or started), or a port is taken.
 * @throws {InterruptedError} when `options.signal` aborts first: the nodes this call started are
 * stopped again (the folder is kept).
 */
export async function clusterUp(options: ClusterUpOptions): Promise<ClusterInfo> {
  const found = await Deno.stat(options.dir).catch(() => undefined);
  if (found && !found.isDirectory) {
    throw new UsageError(`--dir '${options.dir}' is a file, not a folder: choose a folder`);
  }
  const existing = await readLayoutIfAny(options.dir);
  if (existing) checkSameCluster(options, existing);
  else await checkNoNodeFolders(options.dir);
  const portBase = options.portBase ?? existing?.portBase ?? 9092;
  if (portBase < 1024 || portBase > MAX_PORT_BASE) {
    throw new UsageError(`--port-base must be from 1024 to ${MAX_PORT_BASE}, got ${portBase}`);
  }
  const nodes = existing?.nodes ??
    nodeLayouts({ dir: options.dir, count: options.nodes ?? 3, portBase, host: options.host });
  const starting: NodeLayout[] = [];
  for (const node of nodes) if (!(await nodePid(node))) starting.push(node);
  // Before anything is written: a cluster that cannot start leaves no state file behind.
  starting.forEach(checkPortFree);
  await requireTool("java");
  await requireTool("bash");
  const { signal } = options;
  const interrupted = () => throwIfInterrupted(signal, "kafka up was interrupted");
  const version = existing?.version ?? options.version ?? KAFKA_VERSION;
  const lib = await ensureKafkaJars({
    version,
    cacheDir: options.jarCache,
    onLog: options.onLog,
    signal,
  });
  const layout: ClusterLayout = existing ?? {
    version,
    clusterId: await randomClusterId(lib),
    host: options.host ?? "127.0.0.1",
    portBase,
    nodes,
  };
  throwIfInterrupted(signal, "kafka up was interrupted: nothing was written or started");
  await Deno.mkdir(options.dir, { recursive: true });
  await Deno.writeTextFile(join(options.dir, STATE_FILE), JSON.stringify(layout, null, 2) + "\n");
  const launched: { node: NodeLayout; pid: number }[] = [];
  try {
    for (const node of starting) {
      await prepareNode(node, layout, lib);
      interrupted();
      launched.push({ node, pid: await launchNode(node, lib, options.heapMb ?? 384) });
      options.onLog?.(`node ${node.id} started on ${node.host}:${node.clientPort}`);
    }
    await waitForCluster({
      brokers: bootstrap(layout),
      expectNodes: layout.nodes.length,
      timeoutMs: options.timeoutMs ?? 120_000,
      logs: layout.nodes.map((node) => join(node.dir, "broker.log")),
      signal,
      exited: async () => {
        const ids: number[] = [];
        for (const { node, pid } of launched) if (await processGone(pid)) ids.push(node.id);
        return ids;
      },
    });
    interrupted();
  } catch (error) {
    if (!(error instanceof InterruptedError)) throw error;
    await Promise.all(launched.map(({ pid }) => stopLaunched(pid)));
    const stopped = launched.length === 0
      ? "no node was started"
      : `stopped the node(s) it started (${launched.map(({ node }) => node.id).join(", ")})`;
    throw new InterruptedError(
      `kafka up was interrupted: ${stopped}; the cluster's folder '${options.dir}' is kept: ` +
        `'fraudstream kafka up' starts it, 'fraudstream kafka down --wipe' deletes it`,
    );
  }
  return await clusterStatus({ dir: options.dir });
}

/** Refuses a node count or port base asked for that the cluster already in the folder lacks. */
function checkSameCluster(options: ClusterUpOptions, existing: ClusterLayout): void {
  const wipe = "or run 'fraudstream kafka down --wipe' first to make a new one";
  if (options.nodes !== undefined && existing.nodes.length !== options.nodes) {
    throw new UsageError(
      `the cluster in '${options.dir}' has ${existing.nodes.length} node(s), not ${options.nodes}: ` +
        `start it without --nodes (KAFKA_NODES), ${wipe}`,
    );
  }
  if (options.portBase !== undefined && existing.portBase !== options.portBase) {
    throw new UsageError(
      `the cluster in '${options.dir}' listens on port base ${existing.portBase}, not ` +
        `${options.portBase}: start it without --port-base (KAFKA_PORT_BASE), ${wipe}`,
    );
  }
}

/**
 * Refuses to make a cluster in a folder that already holds a folder by a node's name: it is not
 * this cluster's (there is no state file), and `kafka down --wipe` would delete it.
 */
async function checkNoNodeFolders(dir: string): Promise<void> {
  for (const id of [1, 2, 3]) {
    const name = nodeFolderName(id);
    if (await Deno.lstat(join(dir, name)).then(() => true, () => false)) {
      throw new UsageError(
        `'${dir}' holds '${name}' but no ${STATE_FILE}: it is not a cluster 'kafka up' made ` +
          `there, and a new one would take '${name}' for its own; choose another --dir`,
      );
    }
  }
}

/** Which nodes run; reads only the cluster folder and the process table. */
export async function clusterStatus(options: { dir: string }): Promise<ClusterInfo> {
  const layout = await readLayout(options.dir);
  const nodes: NodeStatus[] = [];
  for (const node of layout.nodes) {
    const pid = await nodePid(node);
    nodes.push({
      id: node.id,
      address: `${node.host}:${node.clientPort}`,
      pid,
      running: pid !== null,
      log: join(node.dir, "broker.log"),
    });
  }
  return { dir: options.dir, version: layout.version, bootstrap: bootstrap(layout), nodes };
}

/** What `clusterDown` found and did. */
export interface ClusterDownResult {
  /** False when the folder holds no cluster (nothing was stopped or deleted). */
  found: boolean;
  /** With `wipe`: the folder's entries that `clusterUp` did not make, left where they were. */
  kept: string[];
}

/**
 * Stops every node (SIGTERM, then SIGKILL after `graceMs`). `wipe` then deletes what `clusterUp`
 * made in the folder (its state file and node folders, named from the folder, never from the
 * state file's paths), and the folder itself once nothing else is in it.
 *
 * @example
 * ```ts
 * const { kept } = await clusterDown({ dir: "/tmp/kafka", wipe: true });
 * ```
 *
 * @throws {UsageError} with `wipe`, for a folder that exists but holds no cluster: nothing is
 * deleted.
 */
export async function clusterDown(
  options: { dir: string; wipe?: boolean; graceMs?: number },
): Promise<ClusterDownResult> {
  const count = await stateNodeCount(options.dir);
  if (count === undefined) {
    const exists = await Deno.stat(options.dir).then(() => true, () => false);
    if (options.wipe && exists) {
      throw new UsageError(
        `'${options.dir}' holds no Kafka cluster started by 'fraudstream kafka up' (no ` +
          `readable ${STATE_FILE}); nothing stopped or deleted`,
      );
    }
    return { found: false, kept: [] };
  }
  const names = ownNodeFolders(count);
  for (const name of names) {
    await stopNode({ dir: join(options.dir, name) }, {
      signal: "SIGTERM",
      graceMs: options.graceMs ?? 30_000,
    });
  }
  if (!options.wipe) return { found: true, kept: [] };
  for (const name of [STATE_FILE, ...names]) {
    await Deno.remove(join(options.dir, name), { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
  const kept: string[] = [];
  for await (const entry of Deno.readDir(options.dir)) kept.push(entry.name);
  if (kept.length === 0) await Deno.remove(options.dir);
  return { found: true, kept: kept.sort() };
}

/** The node folders `clusterUp` makes for a cluster of `count` nodes, by name. */
function ownNodeFolders(count: number): string[] {
  return Array.from({ length: count }, (_, i) => nodeFolderName(i + 1));
}

/** Kills one node (SIGKILL by default), as a crash would. */
export async function killNode(
  options: { dir: string; node: number; signal?: Deno.Signal },
): Promise<void> {
  const node = findNode(await readLayout(options.dir), options.node);
  await stopNode(node, { signal: options.signal ?? "SIGKILL", graceMs: 30_000 });
}

/**
 * Starts one stopped node again; resolves once it is a member of the cluster again.
 *
 * @throws {InterruptedError} when `options.signal` aborts first: a node this call started is
 * stopped again.
 */
export async function startNode(
  options: {
    dir: string;
    node: number;
    heapMb?: number;
    timeoutMs?: number;
    jarCache?: string;
    /** Stops the start (Ctrl-C). */
    signal?: AbortSignal;
  },
): Promise<void> {
  const layout = await readLayout(options.dir);
  const node = findNode(layout, options.node);
  if (await nodePid(node)) return;
  await requireTool("bash");
  const { signal } = options;
  const lib = await ensureKafkaJars({
    version: layout.version,
    cacheDir: options.jarCache,
    signal,
  });
  throwIfInterrupted(signal, `kafka start was interrupted: node ${node.id} was not started`);
  checkPortFree(node);
  const pid = await launchNode(node, lib, options.heapMb ?? 384);
  try {
    await waitForCluster({
      brokers: [`${node.host}:${node.clientPort}`],
      expectNodes: layout.nodes.length,
      timeoutMs: options.timeoutMs ?? 120_000,
      logs: [join(node.dir, "broker.log")],
      signal,
    });
  } catch (error) {
    if (!(error instanceof InterruptedError)) throw error;
    await stopLaunched(pid);
    throw new InterruptedError(`kafka start was interrupted: node ${node.id} was stopped again`);
  }
}

function findNode(layout: ClusterLayout, id: number): NodeLayout {
  const node = layout.nodes.find((n) => n.id === id);
  if (!node) {
    throw new UsageError(
      `--node ${id} does not exist; the cluster has nodes ${
        layout.nodes.map((n) => n.id).join(", ")
      }`,
    );
  }
  return node;
}

async function randomClusterId(lib: string): Promise<string> {
  const output = await java(lib, ["kafka.tools.StorageTool", "random-uuid"]);
  const id = output.trim().split("\n").pop()!.trim();
  if (!/^[A-Za-z0-9_-]{22}$/.test(id)) throw new FraudstreamError(`unexpected cluster id '${id}'`);
  return id;
}

async function prepareNode(node: NodeLayout, layout: ClusterLayout, lib: string): Promise<void> {
  await Deno.mkdir(join(node.dir, "data"), { recursive: true });
  const properties = join(node.dir, "server.properties");
  await Deno.writeTextFile(properties, nodeProperties(node, layout.nodes));
  try {
    await Deno.stat(join(node.dir, "data", "meta.properties"));
    return;
  } catch {
    // not formatted yet
  }
  await java(lib, ["kafka.tools.StorageTool", "format", "-t", layout.clusterId, "-c", properties]);
}

/** Starts `node`'s process; returns its pid, also written to the node's pid file. */
async function launchNode(node: NodeLayout, lib: string, heapMb: number): Promise<number> {
  const log = join(node.dir, "broker.log");
  // The paths go to bash as its positional parameters ($1 to $3), never into the script's text:
  // a folder named with a quote, a space or a '$' is a path like any other.
  const script = [
    // The node outlives this command: it must not keep the caller's pipes and files open (whoever
    // waits for their end would wait as long as the node runs), so every descriptor above 2 that
    // this process inherited is closed first.
    'for fd in /proc/$$/fd/*; do n=${fd##*/}; if [ "$n" -gt 2 ]; then exec {n}>&-; fi; done;',
    "exec java",
    `-Xms${Math.min(128, heapMb)}m -Xmx${heapMb}m -XX:+UseSerialGC`,
    // The quick compiler only: a node's optimising compiler (C2) took about half of the three
    // nodes' CPU in their first minutes, on the cores the pipeline runs on; without it a fresh
    // cluster carried the pipeline end to end 50-60 % faster, and one some minutes old as fast.
    "-XX:TieredStopAtLevel=1",
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
    '-cp "$1/*" kafka.Kafka "$2"',
    '>> "$3" 2>&1',
  ].join(" ");
  // setsid: the node gets its own session, so it survives the end of this command.
  const child = new Deno.Command("setsid", {
    args: ["bash", "-c", script, "kafka-node", lib, join(node.dir, "server.properties"), log],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  await Deno.writeTextFile(join(node.dir, "pid"), `${child.pid}\n`);
  return child.pid;
}

/**
 * Stops a node's process that this command launched (`pid`, from `launchNode`), by its pid alone:
 * until its shell hands over to java (a moment, longer on a busy machine) `nodePid` does not know
 * it as a node yet, and a stop that asked `nodePid` would leave it to start.
 */
async function stopLaunched(pid: number): Promise<void> {
  await stopProcess(pid, { signal: "SIGTERM", graceMs: 30_000, gone: () => processGone(pid) });
}

/** Stops `node`'s running Kafka process, if `nodePid` finds one. */
async function stopNode(
  node: Pick<NodeLayout, "dir">,
  options: { signal: Deno.Signal; graceMs: number },
): Promise<void> {
  const pid = await nodePid(node);
  if (pid === null) return;
  await stopProcess(pid, { ...options, gone: async () => (await nodePid(node)) === null });
}

/** Sends `signal` to `pid`, then SIGKILL if it is not `gone` within `graceMs`. */
async function stopProcess(
  pid: number,
  options: { signal: Deno.Signal; graceMs: number; gone: () => Promise<boolean> },
): Promise<void> {
  try {
    Deno.kill(pid, options.signal);
  } catch {
    return;
  }
  const { gone } = options;
  if (await poll(gone, { timeoutMs: options.graceMs, pollMs: 100 })) return;
  try {
    Deno.kill(pid, "SIGKILL");
  } catch {
    // gone
  }
  await poll(gone, { timeoutMs: Infinity, pollMs: 100 });
}

async function java(lib: string, args: string[]): Promise<string> {
  const output = await new Deno.Command("java", {
    args: ["-cp", `${lib}/*`, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    const detail = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-2).join(" ");
    throw new FraudstreamError(`Kafka's ${args[0]} failed: ${detail || text.trim()}`);
  }
  return text;
}
