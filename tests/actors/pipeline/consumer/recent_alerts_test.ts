import assert from "node:assert/strict";
import { followAlerts } from "../../../../actors/pipeline/consumer/recent_alerts.ts";
import { RecentAlerts } from "../../../../actors/observe/dashboard/status.ts";
import { pipelineEvents } from "../../../../actors/pipeline/events.ts";
import { transactionsToColumns } from "../../../../model/columns.ts";
import type { Transaction } from "../../../../model/schema.ts";
import { sampleTransaction } from "../../../fixtures/transactions.ts";

/** Commits `rows` with `scores` as one batch at threshold 0.5, scored by model v7. */
function commit(
  events: ReturnType<typeof pipelineEvents>,
  batch: { partition: number; rows: Transaction[]; scores: Float32Array },
): void {
  const { partition, rows, scores } = batch;
  events.emit("committed", {
    partition,
    rows: rows.length,
    columns: transactionsToColumns(rows),
    scores,
    threshold: 0.5,
    modelVersion: "v7",
    alerts: scores.filter((score) => score >= 0.5).length,
    deadLetters: 0,
    ids: () => rows.map((row) => row.trans_num),
    offsets: { from: 0, to: 1 },
  });
}

Deno.test("the recent alerts are the committed rows scored at or over the threshold", () => {
  const events = pipelineEvents();
  const alerts = new RecentAlerts({ showCardNumbers: true });
  const stop = followAlerts(events, alerts);
  const rows = Array.from({ length: 4 }, (_, i) => sampleTransaction(i, 3));
  const scores = Float32Array.of(0.2, 0.5, 0.9, 0.49);
  commit(events, { partition: 1, rows, scores });
  stop();
  const listed = alerts.list();
  assert.deepEqual(listed.map((a) => a.trans_num), [rows[2].trans_num, rows[1].trans_num]);
  assert.deepEqual(listed.map((a) => a.score), [scores[2], scores[1]]);
  const [newest] = listed;
  assert.deepEqual(
    [newest.cc_num, newest.amt, newest.category, newest.event_time, newest.model_version],
    [
      rows[2].cc_num,
      rows[2].amt,
      rows[2].category,
      `${rows[2].trans_date}T${rows[2].trans_time}`,
      "v7",
    ],
  );
});

Deno.test("a batch with more alerts than the list holds leaves its last ones, newest first", () => {
  const events = pipelineEvents();
  const alerts = new RecentAlerts({ size: 2, showCardNumbers: true });
  const stop = followAlerts(events, alerts);
  const rows = Array.from({ length: 6 }, (_, i) => sampleTransaction(i, 3));
  const scores = Float32Array.of(0.9, 0.8, 0.1, 0.7, 0.6, 0.2);
  commit(events, { partition: 0, rows, scores });
  stop();
  assert.deepEqual(alerts.list().map((a) => a.trans_num), [rows[4].trans_num, rows[3].trans_num]);
});

Deno.test("an alert is read out of its batch only when listed while kept, and once", () => {
  const events = pipelineEvents();
  const alerts = new RecentAlerts({ size: 1, showCardNumbers: true });
  const stop = followAlerts(events, alerts);
  const reads = [0, 0];
  const batches = [0, 1].map((b) => {
    const rows = [sampleTransaction(b, 3)];
    const columns = new Proxy(transactionsToColumns(rows), {
      get(target, key, receiver) {
        reads[b]++;
        return Reflect.get(target, key, receiver);
      },
    });
    return { rows, columns };
  });
  for (const [b, { rows, columns }] of batches.entries()) {
    events.emit("committed", {
      partition: b,
      rows: 1,
      columns,
      scores: Float32Array.of(0.9),
      threshold: 0.5,
      modelVersion: "v7",
      alerts: 1,
      deadLetters: 0,
      ids: () => rows.map((row) => row.trans_num),
      offsets: { from: 0, to: 1 },
    });
  }
  stop();
  // Committed: nothing read yet; the first batch's alert has already left the list.
  assert.deepEqual(reads, [0, 0]);
  assert.deepEqual(alerts.list().map((a) => a.trans_num), [batches[1].rows[0].trans_num]);
  assert.equal(reads[0], 0);
  const listedOnce = reads[1];
  assert.ok(listedOnce > 0);
  alerts.list();
  assert.equal(reads[1], listedOnce);
});
