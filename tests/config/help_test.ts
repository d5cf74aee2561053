import assert from "node:assert/strict";
import { findCommand } from "../../config/commands.ts";
import { commandHelp, settingsReference } from "../../config/help.ts";

/** The default cell of a setting's row in the reference. */
function defaultCell(flag: string): string {
  const row = settingsReference().split("\n").find((line) => line.startsWith(`| \`--${flag}`));
  assert.ok(row, `the reference has --${flag}`);
  return row.split(/(?<!\\)\|/)[3].trim();
}

Deno.test("the settings reference shows the commands whose own default differs", () => {
  assert.equal(defaultCell("customers"), "`100` (run: `1000`, chaos: `2000`)");
  assert.equal(defaultCell("speed"), "`1` (run: `100000`)");
  assert.equal(defaultCell("ui-port"), "`8088` (produce: `8090`, consume: `8089`)");
  assert.equal(defaultCell("duration"), "`0` (chaos: `20`)");
  assert.equal(defaultCell("topic"), "`transactions`", "no command differs");
});

Deno.test("--help gives each command its own default and the card-number flag", () => {
  const consume = commandHelp(findCommand("consume")!);
  assert.match(consume, /--ui-port PORT\|off +port of the dashboard .*default 8089\)/);
  assert.match(consume, /--show-card-numbers +show full card numbers .*masked.*default false\)/);
  assert.match(commandHelp(findCommand("produce")!), /--ui-port .*default 8090\)/);
  assert.match(commandHelp(findCommand("run")!), /--ui-port .*default 8088\)/);
  assert.match(commandHelp(findCommand("run")!), /--show-card-numbers/);
});

/** The `--help` line of `flag` in `command`'s help, if it takes the flag. */
function flagLine(command: string, flag: string): string | undefined {
  return commandHelp(findCommand(command)!).split("\n")
    .find((line) => line.startsWith(`  --${flag} `));
}

Deno.test("--workers says what it sizes in each command; produce and run size encoders with --encoders", () => {
  assert.match(flagLine("generate", "workers")!, /generating a training set/);
  assert.match(flagLine("train", "workers")!, /growing the trees/);
  for (const command of ["consume", "run", "chaos"]) {
    assert.match(flagLine(command, "workers")!, /scoring transactions/, command);
  }
  assert.match(flagLine("bench", "workers")!, /scoring workers in the grid/);
  assert.equal(flagLine("produce", "workers"), undefined, "produce has no scoring workers");
  for (const command of ["produce", "run"]) {
    assert.match(flagLine(command, "encoders")!, /encoding the input lines/, command);
  }
  assert.match(flagLine("run", "encoders")!, /default 1\)/, "run keeps one encoder by default");
  const workers = settingsReference().split("\n").find((line) => line.startsWith("| `--workers"));
  assert.ok(workers);
  for (const text of ["generate: ", "train: ", "consume, run, chaos: ", "bench: "]) {
    assert.ok(workers.includes(text), `the reference says it per command: ${text}`);
  }
});
