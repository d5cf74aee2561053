import assert from "node:assert/strict";
import { scoreRecords } from "../../../../actors/pipeline/consumer/score_records.ts";
import { transactionsToColumns } from "../../../../model/columns.ts";
import { sampleTransaction } from "../../../fixtures/transactions.ts";

const decoder = new TextDecoder();

Deno.test("a score's text is what stringifying its fields gives, for every kind of score", () => {
  const scores = [
    0.123456789,
    1,
    0,
    2.5e-7,
    5e-7,
    0.0000015,
    0.00005,
    0.5,
    0.9999994,
    0.9999996,
    0.1000004,
    Number.NaN,
    -0.25,
    1.75,
    Number.POSITIVE_INFINITY,
    0.987654,
    0.010203,
  ];
  const transactions = scores.map((_, i) => {
    const row = sampleTransaction(i, 7);
    return {
      ...row,
      is_fraud: (i % 2) as 0 | 1,
      // A card number past 2^53 too (19 digits), which a double cannot hold.
      cc_num: i === 3 ? "4000000000000000006" : row.cc_num,
      // An id that needs escaping, as no validated row has one.
      trans_num: i === 4 ? 'a"b\\c\u0001dÜ' : row.trans_num,
    };
  });
  const columns = transactionsToColumns(transactions);
  const offsets = scores.map((_, i) => [0, 42, 9_007_199_254_740_991][i % 3]);
  for (const modelVersion of ["v1", 'v"2\\ Ünï ☕', ""]) {
    const records = scoreRecords(columns, Float32Array.from(scores), {
      modelVersion,
      partition: 5,
      offsets,
    });
    assert.equal(records.length, scores.length);
    records.forEach((record, i) => {
      const row = transactions[i];
      assert.equal(record.key, row.cc_num);
      assert.equal(record.headers?.encoding, "json");
      assert.equal(
        decoder.decode(record.value!),
        JSON.stringify({
          trans_num: row.trans_num,
          cc_num: row.cc_num,
          score: Math.round(Math.fround(scores[i]) * 1e6) / 1e6,
          is_fraud: row.is_fraud,
          model_version: modelVersion,
          partition: 5,
          offset: offsets[i],
        }),
        `score ${scores[i]}`,
      );
    });
  }
  assert.deepEqual(
    scoreRecords(transactionsToColumns([]), new Float32Array(0), {
      modelVersion: "v1",
      partition: 0,
      offsets: [],
    }),
    [],
  );
});

Deno.test("scores of millionths from 0 to 1 (every 7th) are written as JSON.stringify writes them", () => {
  const count = 1_000_001;
  const transactions = [sampleTransaction(0)];
  const columns = transactionsToColumns(transactions);
  for (let k = 0; k < count; k += 7) {
    const score = k / 1e6;
    const [record] = scoreRecords(columns, Float32Array.of(score), {
      modelVersion: "v",
      partition: 0,
      offsets: [0],
    });
    const text = decoder.decode(record.value!);
    const expected = JSON.stringify(Math.round(Math.fround(score) * 1e6) / 1e6);
    assert.equal(text.match(/"score":([^,]*),/)![1], expected, `k ${k}`);
  }
});
