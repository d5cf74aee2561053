import assert from "node:assert/strict";
import {
  clusterDown,
  clusterStatus,
  nodeLayouts,
} from "../../../../actors/tools/kafka_local/mod.ts";
import { runMain } from "../../../fixtures/main_run.ts";
import { fileTree } from "../../../fixtures/file_tree.ts";

/**
 * A process that looks like a node of the cluster in `cluster` to anyone reading its command line
 * (`... kafka.Kafka <cluster>/node-1/server.properties`), as `kafka up` starts one, and its pid
 * file there; the caller ends it.
 */
async function fakeNode(cluster: string): Promise<Deno.ChildProcess> {
  await Deno.mkdir(`${cluster}/node-1`, { recursive: true });
  const child = new Deno.Command("bash", {
    args: [
      "-c",
      "while :; do sleep 0.05; done",
      "kafka.Kafka",
      `${cluster}/node-1/server.properties`,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  // Its arguments show in /proc once bash runs.
  for (let i = 0; i < 100; i++) {
    const args = await Deno.readTextFile(`/proc/${child.pid}/cmdline`).catch(() => "");
    if (args.includes("kafka.Kafka")) break;
    await new Promise((done) => setTimeout(done, 20));
  }
  await Deno.writeTextFile(`${cluster}/node-1/pid`, `${child.pid}\n`);
  return child;
}

function running(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

function layoutOf(dir: string, nodes = 1) {
  return {
    version: "4.1.1",
    clusterId: "xTdpd47xTWOuzYCaazF7Bg",
    host: "127.0.0.1",
    portBase: 9092,
    nodes: nodeLayouts({ dir, count: nodes, portBase: 9092 }),
  };
}

Deno.test("a copy of a cluster's folder (its state file and pid files naming the original) stops and reports only nodes of its own", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fraudstream-state-" });
  const original = `${dir}/original`;
  const node = await fakeNode(original);
  try {
    await Deno.writeTextFile(`${original}/cluster.json`, JSON.stringify(layoutOf(original)));
    // `cp -r original copy`: the copy's state file names the original's node folders, and its
    // pid file holds the original node's pid.
    await new Deno.Command("cp", { args: ["-r", original, `${dir}/copy`] }).output();
    const copy = `${dir}/copy`;
    assert.equal((await clusterStatus({ dir: copy })).nodes[0].running, false);
    const status = await runMain(["kafka", "status", "--dir", copy]);
    assert.equal(status.code, 1, status.err.join("\n"));
    assert.match(
      status.out[0],
      /^node 1 127\.0\.0\.1:19092 stopped {2}log .*\/copy\/node-1\/broker\.log$/,
    );
    const down = await runMain(["kafka", "down", "--dir", copy, "--wipe"]);
    assert.equal(down.code, 0, down.err.join("\n"));
    assert.ok(running(node.pid), "the original's node was not stopped from its copy");
    assert.deepEqual(await fileTree(dir), [
      "original",
      "original/cluster.json",
      "original/node-1",
      "original/node-1/pid",
    ]);
    // From its own folder, the node is found and stopped.
    assert.equal((await clusterStatus({ dir: original })).nodes[0].pid, node.pid);
    await clusterDown({ dir: original, graceMs: 5000 });
    assert.equal((await node.status).success, false, "stopped by a signal");
  } finally {
    try {
      node.kill("SIGKILL");
      await node.status;
    } catch {
      // already gone
    }
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a state file whose pid is another process's (pid 1, this test, a negative one) reports the node stopped and stops nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fraudstream-state-" });
  try {
    await Deno.mkdir(`${dir}/node-1`);
    await Deno.writeTextFile(`${dir}/cluster.json`, JSON.stringify(layoutOf(dir)));
    for (const pid of ["1", String(Deno.pid), "-1", "0", "1e3", " "]) {
      await Deno.writeTextFile(`${dir}/node-1/pid`, pid);
      assert.equal((await clusterStatus({ dir })).nodes[0].pid, null, pid);
      const down = await runMain(["kafka", "down", "--dir", dir]);
      assert.equal(down.code, 0, down.err.join("\n"));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("kafka status, kill, start and up refuse a state file kafka up did not write (exit 1, file as it was), never an internal error", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fraudstream-state-" });
  const good = layoutOf(dir);
  const hostile: [string, string][] = [
    ["{}", "version"],
    ["null", "not a JSON object"],
    ["[]", "not a JSON object"],
    [JSON.stringify({ ...good, nodes: "x" }), "nodes"],
    [JSON.stringify({ ...good, nodes: [] }), "nodes"],
    [JSON.stringify({ ...good, nodes: [null] }), "node 1"],
    [JSON.stringify({ ...good, nodes: [{ ...good.nodes[0], id: 9 }] }), "node 1"],
    [JSON.stringify({ ...good, nodes: [{ ...good.nodes[0], clientPort: 70000 }] }), "clientPort"],
    [JSON.stringify({ ...good, nodes: [{ ...good.nodes[0], clientPort: "19092" }] }), "clientPort"],
    [JSON.stringify({ ...good, nodes: [{ ...good.nodes[0], host: "a b" }] }), "host"],
    [JSON.stringify({ ...good, version: "../../../tmp/x" }), "version"],
    [JSON.stringify({ ...good, clusterId: "-t x" }), "clusterId"],
    [JSON.stringify({ ...good, portBase: -1 }), "portBase"],
  ];
  try {
    for (const [text, named] of hostile) {
      await Deno.writeTextFile(`${dir}/cluster.json`, text);
      for (
        const args of [
          ["status"],
          ["kill", "--node", "1"],
          ["start", "--node", "1"],
          ["up", "--nodes", "1", "--port-base", "9092"],
        ]
      ) {
        const run = await runMain(["kafka", ...args, "--dir", dir]);
        const said = run.err.join("\n");
        assert.equal(run.code, 1, `${args[0]} on ${text}: ${said}`);
        assert.match(said, /is not one 'fraudstream kafka up' wrote/, `${args[0]} on ${text}`);
        assert.ok(said.includes(named), `${args[0]} on ${text}: ${said}`);
        assert.equal(await Deno.readTextFile(`${dir}/cluster.json`), text);
      }
    }
    assert.deepEqual(await fileTree(dir), ["cluster.json"]);
    // kafka down --wipe still clears such a folder: it trusts nothing of the file but its nodes.
    const down = await runMain(["kafka", "down", "--dir", dir, "--wipe"]);
    assert.equal(down.code, 0, down.err.join("\n"));
    assert.equal(await Deno.stat(dir).then(() => true, () => false), false);
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
});
