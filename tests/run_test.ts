import assert from "node:assert/strict";
import { NO_KAFKA } from "./fixtures/kafka.ts";

/** The folders the runner makes for its cluster, in the temp folder. */
async function runnerFolders(): Promise<Set<string>> {
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  const names = new Set<string>();
  for await (const entry of Deno.readDir(tmp)) {
    if (entry.name.startsWith("fraudstream-test-kafka-")) names.add(`${tmp}/${entry.name}`);
  }
  return names;
}

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
    const left = (await processesNaming("fraudstream-test-kafka-")).filter((line) =>
      ![...before].some((dir) => line.includes(dir))
    );
    assert.deepEqual(left, [], "no node of the interrupted runner is left");
  },
});

Deno.test({
  name: "deno task test without Java skips the Kafka tests and leaves no folder",
  ignore: Deno.build.os !== "linux",
  async fn() {
    // A PATH of deno and bash alone: no java.
    const bin = await Deno.makeTempDir({ prefix: "fraudstream-run-test-bin-" });
    try {
      await Deno.symlink(Deno.execPath(), `${bin}/deno`);
      await Deno.symlink("/bin/bash", `${bin}/bash`);
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
    } finally {
      await Deno.remove(bin, { recursive: true });
    }
  },
});
