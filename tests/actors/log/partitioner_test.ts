import assert from "node:assert/strict";
import { murmur2, partitionForKey, partitionForKeyBytes } from "../../../actors/log/partitioner.ts";
import { seededRandom } from "../../../actors/lib/random.ts";
import { JAVA_MURMUR2_HASHES } from "../../fixtures/java_murmur2.ts";

const encoder = new TextEncoder();

Deno.test("murmur2 of bytes is the Java client's (Kafka's own test vectors)", () => {
  for (const [key, hash] of JAVA_MURMUR2_HASHES) {
    const bytes = encoder.encode(key);
    assert.equal(murmur2(bytes, 0, bytes.length), hash, key);
  }
});

Deno.test("a key's bytes go to the partition its string goes to, wherever they lie in a buffer", () => {
  const random = seededRandom(15);
  const digits = (length: number) => {
    let text = String(1 + Math.floor(random() * 9));
    while (text.length < length) text += String(Math.floor(random() * 10));
    return text;
  };
  const alphabet = "abcxyz0189|-_ éßπ中🌵";
  const text = (length: number) =>
    Array.from({ length }, () => [...alphabet][Math.floor(random() * [...alphabet].length)])
      .join("");
  const keys = [
    "",
    ...Array.from({ length: 4000 }, () => digits(12 + Math.floor(random() * 8))),
    ...Array.from({ length: 1000 }, () => text(Math.floor(random() * 41))),
  ];
  let moved = 0;
  for (const key of keys) {
    const bytes = encoder.encode(key);
    // The key in the middle of other bytes, as a card number lies in its CSV line.
    const pad = Math.floor(random() * 7);
    const line = new Uint8Array(pad + bytes.length + 3).fill(0x7c);
    line.set(bytes, pad);
    for (const partitions of [1, 2, 3, 6, 7, 12, 100]) {
      const expected = partitionForKey(key, partitions);
      assert.equal(
        partitionForKeyBytes(line, pad, pad + bytes.length, partitions),
        expected,
        `'${key}' in ${partitions} partitions`,
      );
      if (expected !== 0) moved++;
    }
  }
  assert.ok(moved > keys.length, "keys spread over the partitions");
});
