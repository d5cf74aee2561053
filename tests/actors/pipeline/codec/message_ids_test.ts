import assert from "node:assert/strict";
import { DecodeError } from "../../../../actors/pipeline/codec/decode_error.ts";
import { messageIds } from "../../../../actors/pipeline/codec/message_ids.ts";
import { encodeArrowColumns } from "../../../../actors/pipeline/codec/arrow_writer.ts";
import { encodeArrow, encodeJson } from "../../../../actors/pipeline/codec/transactions.ts";
import { transactionsToColumns } from "../../../../model/columns.ts";
import { sampleTransaction } from "../../../fixtures/transactions.ts";

const rows = Array.from({ length: 40 }, (_, i) => sampleTransaction(i));
const ids = rows.map((row) => row.trans_num);

Deno.test("the ids of a message: Arrow as the producer writes it, Arrow from apache-arrow, JSON", () => {
  const arrow = { encoding: "arrow" };
  assert.deepEqual(
    messageIds({ value: encodeArrowColumns(transactionsToColumns(rows)), headers: arrow }),
    ids,
  );
  assert.deepEqual(messageIds({ value: encodeArrow(rows), headers: arrow }), ids);
  assert.deepEqual(messageIds({ value: encodeJson(rows[3]), headers: { encoding: "json" } }), [
    ids[3],
  ]);
  assert.deepEqual(
    messageIds({ value: encodeJson(rows[4]), headers: {} }),
    [ids[4]],
    "no header: JSON",
  );
  for (
    const [value, headers] of [
      [new TextEncoder().encode("not json"), {}],
      [new Uint8Array(64), arrow],
      [encodeJson(rows[0]), { encoding: "avro" }],
    ] as const
  ) {
    assert.throws(() => messageIds({ value, headers }), DecodeError);
  }
});
