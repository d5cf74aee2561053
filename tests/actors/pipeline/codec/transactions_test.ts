import assert from "node:assert/strict";
import {
  DecodeError,
  decodeTransactions,
  encodeArrow,
  encodeJson,
} from "../../../../actors/pipeline/codec/transactions.ts";
import type { Transaction } from "../../../../model/schema.ts";
import { BAD_VALUES, rowWith, VALID_ROWS } from "../../../fixtures/row_values.ts";
import { SAMPLE } from "../../../fixtures/transactions.ts";

Deno.test("json round trip keeps every field", () => {
  assert.deepEqual(decodeTransactions(encodeJson(SAMPLE), "json"), [SAMPLE]);
  assert.deepEqual(decodeTransactions(encodeJson(SAMPLE), undefined), [SAMPLE], "no header: JSON");
});

Deno.test("arrow round trip keeps every field of every row, including non-ASCII text", () => {
  const rows = Array.from({ length: 300 }, (_, i) => ({
    ...SAMPLE,
    trans_num: i.toString(16).padStart(32, "0"),
    amt: i + 0.25,
    city: i % 2 ? "Zürich" : "Moravian Falls",
  }));
  assert.deepEqual(decodeTransactions(encodeArrow(rows), "arrow"), rows);
});

Deno.test("garbage and incomplete messages are decode errors with a reason", () => {
  const cases: [Uint8Array, string | undefined, RegExp][] = [
    [new TextEncoder().encode("{not json"), "json", /not valid JSON/],
    [new TextEncoder().encode("[1,2]"), "json", /not a transaction/],
    [
      encodeJson({ ...SAMPLE, amt: "12" as unknown as number }),
      "json",
      /field 'amt' must be a number/,
    ],
    [
      encodeJson({ ...SAMPLE, category: "casino" as Transaction["category"] }),
      "json",
      /unknown category/,
    ],
    [new Uint8Array([1, 2, 3]), "arrow", /not a valid Arrow IPC stream/],
    [encodeJson(SAMPLE), "avro", /unknown encoding 'avro'/],
  ];
  for (const [body, encoding, reason] of cases) {
    assert.throws(() => decodeTransactions(body, encoding), (error: unknown) => {
      assert.ok(error instanceof DecodeError);
      assert.match(error.message, reason);
      return true;
    });
  }
});

Deno.test("arrow round trip of interleaved cards, one of which changes its street midway", () => {
  const rows = Array.from({ length: 500 }, (_, i) => {
    const card = i % 7;
    return {
      ...SAMPLE,
      cc_num: String(4000_0000_0000_0000 + card),
      first: `First${card}`,
      street: card === 3 && i > 250 ? "1 New Street" : `${card} Old Street`,
      trans_num: i.toString(16).padStart(32, "0"),
    };
  });
  assert.deepEqual(decodeTransactions(encodeArrow(rows), "arrow"), rows);
});

Deno.test("a JSON or Arrow message with a wrong value is a decode error with the reason", () => {
  const typed = BAD_VALUES.filter((bad) => bad.typed !== undefined);
  assert.ok(typed.length > 20);
  for (const { field, typed: value, reason } of typed) {
    const row = rowWith(field, value!);
    for (
      const [body, encoding] of [[encodeJson(row), "json"], [encodeArrow([row]), "arrow"]] as const
    ) {
      assert.throws(() => decodeTransactions(body, encoding), (error: unknown) => {
        assert.ok(error instanceof DecodeError, `${encoding} ${field} ${value}: ${error}`);
        assert.match(error.message, reason, `${encoding} ${field} ${value}`);
        return true;
      });
    }
  }
});

Deno.test("valid edge cases and Sparkov's local-time rows decode from JSON and Arrow", () => {
  const rows = VALID_ROWS.map(({ row }) => row);
  for (const row of rows) assert.deepEqual(decodeTransactions(encodeJson(row), "json"), [row]);
  assert.deepEqual(decodeTransactions(encodeArrow(rows), "arrow"), rows);
});
