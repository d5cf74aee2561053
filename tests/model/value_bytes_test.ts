import assert from "node:assert/strict";
import { seededRandom } from "../../actors/lib/random.ts";
import {
  isLowerHex32,
  lowerHexValue,
  plainDecimal,
  readCardNumber,
} from "../../model/value_bytes.ts";

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

Deno.test("a card number of 12 to 19 digits reads as the two words of its 64-bit value; any other form is refused", () => {
  const random = seededRandom(5);
  const encoder = new TextEncoder();
  const texts: string[] = [];
  for (let length = 12; length <= 19; length++) {
    const first = 10n ** BigInt(length - 1);
    texts.push(String(first), String(10n * first - 1n));
    for (let k = 0; k < 5_000; k++) {
      let digits = String(1 + Math.floor(random() * 9));
      while (digits.length < length) digits += String(Math.floor(random() * 10));
      texts.push(digits);
    }
  }
  // Next to multiples of 2^32 and 2^48, where a word fills or a carry crosses into the high one.
  for (const power of [32n, 48n]) {
    for (let k = 0; k < 2_000; k++) {
      const multiple = BigInt(Math.floor(random() * 2 ** 20) + 1) << (power === 32n ? 12n : 0n);
      const around = (multiple << power) + BigInt(Math.floor(random() * 5)) - 2n;
      const text = String(around);
      if (text.length >= 12 && text.length <= 19) texts.push(text);
    }
  }
  const card = new Uint32Array(4);
  for (const text of texts) {
    const bytes = encoder.encode(`|${text}|`);
    assert.ok(readCardNumber(bytes, 1, 1 + text.length, card, 1), text);
    assert.equal((BigInt(card[2]) << 32n) | BigInt(card[1]), BigInt(text), text);
  }
  const refused = ["12345678901", "12345678901234567890", "0123456789012", ""];
  for (let at = 0; at < 19; at++) {
    for (const bad of ["/", ":", " ", "a", "-", "."]) {
      refused.push("1234567890123456789".slice(0, at) + bad + "1234567890123456789".slice(at + 1));
    }
  }
  for (const text of refused) {
    const bytes = encoder.encode(text);
    assert.equal(readCardNumber(bytes, 0, bytes.length, card, 0), false, text);
  }
});
