import assert from "node:assert/strict";
import { encodeArrowColumns } from "../../../../actors/pipeline/codec/arrow_writer.ts";
import type { EncodedMessage } from "../../../../actors/pipeline/codec/batch.ts";
import { decodeColumnBatch } from "../../../../actors/pipeline/codec/column_batch.ts";
import { encodeJsonColumns } from "../../../../actors/pipeline/codec/json_columns.ts";
import {
  decodeTransactions,
  encodeArrow,
  encodeJson,
} from "../../../../actors/pipeline/codec/transactions.ts";
import { transactionAt, transactionsToColumns } from "../../../../model/columns.ts";
import type { Transaction } from "../../../../model/schema.ts";
import { sampleTransaction } from "../../../fixtures/transactions.ts";

const text = new TextEncoder();
const message = (value: Uint8Array, encoding?: string): EncodedMessage => ({
  value,
  headers: encoding === undefined ? {} : { encoding },
});
const rows = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    ...sampleTransaction(from + i),
    city: (from + i) % 2 ? "Zürich" : "Moravian Falls",
  }));

Deno.test("a batch decodes into column segments in message order, with each row's message", () => {
  const messages = [
    message(encodeJson(rows(0, 1)[0]), "json"),
    message(encodeJson(rows(1, 1)[0])),
    message(encodeArrowColumns(transactionsToColumns(rows(10, 3))), "arrow"),
    message(text.encode("{not json"), "json"),
    message(encodeJson(rows(2, 1)[0]), "json"),
    message(new Uint8Array([1, 2, 3]), "arrow"),
    message(encodeArrow(rows(20, 2)), "arrow"),
    message(encodeJson(rows(3, 1)[0]), "avro"),
    message(encodeJson(rows(4, 1)[0]), "json"),
    message(encodeArrowColumns(transactionsToColumns([])), "arrow"),
  ];
  const batch = decodeColumnBatch(messages);
  assert.deepEqual(
    batch.segments.map(({ origins }) => Array.from(origins)),
    [[0, 1], [2, 2, 2], [4], [6, 6], [8]],
    "consecutive JSON messages share a segment; an empty Arrow message makes none",
  );
  assert.deepEqual(batch.failures.map(({ index, error }) => [index, error.message]), [
    [3, "not valid JSON"],
    [5, "not a valid Arrow IPC stream"],
    [7, "unknown encoding 'avro'"],
  ]);
  const segmentRows = batch.segments.flatMap(({ columns }) =>
    Array.from({ length: columns.length }, (_, i) => transactionAt(columns, i))
  );
  assert.deepEqual(segmentRows, [
    ...rows(0, 1),
    ...rows(1, 1),
    ...rows(10, 3),
    ...rows(2, 1),
    ...rows(20, 2),
    ...rows(4, 1),
  ]);
});

Deno.test("without wire schema v2 messages, the segments hold what the object decoder gives", () => {
  const messages = [
    message(encodeJson(rows(0, 1)[0]), "json"),
    message(encodeArrow(rows(10, 3)), "arrow"),
    message(text.encode('{"not":"a transaction"}'), "json"),
    message(encodeJson(rows(1, 1)[0])),
    message(encodeJson(rows(2, 1)[0]), "json"),
  ];
  const batch = decodeColumnBatch(messages);
  const objects: Transaction[] = [];
  const origins: number[] = [];
  const failures: [number, string][] = [];
  messages.forEach(({ value, headers }, index) => {
    try {
      for (const row of decodeTransactions(value, headers.encoding)) {
        objects.push(row);
        origins.push(index);
      }
    } catch (error) {
      failures.push([index, (error as Error).message]);
    }
  });
  const segmentRows = batch.segments.flatMap(({ columns }) =>
    Array.from({ length: columns.length }, (_, i) => transactionAt(columns, i))
  );
  assert.deepEqual(segmentRows, objects);
  assert.deepEqual(batch.segments.flatMap(({ origins }) => Array.from(origins)), origins);
  assert.deepEqual(batch.failures.map(({ index, error }) => [index, error.message]), failures);
  assert.deepEqual(failures, [[2, "field 'ssn' must be a string"]]);
});

Deno.test("non-ASCII text and byte sequences split over two messages decode as each message alone", () => {
  const zurich = { ...rows(1, 1)[0], city: "Zürich" };
  const saoPaulo = { ...rows(2, 1)[0], city: "São Paulo" };
  // "é" is 0xC3 0xA9: one message ends with the first byte, the next starts with the second.
  const cut = text.encode('{"ssn":"\u00e9"}');
  const batch = decodeColumnBatch([
    message(encodeJson(zurich)),
    message(cut.subarray(0, 9)),
    message(cut.subarray(9)),
    message(encodeJson(saoPaulo)),
  ]);
  const segmentRows = batch.segments.flatMap(({ columns }) =>
    Array.from({ length: columns.length }, (_, i) => transactionAt(columns, i))
  );
  assert.deepEqual(segmentRows, [zurich, saoPaulo]);
  assert.deepEqual(batch.failures.map((f) => [f.index, f.error.message]), [
    [1, "not valid JSON"],
    [2, "not valid JSON"],
  ]);
});

Deno.test("each row of columns becomes the JSON message encodeJson writes for it", () => {
  const all = rows(0, 12);
  const columns = transactionsToColumns(all);
  assert.deepEqual(encodeJsonColumns(columns), all.map(encodeJson));
  const picks = Int32Array.from([11, 3, 3, 0]);
  assert.deepEqual(encodeJsonColumns(columns, picks), Array.from(picks, (i) => encodeJson(all[i])));
  const back = decodeColumnBatch(encodeJsonColumns(columns).map((body) => message(body, "json")));
  assert.equal(back.segments.length, 1);
  const segment = back.segments[0].columns;
  assert.deepEqual(all.map((_, i) => transactionAt(segment, i)), all);
});
