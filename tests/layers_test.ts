/**
 * The floors of the source tree, checked over its import graph: imports run one way (tools ->
 * pipeline -> observe -> log -> runtime -> lib; model and config beside them as stated below) and
 * form no circle. Static imports and re-exports count; a dynamic `import()` (a lazily loaded
 * command or worker registry) counts for the floors but not for circles, as it runs after its
 * importer has loaded.
 *
 * @module
 */

import assert from "node:assert/strict";
import { dirname, join, normalize } from "node:path";

const ROOT = new URL("../", import.meta.url).pathname;

/** What each floor may import besides itself. */
const ALLOWED: Record<string, readonly string[]> = {
  lib: [],
  runtime: ["lib"],
  log: ["lib", "runtime"],
  observe: ["lib", "runtime", "log"],
  model: ["lib"],
  pipeline: ["lib", "runtime", "log", "observe", "model", "config"],
  tools: ["lib", "runtime", "log", "observe", "model", "config", "pipeline"],
  config: ["lib", "runtime", "log", "pipeline", "model", "tools"],
  main: ["lib", "runtime", "config", "pipeline", "tools", "model"],
};

/** The floor of a source file (repo-relative path). */
function floorOf(path: string): string | undefined {
  const [top, second] = path.split("/");
  if (top === "actors") return second;
  if (top === "model" || top === "config") return top;
  if (path === "main.ts") return "main";
  return undefined;
}

interface Import {
  from: string;
  to: string;
  dynamic: boolean;
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^;"']*?from\s*"(\.{1,2}\/[^"]+)"|import\(\s*"(\.{1,2}\/[^"]+)"\s*\)|(?:^|\n)import\s+"(\.{1,2}\/[^"]+)"/g;

async function sourceFiles(): Promise<string[]> {
  const files = ["main.ts"];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(join(ROOT, dir))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.name.endsWith(".ts")) files.push(path);
    }
  };
  for (const dir of ["actors", "model", "config"]) await walk(dir);
  return files.sort();
}

async function importsOf(path: string): Promise<Import[]> {
  const text = await Deno.readTextFile(join(ROOT, path));
  const found: Import[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? match[3];
    const to = normalize(join(dirname(path), specifier));
    found.push({ from: path, to, dynamic: match[2] !== undefined });
  }
  return found;
}

const files = await sourceFiles();
const imports = (await Promise.all(files.map(importsOf))).flat();

Deno.test("every import runs down the floors", () => {
  const wrong = imports.filter(({ from, to }) => {
    const a = floorOf(from);
    const b = floorOf(to);
    return a !== undefined && b !== undefined && a !== b && !ALLOWED[a].includes(b);
  }).map(({ from, to }) => `${from} -> ${to}`);
  assert.deepEqual(wrong, []);
});

Deno.test("static imports form no circle", () => {
  const next = new Map<string, string[]>();
  for (const { from, to, dynamic } of imports) {
    if (!dynamic) next.set(from, [...(next.get(from) ?? []), to]);
  }
  const circles: string[] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    stack.push(file);
    for (const to of next.get(file) ?? []) {
      if (state.get(to) === "open") {
        circles.push([...stack.slice(stack.indexOf(to)), to].join(" -> "));
      } else if (!state.has(to)) visit(to);
    }
    stack.pop();
    state.set(file, "done");
  };
  for (const file of files) if (!state.has(file)) visit(file);
  assert.deepEqual(circles, []);
});

Deno.test("no source file is over 450 lines, but the declarative tables", async () => {
  const TABLES = new Set(["config/settings.ts", "actors/pipeline/generator/profiles.ts"]);
  const long: string[] = [];
  for (const file of files) {
    if (TABLES.has(file)) continue;
    const lines = (await Deno.readTextFile(join(ROOT, file))).split("\n").length - 1;
    if (lines > 450) long.push(`${file}: ${lines} lines`);
  }
  assert.deepEqual(long, []);
});
