/**
 * `deno task bundle`: fraudstream as one JavaScript file that runs with `deno run -A` from any
 * folder, Kafka clients included.
 *
 * `deno bundle` carries every module but not the files a package reads beside itself:
 * @platformatic/kafka's `@platformatic/wasm-utils` (CRC32C, LZ4, Snappy) reads `native.wasm`
 * relative to its own module, which in a bundle is the bundle's folder. The WebAssembly is put
 * into the bundle instead, as base64, at the one place it is read.
 *
 * `deno run -A actors/tools/bundle.ts [OUTPUT]` (default `dist/fraudstream.js`).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { writeFileAtomic } from "../lib/atomic_write.ts";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

/** How `@platformatic/wasm-utils` reads its WebAssembly, as `deno bundle` writes it. */
const WASM_READ = /readFileSync\(new URL\("\.\.\/dist\/native\.wasm", import\.meta\.url\)\)/g;

/** The bundle's source with the WebAssembly read replaced by the file's bytes, inline. */
export function inlineWasm(bundle: string, wasm: Uint8Array): string {
  const reads = bundle.match(WASM_READ)?.length ?? 0;
  if (reads !== 1) {
    throw new Error(
      `expected one read of @platformatic/wasm-utils' native.wasm in the bundle, found ${reads}: ` +
        "the package changed the way it loads its WebAssembly; update actors/tools/bundle.ts",
    );
  }
  const inline = `Uint8Array.from(atob("${
    Buffer.from(wasm).toString("base64")
  }"), (c) => c.charCodeAt(0))`;
  return bundle.replace(WASM_READ, () => inline);
}

/** The `native.wasm` file of the `@platformatic/wasm-utils` that @platformatic/kafka imports. */
export function platformaticWasmPath(): string {
  const kafka = fileURLToPath(import.meta.resolve("@platformatic/kafka"));
  const wasmUtils = createRequire(kafka).resolve("@platformatic/wasm-utils");
  return join(dirname(wasmUtils), "native.wasm");
}

/**
 * Bundles `main.ts` into `output`, WebAssembly included.
 *
 * @throws when `deno bundle` fails (its output in the message) or the WebAssembly read is not found.
 */
export async function bundle(output: string): Promise<void> {
  const main = fileURLToPath(new URL("../../main.ts", import.meta.url));
  const draft = `${output}.draft.js`;
  try {
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "--platform", "deno", "--output", draft, main],
      stdout: "inherit",
      stderr: "piped",
    }).output();
    if (!run.success) {
      throw new Error(`deno bundle failed: ${new TextDecoder().decode(run.stderr).trim()}`);
    }
    const wasm = await Deno.readFile(platformaticWasmPath());
    await writeFileAtomic(output, inlineWasm(await Deno.readTextFile(draft), wasm));
  } finally {
    await Deno.remove(draft).catch(() => {});
  }
}

if (import.meta.main) {
  const output = Deno.args[0] ?? "dist/fraudstream.js";
  try {
    await Deno.mkdir(dirname(output), { recursive: true });
    await bundle(output);
    console.log(`bundled ${output}`);
  } catch (error) {
    console.error(`bundle: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
