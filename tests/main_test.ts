import assert from "node:assert/strict";
import { runMain } from "./fixtures/main_run.ts";

Deno.test("--help lists every subcommand", async () => {
  const { code, out } = await runMain(["--help"]);
  assert.equal(code, 0);
  for (
    const name of [
      "generate",
      "train",
      "evaluate",
      "produce",
      "consume",
      "run",
      "kafka",
      "chaos",
      "bench",
    ]
  ) {
    assert.match(out.join("\n"), new RegExp(`^  ${name} `, "m"), name);
  }
});

Deno.test("every subcommand has --help", async () => {
  for (
    const name of [
      "generate",
      "train",
      "evaluate",
      "produce",
      "consume",
      "run",
      "kafka",
      "chaos",
      "bench",
    ]
  ) {
    const { code, out } = await runMain([name, "--help"]);
    assert.equal(code, 0, name);
    assert.match(out.join("\n"), new RegExp(`^Usage: fraudstream ${name}`, "m"));
  }
});

Deno.test("a bad value exits 2 with one line naming the flag", async () => {
  const { code, err, out } = await runMain(["generate", "--customers", "abc"]);
  assert.equal(code, 2);
  assert.equal(out.length, 0);
  assert.equal(err.length, 1);
  assert.match(err[0], /^fraudstream: invalid value for --customers: /);
});

Deno.test("an unknown flag or command exits 2", async () => {
  assert.equal((await runMain(["generate", "--nope"])).code, 2);
  assert.equal((await runMain(["nope"])).code, 2);
});

Deno.test("the real process prints one line and no stack trace for a user mistake", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      new URL("../main.ts", import.meta.url).pathname,
      "generate",
      "--customers",
      "abc",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr).trim().split("\n");
  assert.equal(output.code, 2);
  assert.equal(stderr.length, 1, stderr.join("\n"));
  assert.doesNotMatch(stderr[0], /\bat \S+:\d+/);
});

Deno.test("--report to a folder that does not exist is a clear error", async () => {
  const { code, err } = await runMain([
    "chaos",
    "kill-actor",
    "--duration",
    "0.2",
    "--quiet",
    "--report",
    "/nonexistent-dir/report.json",
  ]);
  assert.equal(code, 1);
  assert.match(err.at(-1)!, /cannot write the report to '\/nonexistent-dir\/report.json'/);
});

Deno.test("every subcommand has an implementation", async () => {
  const { HANDLERS } = await import("../main.ts");
  const { COMMANDS } = await import("../config/commands.ts");
  assert.deepEqual(
    COMMANDS.filter((command) => !(command.name in HANDLERS)).map((c) => c.name),
    [],
  );
});
