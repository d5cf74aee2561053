import assert from "node:assert/strict";
import { inlineWasm, platformaticWasmPath } from "../../../actors/tools/bundle.ts";

Deno.test("the bundle's one read of native.wasm becomes the file's bytes inline", async () => {
  const read = 'wasm = readFileSync(new URL("../dist/native.wasm", import.meta.url));';
  const bytes = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 255]);
  const out = inlineWasm(`let wasm;\n${read}\nexport { wasm };`, bytes);
  assert.doesNotMatch(out, /native\.wasm/);
  const inline = out.match(/wasm = (Uint8Array\.from\(.*\));/)![1];
  assert.deepEqual(new Function(`return ${inline}`)(), bytes);
  // The package's own file is a WebAssembly module.
  const wasm = await Deno.readFile(platformaticWasmPath());
  assert.ok(WebAssembly.validate(wasm));
});

Deno.test("a bundle without exactly one read of native.wasm is refused, naming the file to update", () => {
  const read = 'readFileSync(new URL("../dist/native.wasm", import.meta.url))';
  for (const bundle of ["no wasm here", `${read};${read};`]) {
    assert.throws(() => inlineWasm(bundle, new Uint8Array(1)), /actors\/tools\/bundle\.ts/);
  }
});
