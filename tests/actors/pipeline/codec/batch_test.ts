import assert from "node:assert/strict";
import { decodeBatch, type EncodedMessage } from "../../../../actors/pipeline/codec/batch.ts";
import { encodeArrow, encodeJson } from "../../../../actors/pipeline/codec/transactions.ts";
import { SAMPLE } from "../../../fixtures/transactions.ts";

const text = new TextEncoder();
const json = (value: Uint8Array, encoding?: string): EncodedMessage => ({
  value,
  headers: encoding === undefined ? {} : { encoding },
});
const row = (i: number, city = SAMPLE.city) => ({
  ...SAMPLE,
  trans_num: i.toString(16).padStart(32, "0"),
  city,
});

Deno.test("a batch decodes every message in order, remembering which message each row came from", () => {
  const arrowRows = [row(10), row(11), row(12)];
  const messages = [
    json(encodeJson(row(1)), "json"),
    json(encodeArrow(arrowRows), "arrow"),
    json(encodeJson(row(2))),
  ];
  const batch = decodeBatch(messages);
  assert.deepEqual(batch.rows, [row(1), ...arrowRows, row(2)]);
  assert.deepEqual(batch.origins, [0, 1, 1, 1, 2]);
  assert.deepEqual(batch.failures, []);
});

Deno.test("a bad message in a batch fails alone, with its reason; the others are decoded", () => {
  const messages = [
    json(encodeJson(row(1)), "json"),
    json(text.encode('{"not":"a transaction"}'), "json"),
    json(text.encode("{not json"), "json"),
    json(new Uint8Array([1, 2, 3]), "arrow"),
    json(encodeJson(row(2)), "json"),
  ];
  const batch = decodeBatch(messages);
  assert.deepEqual(batch.rows, [row(1), row(2)]);
  assert.deepEqual(batch.origins, [0, 4]);
  assert.deepEqual(
    batch.failures.map(({ index, error }) => [index, error.message]),
    [
      [1, "field 'ssn' must be a string"],
      [2, "not valid JSON"],
      [3, "not a valid Arrow IPC stream"],
    ],
  );
});

Deno.test("non-ASCII text and byte sequences split over two messages decode as each message alone", () => {
  const zurich = encodeJson(row(1, "Zürich"));
  // "é" is 0xC3 0xA9: one message ends with the first byte, the next starts with the second.
  const cut = text.encode('{"ssn":"\u00e9"}');
  const head = cut.subarray(0, 9);
  const tail = cut.subarray(9);
  const batch = decodeBatch([
    json(zurich),
    json(head),
    json(tail),
    json(encodeJson(row(2, "São Paulo"))),
  ]);
  assert.deepEqual(batch.rows, [row(1, "Zürich"), row(2, "São Paulo")]);
  assert.deepEqual(batch.failures.map((f) => [f.index, f.error.message]), [
    [1, "not valid JSON"],
    [2, "not valid JSON"],
  ]);
});
