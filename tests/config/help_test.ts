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
