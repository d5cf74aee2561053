import assert from "node:assert/strict";
import { NO_KAFKA } from "./fixtures/kafka.ts";
import { poll } from "../actors/lib/async.ts";

/** The temp folder (under the runner, one of its own). */
const TMP = Deno.env.get("TMPDIR") ?? "/tmp";

/** The folders the runner makes (for its cluster, `prefix`), in the temp folder. */
async function runnerFolders(prefix = "fraudstream-test-kafka-"): Promise<Set<string>> {
  const names = new Set<string>();
  for await (const entry of Deno.readDir(TMP)) {
    if (entry.name.startsWith(prefix)) names.add(`${TMP}/${entry.name}`);
  }
  return names;
}

/** A PATH of deno and bash alone (no java: the runner starts no cluster), while `fn` runs. */
async function withoutJava<T>(fn: (path: string) => Promise<T>): Promise<T> {
  const bin = await Deno.makeTempDir({ prefix: "fraudstream-run-test-bin-" });
  try {
    await Deno.symlink(Deno.execPath(), `${bin}/deno`);
    await Deno.symlink("/bin/bash", `${bin}/bash`);
    return await fn(bin);
  } finally {
    await Deno.remove(bin, { recursive: true });
  }
}

/** Where the test that holds a temp folder writes the folder's path (set by the runner's test). */
const HOLD = "FRAUDSTREAM_TEST_HOLD_TEMP";

Deno.test({
  name: "a test that holds a temp folder until it is stopped (run by the runner's test below)",
  ignore: Deno.env.get(HOLD) === undefined,
  sanitizeOps: false,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "fraudstream-own-cluster-" });
    await Deno.writeTextFile(`${dir}/node-1.log`, "");
    const report = Deno.env.get(HOLD)!;
    await Deno.writeTextFile(`${report}.part`, dir);
    await Deno.rename(`${report}.part`, report);
    await new Promise((resolve) => setTimeout(resolve, 300_000));
  },
});

/** The command lines of running processes that name `text`. */
async function processesNaming(text: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const line = await Deno.readTextFile(`/proc/${entry.name}/cmdline`).catch(() => "");
    if (line.includes(text)) found.push(line.replaceAll("\0", " "));
  }
  return found;
}

Deno.test({
  name: "deno task test interrupted while its cluster starts leaves no node and no folder",
  // It starts a cluster of its own beside the suite's: where the suite has one, Java is here.
  ignore: NO_KAFKA || Deno.build.os !== "linux",
  async fn() {
    const before = await runnerFolders();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-all", "tests/run.ts", "--filter", "no test has this name"],
      cwd: new URL("..", import.meta.url).pathname,
      env: { CI: "" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    let text = "";
    let signalled = false;
    for await (const piece of child.stderr.pipeThrough(new TextDecoderStream())) {
      text += piece;
      // A node is running: Ctrl-C now, as a person would.
      if (!signalled && /node \d started/.test(text)) {
        child.kill("SIGINT");
        signalled = true;
      }
    }
    const lines = text.split("\n");
    const { code } = await child.status;
    assert.ok(signalled, `no node started:\n${lines.join("\n")}`);
    assert.equal(code, 130, lines.join("\n"));
    assert.ok(lines.some((line) => line.includes("interrupted while the cluster started")));
    const made = [...await runnerFolders()].filter((dir) => !before.has(dir));
    assert.deepEqual(made, [], "the runner's folder is deleted");
    for (const dir of before) {
      // The suite's own cluster runs on; only the interrupted runner's nodes must be gone.
      assert.ok(await Deno.stat(dir).then(() => true, () => false));
    }
    // The runner started here makes its cluster's folder in this test's temp folder (the suite's
    // runner made the suite's cluster elsewhere, before it gave the tests a temp folder).
    const left = (await processesNaming(`${TMP}/fraudstream-test-kafka-`)).filter((line) =>
      ![...before].some((dir) => line.includes(dir))
    );
    assert.deepEqual(left, [], "no node of the interrupted runner is left");
  },
});

Deno.test({
  name: "deno task test without Java skips the Kafka tests and leaves no folder",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await withoutJava(async (bin) => {
      const before = await runnerFolders();
      const { code, stderr } = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", "tests/run.ts", "--filter", "no test has this name"],
        cwd: new URL("..", import.meta.url).pathname,
        env: { CI: "", PATH: bin },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(stderr);
      assert.equal(code, 0, text);
      assert.match(text, /SKIPPING the Kafka integration tests: 'java' is needed/);
      const made = [...await runnerFolders()].filter((dir) => !before.has(dir));
      assert.deepEqual(made, [], "the runner's folder is deleted");
    });
  },
});

Deno.test({
  name: "deno task test interrupted while a test runs leaves none of the tests' temp folders",
  ignore: Deno.build.os !== "linux",
  async fn() {
    await withoutJava(async (bin) => {
      const before = await runnerFolders("fraudstream-test-run-");
      const report = `${bin}/held`;
      const child = new Deno.Command(Deno.execPath(), {
        // Not type-checked again (the suite already was): under the whole suite's load this
        // nested runner once took over a minute to start its test.
        args: [
          "run",
          "--allow-all",
          "tests/run.ts",
          "--no-check",
          "--filter",
          "holds a temp folder",
        ],
        cwd: new URL("..", import.meta.url).pathname,
        env: { CI: "", PATH: bin, [HOLD]: report },
        stdin: "null",
        stdout: "null",
        stderr: "piped",
      }).spawn();
      let text = "";
      const reading = (async () => {
        for await (const piece of child.stderr.pipeThrough(new TextDecoderStream())) text += piece;
      })();
      // The test made its folder: Ctrl-C now, as a person would.
      let held: string | undefined;
      await poll(async () => {
        held = await Deno.readTextFile(report).catch(() => undefined);
        return held !== undefined;
      }, { timeoutMs: 180_000, pollMs: 100 });
      child.kill("SIGINT");
      const { code } = await child.status;
      await reading;
      assert.ok(held, `the test did not start:\n${text}`);
      assert.notEqual(code, 0, text);
      assert.equal(await Deno.stat(held).then(() => true, () => false), false, `${held} is left`);
      const made = [...await runnerFolders("fraudstream-test-run-")].filter((d) => !before.has(d));
      assert.deepEqual(made, [], "the tests' temp folder is deleted");
    });
  },
});
