import assert from "node:assert/strict";
import { isLowerHex32, lowerHexValue } from "../../model/value_bytes.ts";

const HEX = "0123456789abcdef";

Deno.test("every lowercase hexadecimal digit reads as its value", () => {
  for (let value = 0; value < 16; value++) {
    assert.equal(lowerHexValue(HEX.charCodeAt(value)), value, HEX[value]);
  }
});

Deno.test("an id is 32 lowercase hexadecimal digits, nothing else", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  const id = "0123456789abcdef0123456789abcdef";
  assert.ok(isLowerHex32(bytes(id), 0, 32));
  assert.ok(isLowerHex32(bytes(`|${id}|`), 1, 33));
  assert.ok(!isLowerHex32(bytes(id.slice(1)), 0, 31));
  for (const bad of ["A", "g", "/", ":", "`", " "]) {
    assert.ok(!isLowerHex32(bytes(bad + id.slice(1)), 0, 32), bad);
  }
});
