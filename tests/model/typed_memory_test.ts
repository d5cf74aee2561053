import assert from "node:assert/strict";
import { release, resized } from "../../model/typed_memory.ts";

Deno.test("resized keeps the contents up to the new length and empties the old array", () => {
  const values = Float64Array.of(1.5, 2.5, 3.5, 4.5);
  const shorter = resized(values, 2);
  assert.deepEqual([...shorter], [1.5, 2.5]);
  assert.equal(values.length, 0);
  const longer = resized(shorter, 3);
  assert.deepEqual([...longer], [1.5, 2.5, 0]);
});

Deno.test("release frees whole arrays and leaves views and shared memory alone", () => {
  const whole = new Float32Array(1000).fill(1);
  const backing = new Uint8Array(100);
  const view = backing.subarray(10, 20);
  const shared = new Uint8Array(new SharedArrayBuffer(16));
  release(whole, view, shared, whole);
  assert.equal(whole.length, 0);
  assert.equal(view.length, 10);
  assert.equal(backing.length, 100);
  assert.equal(shared.length, 16);
});
