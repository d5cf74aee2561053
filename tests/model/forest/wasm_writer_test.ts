import assert from "node:assert/strict";
import {
  control,
  f32,
  f64,
  I32,
  i32,
  i32x4,
  i8x16,
  local,
  signedLeb,
  unsignedLeb,
  V128,
  v128,
  type WasmFunction,
  writeModule,
} from "../../../model/forest/wasm_writer.ts";

Deno.test("LEB128 encodes as the WebAssembly binary format says", () => {
  assert.deepEqual(unsignedLeb(0), [0]);
  assert.deepEqual(unsignedLeb(127), [0x7f]);
  assert.deepEqual(unsignedLeb(128), [0x80, 0x01]);
  assert.deepEqual(unsignedLeb(624_485), [0xe5, 0x8e, 0x26]);
  assert.deepEqual(unsignedLeb(0xffff_ffff), [0xff, 0xff, 0xff, 0xff, 0x0f]);
  assert.deepEqual(signedLeb(0), [0]);
  assert.deepEqual(signedLeb(-1), [0x7f]);
  assert.deepEqual(signedLeb(63), [0x3f]);
  assert.deepEqual(signedLeb(64), [0xc0, 0x00]);
  assert.deepEqual(signedLeb(-64), [0x40]);
  assert.deepEqual(signedLeb(-65), [0xbf, 0x7f]);
  assert.deepEqual(signedLeb(-123_456), [0xc0, 0xbb, 0x78]);
  assert.deepEqual(signedLeb(0x7fff_ffff), [0xff, 0xff, 0xff, 0xff, 0x07]);
  assert.deepEqual(signedLeb(-0x8000_0000), [0x80, 0x80, 0x80, 0x80, 0x78]);
  assert.throws(() => unsignedLeb(-1), RangeError);
  assert.throws(() => signedLeb(2 ** 31), RangeError);
  assert.throws(() => v128.const([1, 2, 3]), RangeError);
  assert.throws(() => i8x16.shuffle(0, 0, Array(16).fill(32)), RangeError);
});

function instantiate(functions: WasmFunction[]) {
  const bytes = writeModule({ memoryPages: 1, functions });
  assert.ok(WebAssembly.validate(bytes), "the module is valid");
  return new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports as Record<
    string,
    // deno-lint-ignore no-explicit-any
    any
  >;
}

Deno.test("written functions compute what their expressions say", () => {
  const [n, sum] = [0, 1];
  const exports = instantiate([
    {
      exportName: "addFive",
      params: [I32],
      results: [I32],
      locals: [],
      body: i32.add(local.get(0), i32.const(-5)),
    },
    {
      // 1 + 2 + ... + n, in a loop; 0 for n = 0.
      exportName: "triangle",
      params: [I32],
      results: [I32],
      locals: [I32],
      body: [
        control.block(
          control.brIf(0, i32.ltU(local.get(n), i32.const(1))),
          control.loop(
            local.set(sum, i32.add(local.get(sum), local.get(n))),
            local.set(n, i32.sub(local.get(n), i32.const(1))),
            control.brIf(0, i32.ltU(i32.const(0), local.get(n))),
          ),
        ),
        local.get(sum),
      ],
    },
    {
      // Stores the mean of two floats as f32 at 8 and returns it read back, plus a call.
      exportName: "mean",
      params: [I32, I32],
      results: [I32],
      locals: [],
      body: [
        f32.store(8, i32.const(0), f32.demoteF64(f64.div(f64.const(7), f64.const(2)))),
        i32.add(control.call(0, i32.load(8, i32.const(0))), local.get(1)),
      ],
    },
  ]);
  assert.equal(exports.addFive(3), -2);
  assert.equal(exports.triangle(0), 0);
  assert.equal(exports.triangle(100), 5050);
  const bits = new DataView(new ArrayBuffer(4));
  bits.setFloat32(0, 3.5, true);
  assert.equal(exports.mean(0, 1), bits.getInt32(0, true) - 5 + 1);
});

Deno.test("vector instructions act lane by lane as the text format says", () => {
  const data = 0, out = 64;
  const exports = instantiate([{
    exportName: "run",
    params: [],
    results: [I32],
    locals: [V128],
    body: [
      local.set(0, v128.load(data, i32.const(0))),
      // Reverse the lanes; swizzle through the reversed table; relaxed with index >= 128: 0.
      v128.store(
        out,
        i32.const(0),
        i8x16.shuffle(local.get(0), local.get(0), [...Array(16).keys()].reverse()),
      ),
      v128.store(
        out + 16,
        i32.const(0),
        i8x16.swizzle(local.get(0), v128.load(data + 16, i32.const(0))),
      ),
      v128.store(
        out + 32,
        i32.const(0),
        i8x16.relaxedSwizzle(local.get(0), v128.load(data + 32, i32.const(0))),
      ),
      v128.store(out + 48, i32.const(0), i32x4.sub(local.get(0), local.get(0))),
      i8x16.bitmask(i8x16.gtS(local.get(0), v128.const(new Uint8Array(16).fill(7)))),
    ],
  }]);
  const memory = new Uint8Array((exports.memory as WebAssembly.Memory).buffer);
  const lanes = Uint8Array.from({ length: 16 }, (_, i) => (i * 5) % 16);
  memory.set(lanes, data);
  const indices = Uint8Array.from({ length: 16 }, (_, i) => (i % 3 === 0 ? 16 + i : 15 - i));
  memory.set(indices, data + 16);
  const relaxed = Uint8Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? 128 + i : i));
  memory.set(relaxed, data + 32);
  const mask = exports.run();
  assert.deepEqual([...memory.subarray(out, out + 16)], [...lanes].reverse());
  assert.deepEqual(
    [...memory.subarray(out + 16, out + 32)],
    [...indices].map((index) => (index < 16 ? lanes[index] : 0)),
  );
  assert.deepEqual(
    [...memory.subarray(out + 32, out + 48)],
    [...relaxed].map((index) => (index < 16 ? lanes[index] : 0)),
  );
  assert.deepEqual([...memory.subarray(out + 48, out + 64)], Array(16).fill(0));
  const expected = [...lanes].reduce((bits, lane, i) => (lane > 7 ? bits | (1 << i) : bits), 0);
  assert.equal(mask, expected);
});
