import assert from "node:assert/strict";
import { decodeStrings, encodeStrings } from "../../../../actors/pipeline/codec/utf8.ts";

const encoder = new TextEncoder();

Deno.test("strings encoded back to back decode to themselves, ASCII or not", () => {
  for (const values of [["a", "", "bc", "def"], ["Zürich", "", "São Paulo", "😀", "x"], []]) {
    const { bytes, offsets } = encodeStrings(values);
    assert.deepEqual(bytes, encoder.encode(values.join("")));
    assert.equal(offsets.length, values.length + 1);
    values.forEach((value, i) => {
      assert.deepEqual(bytes.subarray(offsets[i], offsets[i + 1]), encoder.encode(value));
    });
    assert.deepEqual(decodeStrings(bytes, offsets, 0, values.length), values);
  }
});

Deno.test("decoding part of a run gives what decoding each string alone gives", () => {
  const { bytes, offsets } = encodeStrings(["skip", "abc", "Zürich", "tail"]);
  assert.deepEqual(decodeStrings(bytes, offsets, 1, 2), ["abc", "Zürich"]);
  assert.deepEqual(decodeStrings(bytes, offsets, 3, 1), ["tail"]);
  // A two-byte character cut between two strings: each half is decoded alone, never joined.
  const cut = new Uint8Array([0x61, 0xc3, 0xa9, 0x62]);
  const alone = (from: number, to: number) => new TextDecoder().decode(cut.subarray(from, to));
  assert.deepEqual(decodeStrings(cut, [0, 2, 4], 0, 2), [alone(0, 2), alone(2, 4)]);
  // Invalid bytes, one replacement character each, keep their places.
  const invalid = new Uint8Array([0x61, 0xff, 0x62, 0x80]);
  assert.deepEqual(decodeStrings(invalid, [0, 2, 4], 0, 2), ["a\ufffd", "b\ufffd"]);
});
