/**
 * `fraudstream consume`: a consumer-group member on Kafka with its partition actors, scoring
 * workers and dashboard. Several `consume` processes (on one host or many) share the partitions
 * and take over from each other.
 *
 * @module
 */

import { type CommandHandler, dashboardAddress, stopAfter } from "../command.ts";
import { startRoleDashboard } from "../../observe/dashboard/role_dashboard.ts";
import type { StatusServer } from "../../observe/dashboard/server.ts";
import { RecentAlerts, type RoleStatus } from "../../observe/dashboard/status.ts";
import { latencyText, latencyValue } from "../../observe/metrics/histogram.ts";
import { ActorSystem } from "../../runtime/mod.ts";
import { KafkaTransport } from "../../log/mod.ts";
import { ensureTopicsPatiently, kafkaConnection } from "../connect.ts";
import { TOPICS, topicSpecs } from "../topics.ts";
import { consumerMetrics, consumerTree } from "./mod.ts";
import { modelScoring } from "./model_scoring.ts";
import { delay } from "../../lib/async.ts";

/** Runs a consumer until interrupted or `--duration` ends. */
export const consumeCommand: CommandHandler = async (config, ctx) => {
  const transport = new KafkaTransport(kafkaConnection(config, ctx.status));
  const stop = stopAfter(ctx.signal, config.duration);
  const metrics = consumerMetrics();
  const alerts = new RecentAlerts({ showCardNumbers: config.showCardNumbers });
  const startedAt = Date.now();
  let server: StatusServer | undefined;
  let system: ActorSystem | undefined;
  try {
    const scoring = await modelScoring({
      model: config.model,
      modelsDir: config.modelsDir,
      workers: config.workers,
      onEvent: (line) => ctx.status(`consume: ${line}`),
    });
    ctx.status(
      `consume: scoring with model ${scoring.current().version} (${scoring.current().dir})`,
    );
    if (
      !await ensureTopicsPatiently(transport, topicSpecs(config), {
        signal: stop,
        onWait: (line) => ctx.status(`consume: ${line}`),
      })
    ) {
      ctx.status(`consume: stopped before Kafka at ${config.brokers} could be reached`);
      return { exitCode: 1, report: { role: "consume", scored: 0 } };
    }
    system = await ActorSystem.start({
      kind: "supervisor",
      id: "consumer",
      intensity: 3,
      periodMs: 60_000,
      children: [consumerTree({
        transport,
        groupId: config.groupId,
        topics: {
          transactions: config.topic,
          alerts: TOPICS.alerts,
          scores: TOPICS.scores,
          deadLetters: TOPICS.deadLetters,
          cardState: TOPICS.cardState,
        },
        emitScores: config.emitScores,
        scorers: scoring.scorers,
        metrics,
        before: scoring.children,
        path: "",
        onEvent: (line) => ctx.status(`consume: ${line}`),
        onCommitted: (batch) => {
          const detectedAt = new Date().toISOString();
          batch.rows.forEach((row, i) => {
            if (batch.scores[i] < batch.threshold) return;
            alerts.add({
              trans_num: row.trans_num,
              cc_num: row.cc_num,
              amt: row.amt,
              category: row.category,
              score: batch.scores[i],
              event_time: `${row.trans_date}T${row.trans_time}`,
              detected_at: detectedAt,
              model_version: batch.modelVersion,
            });
          });
        },
      })],
    });
    const status = (): RoleStatus => ({
      role: "consume",
      startedAt,
      now: Date.now(),
      transport: "kafka",
      ready: system!.root.state === "running",
      modelVersion: metrics.modelVersion ?? scoring.current().version,
      counters: {
        scored: metrics.scored,
        alerts: metrics.alerts,
        deadLetters: metrics.deadLetters,
      },
      lag: metrics.lag,
      latency: metrics.latencyMs,
      tree: system!.snapshot(),
      recentAlerts: alerts.list(),
    });
    server = startRoleDashboard({
      ...dashboardAddress(config),
      role: "consume",
      status,
      onStatus: ctx.status,
    });
    let last = { scored: 0, at: performance.now() };
    const outcome = await Promise.race([
      system.done,
      (async () => {
        while (await delay(2000, stop)) {
          const now = performance.now();
          const rate = ((metrics.scored - last.scored) * 1000) / (now - last.at);
          last = { scored: metrics.scored, at: now };
          const lag = metrics.lag.reduce((a, b) => a + (b ?? 0), 0);
          ctx.status(
            `consume: scored ${metrics.scored} (${
              Math.round(rate)
            }/s), alerts ${metrics.alerts}, ` +
              `lag ${lag}, p99 ${latencyText(metrics.latencyMs.quantile(0.99))} ms`,
          );
        }
        return undefined;
      })(),
    ]);
    await system.shutdown();
    const seconds = (Date.now() - startedAt) / 1000;
    const report = {
      role: "consume",
      model_version: metrics.modelVersion ?? scoring.current().version,
      scored: metrics.scored,
      alerts: metrics.alerts,
      dead_letters: metrics.deadLetters,
      batches: metrics.batches,
      restored_states: metrics.restoredStates,
      seconds: Math.round(seconds * 100) / 100,
      throughput: Math.round(metrics.scored / seconds),
      latency_ms: {
        p50: latencyValue(metrics.latencyMs.quantile(0.5)),
        p99: latencyValue(metrics.latencyMs.quantile(0.99)),
      },
    };
    ctx.print(
      `scored ${report.scored} transactions, ${report.alerts} alerts, in ${report.seconds} s`,
    );
    if (outcome?.kind === "failed") {
      ctx.status(`consume: stopped: ${outcome.error.message}`);
      return { exitCode: 1, report };
    }
    return { exitCode: 0, report };
  } finally {
    await system?.shutdown().catch(() => {});
    await server?.close();
    await transport.close();
  }
};
