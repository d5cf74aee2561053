/**
 * `deno task test` runs the test files side by side in one process (`deno test --parallel`), so
 * what one test does to the process (its environment, its working folder) happens under every test
 * running beside it: a chaos test that pointed TMPDIR at a folder of its own made a Kafka chaos test
 * running beside it put its cluster there. A test that needs another environment runs the program
 * as a process of its own (`runMainProcess` in `fixtures/main_run.ts`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { join, relative } from "node:path";

const TESTS = new URL("./", import.meta.url).pathname;
const SELF = new URL(import.meta.url).pathname;
/** Calls that change the whole process. */
const PROCESS_WIDE = /Deno\.(?:env\.(?:set|delete)|chdir)\s*\(/;

async function* testSources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* testSources(path);
    else if (entry.name.endsWith(".ts") && path !== SELF) yield path;
  }
}

Deno.test("no test changes the environment or working folder of the process all tests share", async () => {
  const found: string[] = [];
  for await (const path of testSources(TESTS)) {
    const lines = (await Deno.readTextFile(path)).split("\n");
    lines.forEach((line, index) => {
      if (PROCESS_WIDE.test(line)) found.push(`tests/${relative(TESTS, path)}:${index + 1}`);
    });
  }
  assert.deepEqual(found, []);
});
