import assert from "node:assert/strict";
import { COMMANDS, findCommand } from "../../config/commands.ts";
import { commandHelp } from "../../config/help.ts";
import { loadConfig } from "../../config/load.ts";
import { GENERATOR_MODES } from "../../actors/pipeline/generator/modes.ts";
import { UsageError } from "../../actors/lib/errors.ts";

/** Loads a command line with no environment and no .env file. */
const load = (args: string[], env: Record<string, string> = {}) =>
  loadConfig(args, { env, readFile: () => undefined });

Deno.test("--help says which mode, action or scenario a scoped flag is for", () => {
  const line = (command: string, flag: string) =>
    commandHelp(findCommand(command)!).split("\n").find((text) =>
      text.trimStart().startsWith(`${flag} `)
    );
  assert.match(line("generate", "--rate")!, /\(only --mode stream; env FRAUDSTREAM_RATE/);
  assert.match(line("generate", "--start")!, /\(only --mode train; env /);
  assert.match(line("model", "--threshold")!, /\(only for import-spark; env ALERT_THRESHOLD\)/);
  assert.match(line("chaos", "--fault")!, /\(only for kill-worker, all; env /);
  assert.match(line("chaos", "--brokers")!, /only for kill-actor, .*bad-input, all; env /);
  // A flag every value uses says nothing of the kind.
  assert.doesNotMatch(line("generate", "--customers")!, /only/);
});

Deno.test("a scoped flag is refused with a value that does not use it, before the command runs; from the environment it is no mistake", () => {
  assert.throws(
    () => load(["generate", "--rate", "100"]),
    (error: Error) =>
      error instanceof UsageError &&
      error.message ===
        "generate --mode train does not use --rate: it is for generate --mode stream; leave it out",
  );
  assert.throws(
    () => load(["model", "list", "--data", "d", "--force"]),
    /model list does not use --data, --force \(--data is for model profile; --force is for model import-spark\); leave them out/,
  );
  assert.equal(load(["generate", "--mode", "stream", "--rate", "100"]).kind, "run");
  // GEN_MODE chooses the mode the flags are checked against.
  assert.equal(load(["generate", "--rate", "100"], { GEN_MODE: "stream" }).kind, "run");
  // The environment is shared by every command and mode.
  assert.equal(
    load(["generate"], { FRAUDSTREAM_RATE: "100", FRAUDSTREAM_DURATION: "5" }).kind,
    "run",
  );
});

Deno.test("every flag scope names flags its command takes and values its argument can have", () => {
  for (const command of COMMANDS) {
    const scope = command.flagScope;
    if (!scope) continue;
    const positional = command.positionals.find((p) => p.name === scope.argument);
    const values: readonly string[] = positional?.choices ??
      (scope.argument === "mode" ? GENERATOR_MODES : []);
    assert.ok(values.length > 0, `${command.name}: ${scope.argument} has known values`);
    for (const [key, uses] of Object.entries(scope.uses)) {
      assert.ok(command.flags.includes(key as never), `${command.name} takes --${key}`);
      for (const value of uses!) assert.ok(values.includes(value), `${command.name}: ${value}`);
    }
  }
});
