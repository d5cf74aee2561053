import assert from "node:assert/strict";
import { settingsReference } from "../config/help.ts";

/** Rows of a Markdown table as trimmed cells (alignment and the separator row do not count). */
function tableRows(markdown: string): string[][] {
  return markdown.split("\n")
    .filter((line) => line.startsWith("|") && !/^\|[\s:|-]+\|$/.test(line))
    .map((line) =>
      line.slice(1, -1).split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\s+/g, " "))
    );
}

Deno.test("the README's configuration reference matches the settings table", async () => {
  const readme = await Deno.readTextFile(new URL("../README.md", import.meta.url));
  const section = readme.match(/<!-- settings:start -->([\s\S]*)<!-- settings:end -->/);
  assert.ok(section, "README has the settings markers");
  assert.deepEqual(
    tableRows(section[1]),
    tableRows(settingsReference()),
    "regenerate it with: deno run -A config/help.ts",
  );
});
