import assert from "node:assert/strict";
import {
  clusterDown,
  clusterStatus,
  freePortBase,
  killNode,
  NodeExitedError,
  nodeLayouts,
  startNode,
  waitForCluster,
} from "../../../../actors/tools/kafka_local/mod.ts";
import { nodeProperties } from "../../../../actors/tools/kafka_local/nodes.ts";
import { checkPortFree } from "../../../../actors/tools/kafka_local/ports.ts";
import { KafkaTransport } from "../../../../actors/log/mod.ts";
import { UsageError } from "../../../../actors/lib/errors.ts";
import { main } from "../../../../main.ts";
import { captureIO, MainProcess, runMain } from "../../../fixtures/main_run.ts";
import { processGone } from "../../../../actors/tools/kafka_local/state.ts";
import { fileTree } from "../../../fixtures/file_tree.ts";
import { NO_KAFKA, ownClusterTest } from "../../../fixtures/kafka.ts";

Deno.test("node layout: ports from the base, one folder per node", () => {
  const nodes = nodeLayouts({ dir: "/c", count: 3, portBase: 9092 });
  assert.deepEqual(nodes.map((n) => [n.id, n.clientPort, n.controllerPort, n.dir]), [
    [1, 19092, 19093, "/c/node-1"],
    [2, 29092, 29093, "/c/node-2"],
    [3, 39092, 39093, "/c/node-3"],
  ]);
});

Deno.test("three nodes replicate 3 with 2 in sync; one node replicates 1", () => {
  const three = nodeLayouts({ dir: "/c", count: 3, portBase: 9092 });
  const props = nodeProperties(three[1], three);
  assert.match(props, /^node\.id=2$/m);
  assert.match(
    props,
    /^controller\.quorum\.voters=1@127\.0\.0\.1:19093,2@127\.0\.0\.1:29093,3@127\.0\.0\.1:39093$/m,
  );
  assert.match(props, /^default\.replication\.factor=3$/m);
  assert.match(props, /^min\.insync\.replicas=2$/m);
  assert.match(props, /^transaction\.state\.log\.min\.isr=2$/m);
  const one = nodeLayouts({ dir: "/c", count: 1, portBase: 9092 });
  const single = nodeProperties(one[0], one);
  assert.match(single, /^offsets\.topic\.replication\.factor=1$/m);
  assert.match(single, /^min\.insync\.replicas=1$/m);
});

Deno.test("freePortBase passes over a base any of whose nodes' ports is taken", () => {
  const from = freePortBase({ nodes: 3, from: 9752 });
  // The third node's controller port of the first free base, then the first node's client port
  // of the next one: each base with a port taken is passed over.
  const held = [from + 30_001, from + 2 + 10_000].map((port) =>
    Deno.listen({ hostname: "127.0.0.1", port })
  );
  // The bases after those are taken by this test's ports may have one taken by another program
  // (the local end of an outgoing connection, above 32767): the first base whose ports nobody
  // holds now, from `base` on.
  const firstFree = (nodes: number, base: number): number => {
    const free = (at: number) =>
      nodeLayouts({ dir: "", count: nodes, portBase: at }).every((node) => {
        try {
          checkPortFree(node);
          return true;
        } catch {
          return false;
        }
      });
    while (!free(base)) base += 2;
    return base;
  };
  try {
    assert.equal(freePortBase({ nodes: 3, from }), firstFree(3, from + 4));
    assert.equal(
      freePortBase({ nodes: 1, from }),
      firstFree(1, from),
      "one node uses only the first ports",
    );
    assert.throws(
      () => freePortBase({ nodes: 3, from, tries: 2 }),
      new RegExp(
        `no free ports for 3 Kafka nodes on 127\\.0\\.0\\.1 with port bases ${from} to ${from + 2}`,
      ),
    );
  } finally {
    for (const listener of held) listener.close();
  }
});

Deno.test("a node that exits while its cluster starts ends the wait at once, naming it", async () => {
  const port = freePortBase({ nodes: 1, from: 9482 }) + 10_000; // nothing listens there
  const started = performance.now();
  await assert.rejects(
    waitForCluster({
      brokers: [`127.0.0.1:${port}`],
      expectNodes: 1,
      timeoutMs: 60_000,
      exited: () => Promise.resolve([3]),
    }),
    (error: Error) => {
      assert.ok(error instanceof NodeExitedError, String(error));
      assert.deepEqual(error.nodes, [3]);
      assert.match(
        error.message,
        /Kafka node 3 exited while the cluster at 127\.0\.0\.1:\d+ started/,
      );
      return true;
    },
  );
  assert.ok(performance.now() - started < 5_000, "not after the timeout");
});

Deno.test("a cluster that does not answer: the error holds the ends of its nodes' logs", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const log = `${dir}/broker.log`;
    await Deno.writeTextFile(log, "started\n" + "x".repeat(400) + "\nERROR bind failed\n\n");
    const port = freePortBase({ nodes: 1, from: 9482 }) + 10_000; // nothing listens there
    await assert.rejects(
      waitForCluster({
        brokers: [`127.0.0.1:${port}`],
        expectNodes: 1,
        timeoutMs: 600,
        logs: [log, `${dir}/missing.log`],
      }),
      (error: Error) => {
        assert.match(error.message, /did not answer within 1 s/);
        assert.ok(
          error.message.includes(
            `${log} ends:\n  started\n  ${"x".repeat(300)}\n  ERROR bind failed\n`,
          ),
          error.message,
        );
        assert.ok(error.message.endsWith(`${dir}/missing.log: empty or unreadable`), error.message);
        return true;
      },
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a folder without a cluster is a clear error", async () => {
  await assert.rejects(
    clusterStatus({ dir: "/nonexistent/cluster" }),
    /no Kafka cluster in '\/nonexistent\/cluster'/,
  );
});

ownClusterTest({
  name:
    "kafka: with one of three nodes killed, acks=all writes and reads go on; the node comes back",
  portBase: 9692,
}, async ({ dir, info }) => {
  assert.equal(info.nodes.filter((n) => n.running).length, 3);
  const transport = new KafkaTransport({ brokers: info.bootstrap, clientId: "kill-node-test" });
  try {
    await transport.ensureTopics([{ name: "t", partitions: 3, replicationFactor: 3 }]);
    const producer = await transport.producer();
    const bytes = (text: string) => new TextEncoder().encode(text);
    await producer.send("t", [{ key: "a", value: bytes("before") }]);
    await killNode({ dir, node: 2 });
    const status = await clusterStatus({ dir });
    assert.deepEqual(status.nodes.map((n) => n.running), [true, false, true]);
    for (let i = 0; i < 20; i++) {
      await producer.send("t", [{ key: `k${i}`, value: bytes(`during ${i}`) }]);
    }
    await startNode({ dir, node: 2 });
    assert.deepEqual((await clusterStatus({ dir })).nodes.map((n) => n.running), [
      true,
      true,
      true,
    ]);
    await producer.send("t", [{ key: "z", value: bytes("after") }]);
    await producer.close();
    const ends = await transport.endOffsets("t");
    assert.equal(ends.reduce((a, b) => a + b, 0), 22, "every acknowledged write is there");
  } finally {
    await transport.close();
  }
});

Deno.test({
  name: "kafka: the nodes `kafka up` starts hold none of the caller's open files; --quiet is quiet",
  ignore: NO_KAFKA,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "fraudstream-fds-" });
    const held = `${dir}/held-by-the-caller`;
    try {
      // The caller of `kafka up` holds `held` open on descriptors 7 and 15 (one digit and two,
      // as a shell and a test runner would), and `kafka up` inherits them.
      const up = await new Deno.Command("bash", {
        args: [
          "-c",
          'exec 7>>"$1" 15>>"$1"; shift; exec "$@"',
          "up",
          held,
          Deno.execPath(),
          "run",
          "--allow-all",
          new URL("../../../../main.ts", import.meta.url).pathname,
          "kafka",
          "up",
          "--nodes",
          "1",
          "--port-base",
          String(freePortBase({ nodes: 1, from: 9452 })),
          "--dir",
          `${dir}/cluster`,
          "--quiet",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stderr = new TextDecoder().decode(up.stderr);
      assert.equal(up.code, 0, stderr);
      // --quiet prints nothing; a runtime warning from a Kafka client would still show.
      assert.equal(stderr, "", "kafka up --quiet prints nothing");
      const [node] = (await clusterStatus({ dir: `${dir}/cluster` })).nodes;
      assert.ok(node.pid !== null);
      const open: string[] = [];
      for await (const entry of Deno.readDir(`/proc/${node.pid}/fd`)) {
        const target = await Deno.readLink(`/proc/${node.pid}/fd/${entry.name}`).catch(() => "");
        open.push(target);
      }
      assert.ok(open.length > 3, "the node's descriptors were read");
      assert.deepEqual(open.filter((target) => target === held), []);
    } finally {
      await clusterDown({ dir: `${dir}/cluster`, wipe: true, graceMs: 5000 });
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("kafka down --wipe refuses a folder that holds no cluster, deleting nothing (exit 2)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/mine`);
    await Deno.writeTextFile(`${dir}/mine/notes.txt`, "precious\n");
    await assert.rejects(
      () => clusterDown({ dir: `${dir}/mine`, wipe: true }),
      (error: unknown) =>
        error instanceof UsageError && /holds no Kafka cluster/.test(error.message),
    );
    const err: string[] = [];
    const code = await main(
      ["kafka", "down", "--dir", `${dir}/mine`, "--wipe"],
      captureIO([], err),
    );
    assert.equal(code, 2, err.join("\n"));
    assert.match(err.join("\n"), /nothing stopped or deleted/);
    assert.deepEqual(await fileTree(dir), ["mine", "mine/notes.txt"]);
    // Without --wipe, or for a folder that is not there, there is nothing to do.
    const out: string[] = [];
    assert.equal(await main(["kafka", "down", "--dir", `${dir}/mine`], captureIO(out, [])), 0);
    assert.equal(
      await main(["kafka", "down", "--dir", `${dir}/none`, "--wipe"], captureIO(out, [])),
      0,
    );
    assert.deepEqual(out.map((line) => line.replace(dir, "<dir>")), [
      "no Kafka cluster in <dir>/mine; nothing to stop",
      "no Kafka cluster in <dir>/none; nothing to stop",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kafka down --wipe deletes only what kafka up made, by name, and keeps a folder with more in it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cluster = `${dir}/cluster`;
    const elsewhere = `${dir}/elsewhere`;
    await Deno.mkdir(elsewhere);
    await Deno.writeTextFile(`${elsewhere}/data.csv`, "keep me\n");
    // A cluster folder whose state file names paths outside it (edited, or moved): they are not
    // followed.
    const nodes = nodeLayouts({ dir: elsewhere, count: 3, portBase: 9092 })
      .map((node) => ({ ...node, dir: elsewhere }));
    for (const id of [1, 2, 3]) {
      await Deno.mkdir(`${cluster}/node-${id}/data`, { recursive: true });
      await Deno.writeTextFile(`${cluster}/node-${id}/broker.log`, "log\n");
    }
    await Deno.writeTextFile(
      `${cluster}/cluster.json`,
      JSON.stringify({
        version: "4.1.1",
        clusterId: "x",
        host: "127.0.0.1",
        portBase: 9092,
        nodes,
      }),
    );
    await Deno.writeTextFile(`${cluster}/notes.txt`, "mine\n");
    await Deno.mkdir(`${cluster}/node-4`);
    const out: string[] = [];
    assert.equal(await main(["kafka", "down", "--dir", cluster, "--wipe"], captureIO(out, [])), 0);
    assert.deepEqual(await fileTree(dir), [
      "cluster",
      "cluster/node-4",
      "cluster/notes.txt",
      "elsewhere",
      "elsewhere/data.csv",
    ]);
    assert.match(
      out.join("\n"),
      /kept the folder, which holds what 'kafka up' did not make: node-4, notes.txt/,
    );
    // Once only what kafka up made is in it, the folder goes too.
    await Deno.remove(`${cluster}/notes.txt`);
    await Deno.remove(`${cluster}/node-4`);
    await Deno.writeTextFile(
      `${cluster}/cluster.json`,
      JSON.stringify({ nodes: nodes.slice(0, 1) }),
    );
    await Deno.mkdir(`${cluster}/node-1`);
    assert.deepEqual(await clusterDown({ dir: cluster, wipe: true }), { found: true, kept: [] });
    assert.deepEqual(await fileTree(dir), ["elsewhere", "elsewhere/data.csv"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kafka up --dir naming a file is refused with exit 2, the file untouched", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/afile`, "mine\n");
    const err: string[] = [];
    const code = await main(["kafka", "up", "--dir", `${dir}/afile`], captureIO([], err));
    assert.equal(code, 2, err.join("\n"));
    assert.match(err.join("\n"), /--dir '.*afile' is a file, not a folder/);
    assert.equal(await Deno.readTextFile(`${dir}/afile`), "mine\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Holds node 1's client port of a free port base from `from` on; returns the base. */
function holdNodeOnePort(from: number): { portBase: number; listener: Deno.Listener } {
  const portBase = freePortBase({ nodes: 1, from });
  return { portBase, listener: Deno.listen({ hostname: "127.0.0.1", port: portBase + 10_000 }) };
}

/** The state file of a 1-node cluster in `dir` on `portBase`, as `kafka up` writes it. */
function oneNodeState(dir: string, portBase: number): string {
  const layout = {
    version: "4.1.1",
    clusterId: "xTdpd47xTWOuzYCaazF7Bg",
    host: "127.0.0.1",
    portBase,
    nodes: nodeLayouts({ dir, count: 1, portBase }),
  };
  return JSON.stringify(layout, null, 2) + "\n";
}

Deno.test("kafka up on the cluster in --dir keeps its nodes and ports unless told; other ones are refused (exit 2)", async () => {
  const dir = await Deno.makeTempDir();
  // The node's port is held, so that a start stops at it: no Kafka is started here.
  const { portBase, listener } = holdNodeOnePort(9622);
  try {
    const state = oneNodeState(dir, portBase);
    await Deno.writeTextFile(`${dir}/cluster.json`, state);
    // Without --nodes, the 1-node cluster is started as it is (the default of 3 is for a new one).
    const plain = await runMain(["kafka", "up", "--dir", dir]);
    assert.equal(plain.code, 1, plain.err.join("\n"));
    assert.match(
      plain.err.join("\n"),
      new RegExp(`port ${portBase + 10_000} on 127.0.0.1 is in use`),
    );
    // Another port base or node count than the cluster's is not silently replaced by its own.
    const ports = await runMain(["kafka", "up", "--dir", dir, "--port-base", String(portBase + 2)]);
    assert.equal(ports.code, 2, ports.err.join("\n"));
    assert.match(
      ports.err.join("\n"),
      new RegExp(`listens on port base ${portBase}, not ${portBase + 2}`),
    );
    const nodes = await runMain(["kafka", "up", "--dir", dir, "--nodes", "3"]);
    assert.equal(nodes.code, 2, nodes.err.join("\n"));
    assert.match(nodes.err.join("\n"), /has 1 node\(s\), not 3: start it without --nodes/);
    assert.equal(await Deno.readTextFile(`${dir}/cluster.json`), state);
    assert.deepEqual(await fileTree(dir), ["cluster.json"]);
  } finally {
    listener.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kafka up leaves a truncated state file as it is (exit 1) instead of making a new cluster over it", async () => {
  const dir = await Deno.makeTempDir();
  const { portBase, listener } = holdNodeOnePort(9626);
  try {
    const truncated = oneNodeState(dir, portBase).slice(0, 40);
    await Deno.writeTextFile(`${dir}/cluster.json`, truncated);
    const run = await runMain([
      "kafka",
      "up",
      "--dir",
      dir,
      "--nodes",
      "1",
      "--port-base",
      String(portBase),
    ]);
    assert.equal(run.code, 1, run.err.join("\n"));
    assert.match(run.err.join("\n"), /the cluster file in '.*' is unreadable/);
    assert.equal(await Deno.readTextFile(`${dir}/cluster.json`), truncated);
  } finally {
    listener.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kafka up whose port is taken writes nothing; one in a folder holding a node-1 of its own is refused (exit 2)", async () => {
  const dir = await Deno.makeTempDir();
  const { portBase, listener } = holdNodeOnePort(9630);
  try {
    const args = ["--nodes", "1", "--port-base", String(portBase)];
    const taken = await runMain(["kafka", "up", "--dir", `${dir}/new`, ...args]);
    assert.equal(taken.code, 1, taken.err.join("\n"));
    assert.match(taken.err.join("\n"), /is in use, so node 1 cannot start/);
    assert.deepEqual(await fileTree(dir), [], "no state file of a cluster that never started");
    // A folder that holds a 'node-1' but no cluster: a new cluster there would take it for its
    // own node's, and 'kafka down --wipe' would delete it.
    await Deno.mkdir(`${dir}/mine/node-1`, { recursive: true });
    await Deno.writeTextFile(`${dir}/mine/node-1/server.properties`, "mine\n");
    listener.close();
    const held = await runMain(["kafka", "up", "--dir", `${dir}/mine`, ...args]);
    assert.equal(held.code, 2, held.err.join("\n"));
    assert.match(held.err.join("\n"), /holds 'node-1' but no cluster\.json/);
    assert.deepEqual(await fileTree(dir), ["mine", "mine/node-1", "mine/node-1/server.properties"]);
    assert.equal(await Deno.readTextFile(`${dir}/mine/node-1/server.properties`), "mine\n");
  } finally {
    try {
      listener.close();
    } catch {
      // closed above
    }
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name:
    "kafka: a relative --dir named with a quote, a space and a '$' is found from any folder and stopped by kafka down",
  ignore: NO_KAFKA,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "fraudstream-relative-" });
    const name = "it's a $HOME";
    const cluster = `${dir}/${name}`;
    try {
      const up = await new Deno.Command(Deno.execPath(), {
        cwd: dir,
        args: [
          "run",
          "--allow-all",
          new URL("../../../../main.ts", import.meta.url).pathname,
          "kafka",
          "up",
          "--nodes",
          "1",
          "--port-base",
          String(freePortBase({ nodes: 1, from: 9634 })),
          "--dir",
          name,
          "--quiet",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(up.code, 0, new TextDecoder().decode(up.stderr));
      // From this test's working folder, by its absolute path.
      const status = await runMain(["kafka", "status", "--dir", cluster]);
      assert.equal(status.code, 0, status.err.join("\n"));
      assert.match(status.out[0], /running \(pid \d+\)/);
      const down = await runMain(["kafka", "down", "--dir", cluster, "--wipe"]);
      assert.equal(down.code, 0, down.err.join("\n"));
      assert.deepEqual(await fileTree(dir), []);
    } finally {
      await clusterDown({ dir: cluster, wipe: true, graceMs: 5000 }).catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "kafka up interrupted (Ctrl-C) while its node starts stops that node, keeps the folder, exit 130",
  ignore: NO_KAFKA,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "fraudstream-up-interrupted-" });
    const cluster = `${dir}/cluster`;
    try {
      // A node's shell takes a moment to become java (longer on a busy machine); here it takes
      // seconds, with a command line that does not name kafka.Kafka meanwhile.
      await Deno.mkdir(`${dir}/bin`);
      await Deno.writeTextFile(`${dir}/bin/java`, SLOW_NODE_JAVA, { mode: 0o755 });
      const realJava = await new Deno.Command("bash", { args: ["-c", "command -v java"] }).output();
      const up = new MainProcess([
        "kafka",
        "up",
        "--nodes",
        "1",
        "--port-base",
        String(freePortBase({ nodes: 1, from: 9462 })),
        "--dir",
        cluster,
      ], {
        PATH: `${dir}/bin:${Deno.env.get("PATH")}`,
        REAL_JAVA: new TextDecoder().decode(realJava.stdout).trim(),
      });
      const started = performance.now();
      await up.waitFor(/node 1 started/);
      up.child.kill("SIGINT");
      assert.equal(await up.exit(), 130, up.stderr);
      assert.match(up.stderr, /kafka up was interrupted: stopped the node\(s\) it started \(1\)/);
      assert.ok(performance.now() - started < 60_000, "it stopped without waiting for the cluster");
      const pid = Number(await Deno.readTextFile(`${cluster}/node-1/pid`));
      assert.ok(await processGone(pid), `the node's process ${pid} is stopped`);
      const status = await clusterStatus({ dir: cluster });
      assert.deepEqual(status.nodes.map((node) => node.running), [false], "its node is stopped");
    } finally {
      await clusterDown({ dir: cluster, wipe: true, graceMs: 5000 }).catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** `java` for the test above: as `$REAL_JAVA`, but a Kafka node waits 3 s before it becomes java. */
const SLOW_NODE_JAVA = `#!/bin/bash
if [[ " $* " == *" kafka.Kafka "* ]]; then
  printf '%s\\0' "$@" > "$0.args"
  exec bash -c 'sleep 3; mapfile -d "" -t args < "$1"; exec "$REAL_JAVA" "\${args[@]}"' wait "$0.args"
fi
exec "$REAL_JAVA" "$@"
`;
