import assert from "node:assert/strict";
import { seededRandom } from "../../actors/lib/random.ts";
import { isLowerHex32, lowerHexValue, plainDecimal } from "../../model/value_bytes.ts";

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

Deno.test("a plain decimal reads as Number reads it; any other form is NaN", () => {
  const random = seededRandom(3);
  const encoder = new TextEncoder();
  const alphabet = "0123456789012345678901234567890123456789..--+e x";
  const texts = ["", "-", ".", "-.", "0", "-0", "0.0", "5.", ".5", "-.5", "1.2.3", "--1", "1-"];
  texts.push("123456789012345", "1234567890123456", "0.000000000000001", "99999999999999.99");
  for (let k = 0; k < 50_000; k++) {
    const length = Math.floor(random() * 20);
    texts.push(
      Array.from({ length }, () => alphabet[Math.floor(random() * alphabet.length)]).join(""),
    );
  }
  for (const text of texts) {
    // Where the text sits in a larger buffer, with digits either side.
    const bytes = encoder.encode(`7${text}7`);
    for (const signed of [true, false]) {
      const form = signed ? /^-?\d+(\.\d+)?$/ : /^\d+(\.\d+)?$/;
      const expected = form.test(text) ? Number(text) : Number.NaN;
      const read = plainDecimal(bytes, 1, bytes.length - 1, signed);
      assert.ok(Object.is(read, expected), `${JSON.stringify(text)} signed ${signed}: ${read}`);
    }
  }
});
