/**
 * `fraudstream consume`: a consumer-group member on Kafka with its partition actors, scoring
 * workers and dashboard. Several `consume` processes (on one host or many) share the partitions
 * and take over from each other.
 *
 * @module
 */

import type { CommandHandler } from "../command.ts";
import { hostRole, reportTiming } from "../role_host.ts";
import { RecentAlerts } from "../../observe/dashboard/status.ts";
import { latencyValue } from "../../observe/metrics/histogram.ts";
import { p99SinceLastCall } from "../../observe/metrics/recent_histogram.ts";
import { ActorSystem } from "../../runtime/mod.ts";
import { TOPICS } from "../topics.ts";
import { consumerMetrics, consumerTree } from "./mod.ts";
import { modelScoring } from "./model_scoring.ts";
import { followAlerts } from "./recent_alerts.ts";
import { type ModelInsight, startModelInsight } from "./model_insight.ts";

/** Runs a consumer until interrupted or `--duration` ends. */
export const consumeCommand: CommandHandler = (config, ctx) => {
  let insight: ModelInsight;
  return hostRole(config, ctx, {
    name: "consume",
    statusEveryMs: 2000,
    unreachableReport: { role: "consume", scored: 0 },
    prepare: async ({ events, say }) => {
      const scoring = await modelScoring({
        model: config.model,
        modelsDir: config.modelsDir,
        workers: config.workers,
        events,
        shadowModel: config.shadowModel,
        reasonCodes: config.reasonCodes,
      });
      say(`scoring with model ${scoring.current().version} (${scoring.current().dir})`);
      insight = await startModelInsight(config, { scoring, events, say });
      return scoring;
    },
    start: async ({ transport, events, seconds }, scoring) => {
      const metrics = consumerMetrics();
      const alerts = new RecentAlerts({ showCardNumbers: config.showCardNumbers });
      followAlerts(events, alerts);
      const system = await ActorSystem.start({
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
          events,
        })],
      });
      const modelVersion = () => metrics.modelVersion ?? scoring.current().version;
      const p99 = p99SinceLastCall(metrics.latencyMs);
      return {
        system,
        figures: () => ({
          modelVersion: modelVersion(),
          counters: {
            scored: metrics.scored,
            alerts: metrics.alerts,
            deadLetters: metrics.deadLetters,
          },
          lag: metrics.lag,
          latency: metrics.latencyMs,
          recentAlerts: alerts.list(),
          ...insight.figures(),
        }),
        progress: () => metrics.scored,
        statusLine: (rate) =>
          `scored ${metrics.scored} (${rate}/s), alerts ${metrics.alerts}, ` +
          `dead letters ${metrics.deadLetters}, ` +
          `lag ${metrics.lag.reduce((a, b) => a + (b ?? 0), 0)}, ` +
          `p99 ${p99()} ms`,
        finish: () => {
          const report = {
            role: "consume",
            model_version: modelVersion(),
            scored: metrics.scored,
            alerts: metrics.alerts,
            dead_letters: metrics.deadLetters,
            batches: metrics.batches,
            restored_states: metrics.restoredStates,
            ...reportTiming(metrics.scored, seconds()),
            latency_ms: {
              p50: latencyValue(metrics.latencyMs.quantile(0.5)),
              p99: latencyValue(metrics.latencyMs.quantile(0.99)),
            },
            shadow: insight.shadowReport(),
          };
          ctx.print(consumeSummary(report));
          const summary = insight.summary();
          if (summary) ctx.print(summary);
          return { exitCode: 0, report };
        },
      };
    },
  });
};

/**
 * The line `consume` ends with: what it scored, alerted on and sent to the dead letters (a
 * duplicate or malformed transaction is not scored, so scored alone would look like a loss).
 */
export function consumeSummary(
  report: { scored: number; alerts: number; dead_letters: number; seconds: number },
): string {
  return `scored ${report.scored} transactions, ${report.alerts} alerts, ` +
    `${report.dead_letters} dead letters, in ${report.seconds} s`;
}
