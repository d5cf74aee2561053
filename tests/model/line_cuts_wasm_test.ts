import assert from "node:assert/strict";
import { LineCutter } from "../../model/line_cuts_wasm.ts";
import { cutLine, FIELD_COUNT, LineCuts } from "../../model/row_validator.ts";
import { seededRandom } from "../../actors/lib/random.ts";

/**
 * Cuts `bytes[at, limit)` line by line with the cutter and with `cutLine`, asserting the same
 * field counts, ends and starts of the next line, and the separators of every line that has them.
 */
function assertSameCuts(cutter: LineCutter, bytes: Uint8Array, at: number, limit: number) {
  cutter.load(bytes);
  const wasm = new LineCuts();
  const typescript = new LineCuts();
  let lines = 0;
  while (at < limit) {
    const cut = cutter.cut(at, limit);
    assert.ok(cut > 0, `no line cut at ${at} of ${limit}`);
    for (let k = 0; k < cut; k++) {
      cutter.read(k, wasm);
      cutLine(bytes, at, limit, typescript);
      const where = `line ${lines + k} at ${at} (limit ${limit}, ${bytes.length} bytes)`;
      assert.equal(wasm.fields, typescript.fields, where);
      assert.equal(wasm.next, typescript.next, where);
      assert.equal(wasm.cuts[0], typescript.cuts[0], where);
      assert.equal(wasm.cuts[FIELD_COUNT], typescript.cuts[FIELD_COUNT], where);
      for (let f = 1; f < Math.min(wasm.fields, FIELD_COUNT); f++) {
        assert.equal(wasm.cuts[f], typescript.cuts[f], `${where}: separator ${f}`);
      }
      at = typescript.next;
    }
    lines += cut;
  }
  assert.equal(cutter.cut(limit, limit), 0);
  return lines;
}

Deno.test("the WebAssembly cutter cuts random bytes as cutLine does, line after line", () => {
  const cutter = LineCutter.create();
  assert.ok(cutter, "this engine runs WebAssembly SIMD");
  const random = seededRandom(11);
  // Separators, line breaks, bytes one off from them and non-ASCII bytes; lines long and short,
  // so both the sixteen-byte steps and the bytes after the last of them are taken.
  const alphabet = [0x7c, 0x0a, 0x0d, 0x7b, 0x7d, 0x09, 0x0b, 0x41, 0x30, 0x80, 0xfc, 0xff, 0x00];
  for (let trial = 0; trial < 400; trial++) {
    const bytes = new Uint8Array(Math.floor(random() * 3000));
    const special = random() * 0.5;
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = random() < special
        ? alphabet[Math.floor(random() * alphabet.length)]
        : 0x61 + Math.floor(random() * 26);
    }
    const at = Math.floor(random() * Math.min(bytes.length, 40));
    const limit = random() < 0.5
      ? bytes.length
      : at + Math.floor(random() * (bytes.length - at + 1));
    assertSameCuts(cutter, bytes, at, limit);
  }
  // Lines that start on a line feed after a CR that is not theirs, empty lines, a limit just past a
  // CR, a line of exactly sixteen bytes.
  const edges: [string, number, number][] = [
    ["\r\n\n", 1, 3],
    ["a\r\r\n", 2, 4],
    ["\n\n\n", 0, 3],
    ["ab\r", 0, 3],
    ["abcdefghijklmno|\nx", 0, 18],
    ["abcdefghijklmnop", 0, 16],
  ];
  for (const [text, at, limit] of edges) {
    assertSameCuts(cutter, new TextEncoder().encode(text), at, limit);
  }
});

Deno.test("the WebAssembly cutter cuts chunks of more lines than a call, and grows for large ones", () => {
  const cutter = LineCutter.create()!;
  const line = `${Array.from({ length: FIELD_COUNT }, (_, f) => `field${f}`).join("|")}\r\n`;
  // 3,000 lines, then a chunk of 20 MB (past the module's first memory), then a small one again.
  const small = new TextEncoder().encode(line.repeat(3000));
  assert.equal(assertSameCuts(cutter, small, 0, small.length), 3000);
  const large = new TextEncoder().encode(`${line.repeat(100_000)}a|b|c`);
  assert.equal(assertSameCuts(cutter, large, 0, large.length), 100_001);
  assert.equal(assertSameCuts(cutter, small, 0, small.length), 3000);
});

Deno.test("the WebAssembly cutter finds the line feeds indexOf finds, a call's most at a time", () => {
  const cutter = LineCutter.create()!;
  const random = seededRandom(5);
  for (let trial = 0; trial < 300; trial++) {
    // Up to 60,000 bytes, some chunks dense with line feeds (past a call's most).
    const bytes = new Uint8Array(
      trial === 0 ? 60_000 : Math.floor(random() * (trial % 10 === 0 ? 60_000 : 2000)),
    );
    const feeds = trial % 10 === 0 ? 0.9 : random() * 0.3;
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = random() < feeds ? 0x0a : [0x0b, 0x09, 0x7c, 0x61, 0x8a][Math.floor(random() * 5)];
    }
    const at = Math.floor(random() * Math.min(bytes.length, 40));
    const limit = at + Math.floor(random() * (bytes.length - at + 1));
    cutter.load(bytes);
    const found: number[] = [];
    for (let from = at;;) {
      const count = cutter.feeds(from, limit);
      if (count === 0) break;
      for (let k = 0; k < count; k++) found.push(cutter.feedAt(k));
      from = found[found.length - 1] + 1;
    }
    const expected: number[] = [];
    for (let i = bytes.indexOf(0x0a, at); i >= 0 && i < limit; i = bytes.indexOf(0x0a, i + 1)) {
      expected.push(i);
    }
    assert.deepEqual(
      found,
      expected,
      `trial ${trial}: ${bytes.length} bytes from ${at} to ${limit}`,
    );
  }
});
