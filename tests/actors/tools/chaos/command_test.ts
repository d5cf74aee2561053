import assert from "node:assert/strict";
import { loadConfig } from "../../../../config/load.ts";
import { runMain, runMainProcess } from "../../../fixtures/main_run.ts";
import { fileTree } from "../../../fixtures/file_tree.ts";

Deno.test("chaos: a flag the scenario would not use is refused (exit 2) before anything starts", async () => {
  for (
    const [args, named] of [
      [["kill-broker", "--brokers", "127.0.0.1:1"], "--brokers"],
      [["kill-consumer", "--kafka-tls", "--client-id", "x"], "--client-id, --kafka-tls"],
      [["kill-all", "--workers", "4", "--strategy", "one_for_all"], "--workers, --strategy"],
      [["kill-actor", "--fault", "hang"], "--fault"],
    ] as const
  ) {
    const run = await runMain(["chaos", ...args, "--duration", "1"]);
    assert.equal(run.code, 2, `${args.join(" ")}: ${run.err.join("\n")}`);
    assert.match(run.err.join("\n"), new RegExp(`chaos ${args[0]} does not use ${named}`));
  }
  // What each scenario uses, and `all` (some scenario uses each), is taken.
  for (
    const args of [
      ["kill-broker", "--workers", "2", "--strategy", "one_for_all", "--seed", "7"],
      ["kill-broker", "--kafka-client", "kafkajs"],
      ["kill-actor", "--brokers", "127.0.0.1:1", "--kafka-tls", "--workers", "2"],
      ["kill-worker", "--fault", "hang"],
      ["all", "--fault", "hang", "--brokers", "127.0.0.1:1", "--workers", "2"],
    ]
  ) {
    assert.equal(
      loadConfig(["chaos", ...args], { env: {}, readFile: () => undefined }).kind,
      "run",
      args.join(" "),
    );
  }
});

Deno.test("chaos: a scenario that cannot start (no such model) leaves no folder of its own behind", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "fraudstream-chaos-tmp-" });
  try {
    const run = await runMainProcess(
      ["chaos", "kill-actor", "--model", "no-such-model", "--duration", "1"],
      { TMPDIR: tmp },
    );
    assert.equal(run.code, 1, run.err.join("\n"));
    assert.match(run.err.join("\n"), /no-such-model/);
    assert.deepEqual(await fileTree(tmp), []);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("chaos: a Kafka scenario whose cluster cannot start (no java) leaves no folder behind", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "fraudstream-chaos-tmp-" });
  const bin = await Deno.makeTempDir({ prefix: "fraudstream-chaos-bin-" });
  await Deno.symlink("/bin/bash", `${bin}/bash`);
  try {
    const run = await runMainProcess(
      ["chaos", "kill-broker", "--duration", "1", "--quiet"],
      { TMPDIR: tmp, PATH: bin },
    );
    assert.equal(run.code, 1, run.err.join("\n"));
    assert.match(run.err.join("\n"), /'java' is needed/);
    assert.deepEqual(await fileTree(tmp), []);
  } finally {
    await Deno.remove(tmp, { recursive: true });
    await Deno.remove(bin, { recursive: true });
  }
});
