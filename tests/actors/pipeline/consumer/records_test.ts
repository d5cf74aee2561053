import assert from "node:assert/strict";
import {
  alertJson,
  alertRecords,
  type ExplainedAlert,
  jsonRecords,
} from "../../../../actors/pipeline/consumer/records.ts";
import { alertFieldsAt, transactionsToColumns } from "../../../../model/columns.ts";
import type { ReasonCode } from "../../../../model/reason_codes.ts";
import { sampleTransaction } from "../../../fixtures/transactions.ts";

const row = {
  trans_num: "0123456789abcdef0123456789abcdef",
  cc_num: "4263982640269299",
  amt: 1077.69,
  category: "shopping_net" as const,
  merchant: 'fraud_Kerluke "quoted" Inc',
  trans_date: "2024-02-29",
  trans_time: "02:13:07",
  unix_time: 1709172787,
};
const details = {
  score: 0.9731234567,
  threshold: 0.62,
  modelVersion: "v1",
  detectedAt: "2026-12-05T00:00:00.000Z",
  source: { partition: 3, offset: 42 },
};
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("an alert with reasons as JSON text is the alert with them as objects, byte for byte", () => {
  const reasons: ReasonCode[] = [
    { feature: "amt", contribution: 0.41, value: 1077.69, text: "amount 1,077.69, 18.4x" },
    { feature: "hour", contribution: 0.2, value: 2, text: 'at 02:xx (night), "quoted"' },
    { feature: "category", contribution: -0.01, value: 11, text: "category shopping_net" },
  ];
  const json = alertJson(row, {
    ...details,
    explained: {
      reasonsJson: JSON.stringify(reasons),
      baseRate: 0.0123456789,
      nodeValues: "training",
    },
  });
  const expected = JSON.stringify({
    trans_num: row.trans_num,
    cc_num: row.cc_num,
    amt: row.amt,
    category: row.category,
    merchant: row.merchant,
    score: 0.973123,
    threshold: 0.62,
    model_version: "v1",
    event_time: "2024-02-29T02:13:07",
    unix_time: 1709172787,
    detected_at: "2026-12-05T00:00:00.000Z",
    partition: 3,
    offset: 42,
    reasons,
    reasons_base_rate: 0.012346,
    reasons_node_values: "training",
  });
  assert.equal(json, expected);
  assert.deepEqual(JSON.parse(json).reasons, reasons);
});

Deno.test("an alert without reasons has no reasons fields", () => {
  const alert = JSON.parse(alertJson(row, details));
  assert.equal(alert.reasons, undefined);
  assert.equal(alert.reasons_base_rate, undefined);
  assert.equal(alert.detected_at, "2026-12-05T00:00:00.000Z");
});

Deno.test("a batch's alert messages are its alerts' texts in UTF-8, each keyed by its card", () => {
  const alerts = [
    { ...row, merchant: "fraud_Café Ünïcode ☕" },
    { ...row, cc_num: "30270432095985", merchant: "fraud_Plain" },
    { ...row, cc_num: "4000000000000002", merchant: 'fraud_"x"\\y' },
  ].map((alert) => ({ cardNumber: alert.cc_num, json: alertJson(alert, details) }));
  const records = jsonRecords(alerts);
  assert.deepEqual(records.map((record) => record.key), alerts.map((alert) => alert.cardNumber));
  assert.deepEqual(records.map((record) => decode(record.value!)), alerts.map((a) => a.json));
  assert.deepEqual(
    records.map((record) => record.value!),
    alerts.map((alert) => new TextEncoder().encode(alert.json)),
  );
  assert.ok(records.every((record) => record.headers?.encoding === "json"));
  assert.deepEqual(jsonRecords([]), []);
});

Deno.test("a batch's alert records are its rows at or over the threshold, as `alertJson` writes them", () => {
  const transactions = [0, 1, 2, 3].map((i) => sampleTransaction(i));
  const columns = transactionsToColumns(transactions);
  const scored = {
    scores: new Float32Array([0.5, 0.62, Number.NaN, 0.97]),
    threshold: 0.62,
    modelVersion: "v1",
    reasons: {
      baseRate: 0.01,
      nodeValues: "training" as const,
      rows: new Map([[
        3,
        JSON.stringify([{ feature: "amt", contribution: 0.4, value: 1, text: "x" }]),
      ]]),
    },
  };
  const records = alertRecords(columns, scored, {
    partition: 2,
    offsets: new Float64Array([10, 11, 12, 13]),
  });
  assert.deepEqual(records.map((record) => record.key), [1, 3].map((i) => transactions[i].cc_num));
  const alerts = records.map((record) => JSON.parse(decode(record.value!)));
  assert.deepEqual(alerts.map((alert) => [alert.trans_num, alert.offset, alert.partition]), [
    [transactions[1].trans_num, 11, 2],
    [transactions[3].trans_num, 13, 2],
  ]);
  const [plain, explained] = records.map((record) => decode(record.value!));
  const detectedAt = alerts[0].detected_at;
  const expected = (i: number, explainedAlert?: ExplainedAlert) =>
    alertJson(alertFieldsAt(columns, i), {
      score: scored.scores[i],
      threshold: 0.62,
      modelVersion: "v1",
      detectedAt,
      source: { partition: 2, offset: 10 + i },
      explained: explainedAlert,
    });
  assert.equal(plain, expected(1));
  assert.equal(
    explained,
    expected(3, {
      reasonsJson: scored.reasons.rows.get(3)!,
      baseRate: 0.01,
      nodeValues: "training",
    }),
  );
  assert.deepEqual(
    alertRecords(columns, { ...scored, threshold: 1 }, {
      partition: 2,
      offsets: new Float64Array(4),
    }),
    [],
  );
});
