/**
 * Reason codes through the consumer: the pretrained model scoring generated transactions on the
 * embedded log writes alerts that carry three reasons whose contributions the model's explainer
 * gives; the dashboard's recent alerts carry them too. The scoring worker explains alerts only.
 *
 * @module
 */

import assert from "node:assert/strict";
import { scoreReplyOf } from "../../../fixtures/score_reply.ts";
import { EmbeddedTransport, type LogRecord } from "../../../../actors/log/mod.ts";
import { consumerMetrics, consumerTree } from "../../../../actors/pipeline/consumer/mod.ts";
import { modelScoring } from "../../../../actors/pipeline/consumer/model_scoring.ts";
import { followAlerts } from "../../../../actors/pipeline/consumer/recent_alerts.ts";
import type { Alert } from "../../../../actors/pipeline/consumer/records.ts";
import { pipelineEvents } from "../../../../actors/pipeline/events.ts";
import { transactionRecords } from "../../../../actors/pipeline/producer/chunks.ts";
import { scoreWorker } from "../../../../actors/pipeline/workers/score.ts";
import { RecentAlerts } from "../../../../actors/observe/dashboard/status.ts";
import { ActorSystem } from "../../../../actors/runtime/mod.ts";
import { poll } from "../../../../actors/lib/async.ts";
import { loadModel } from "../../../../model/model_file.ts";
import { toRowMajor } from "../../../../model/train.ts";
import { generatedData, generatedTransactions } from "../../../fixtures/generated_data.ts";

const PRETRAINED = new URL("../../../../resources/models/pretrained", import.meta.url).pathname;
const json = (record: LogRecord) => JSON.parse(new TextDecoder().decode(record.value));

Deno.test({
  name: "alerts on fraud-alerts and on the dashboard carry three reason codes",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const rows = (await generatedTransactions(20, 4)).slice(0, 6000);
    const transport = new EmbeddedTransport();
    const topics = {
      transactions: "transactions",
      alerts: "fraud-alerts",
      scores: "scores",
      deadLetters: "dead-letters",
      cardState: "card-state",
    };
    await transport.ensureTopics([
      { name: topics.transactions, partitions: 2 },
      { name: topics.alerts, partitions: 2 },
      { name: topics.scores, partitions: 2 },
      { name: topics.deadLetters, partitions: 2 },
      { name: topics.cardState, partitions: 2, compact: true },
    ]);
    const producer = await transport.producer();
    for (let i = 0; i < rows.length; i += 500) {
      await producer.send(
        topics.transactions,
        transactionRecords(rows.slice(i, i + 500), { encoding: "arrow", partitions: 2 }),
      );
    }
    const events = pipelineEvents();
    const recent = new RecentAlerts({ size: 1000 });
    followAlerts(events, recent);
    const scoring = await modelScoring({ model: PRETRAINED, modelsDir: "", workers: 1, events });
    const metrics = consumerMetrics();
    const system = await ActorSystem.start({
      kind: "supervisor",
      id: "consumer",
      children: [consumerTree({
        transport,
        groupId: "scoring",
        topics,
        emitScores: true,
        scorers: scoring.scorers,
        metrics,
        before: scoring.children,
        path: "",
        events,
      })],
    });
    try {
      const done = await poll(() => metrics.scored === rows.length, { timeoutMs: 60_000 });
      assert.ok(done, `scored ${metrics.scored} of ${rows.length}`);
      const alerts: Alert[] = (await transport.readTopic(topics.alerts)).map(json);
      assert.ok(alerts.length > 0, "the pretrained model raised alerts");
      const model = await loadModel(PRETRAINED);
      for (const alert of alerts) {
        assert.equal(alert.reasons?.length, 3, `alert ${alert.trans_num}`);
        assert.equal(alert.reasons_node_values, "children-mean");
        assert.ok(Math.abs(alert.reasons_base_rate! - model.explainer.baseRate) < 1e-6);
        const contributions = alert.reasons!.map((r) => r.contribution);
        assert.deepEqual(contributions, [...contributions].sort((a, b) => b - a), "largest first");
        assert.ok(contributions[0] > 0, "the first reason raised the score");
        for (const reason of alert.reasons!) {
          assert.ok(model.manifest.encoder.features.includes(reason.feature), reason.feature);
          assert.equal(typeof reason.value, "number");
          assert.ok(reason.text.length > 0 && !reason.text.includes("undefined"), reason.text);
        }
      }
      // The dashboard's list: the same reasons, from the committed batches.
      const listed = recent.list();
      assert.equal(listed.length, Math.min(alerts.length, 1000));
      const byId = new Map(alerts.map((a) => [a.trans_num, a]));
      for (const summary of listed) {
        const written = byId.get(summary.trans_num)!;
        assert.deepEqual(
          summary.reasons,
          written.reasons!.map(({ feature, contribution, text }) => ({
            feature,
            contribution,
            text,
          })),
        );
      }
    } finally {
      await system.shutdown();
      await transport.close();
    }
  },
});

Deno.test("the scoring worker explains the rows at or above the threshold, and only those", async () => {
  const data = await generatedData(12, 4);
  const features = toRowMajor(data.features, data.length);
  const behaviour = scoreWorker();
  const ask = async (rows: number, reasons?: number) => {
    const reply = await behaviour.handle!(
      {
        modelDir: PRETRAINED,
        features: features.slice(0, rows * data.features.length),
        rows,
        reasons,
      },
      undefined as never,
    );
    return scoreReplyOf(reply);
  };
  const all = await ask(data.length, 3);
  const alertRows = [...all.scores.keys()].filter((i) => all.scores[i] >= all.threshold);
  assert.ok(
    alertRows.length > 0 && alertRows.length < data.length / 10,
    `${alertRows.length} alerts`,
  );
  assert.deepEqual([...all.reasons!.rows.keys()], alertRows, "reasons for alerts only");
  for (const reasons of all.reasons!.rows.values()) assert.equal(JSON.parse(reasons).length, 3);
  // Rows before the first alert: none reaches the threshold, so nothing is explained.
  const quiet = await ask(alertRows[0], 3);
  assert.ok(quiet.scores.every((score) => score < quiet.threshold));
  assert.equal(quiet.reasons, undefined);
  // Reasons are made only when asked for.
  assert.equal((await ask(data.length)).reasons, undefined);
  assert.equal((await ask(data.length, 0)).reasons, undefined);
});
