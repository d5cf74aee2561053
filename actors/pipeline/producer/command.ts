/**
 * `fraudstream produce`: the producer role on its own, publishing to Kafka.
 *
 * @module
 */

import { type CommandHandler, dashboardAddress, stopAfter } from "../command.ts";
import { startRoleDashboard } from "../../observe/dashboard/role_dashboard.ts";
import type { StatusServer } from "../../observe/dashboard/server.ts";
import type { RoleStatus } from "../../observe/dashboard/status.ts";
import { ActorSystem } from "../../runtime/mod.ts";
import { KafkaTransport } from "../../log/mod.ts";
import { ensureTopicsPatiently, kafkaConnection } from "../connect.ts";
import { TOPICS, topicSpecs } from "../topics.ts";
import { producerMetrics, producerTree } from "./mod.ts";
import { delay } from "../../lib/async.ts";

/** Runs the producer until interrupted or `--duration` ends; reports what it published. */
export const produceCommand: CommandHandler = async (config, ctx) => {
  const transport = new KafkaTransport(kafkaConnection(config, ctx.status));
  const metrics = producerMetrics();
  const started = performance.now();
  const startedAt = Date.now();
  let server: StatusServer | undefined;
  const stop = stopAfter(ctx.signal, config.duration);
  try {
    const ready = await ensureTopicsPatiently(transport, topicSpecs(config), {
      signal: stop,
      onWait: (line) => ctx.status(`produce: ${line}`),
    });
    if (!ready) {
      ctx.status(`produce: stopped before Kafka at ${config.brokers} could be reached`);
      return { exitCode: 1, report: { role: "produce", files: 0, rows: 0 } };
    }
    const partitions = await transport.partitions(config.topic);
    const system = await ActorSystem.start({
      kind: "supervisor",
      id: "produce",
      intensity: 5,
      periodMs: 60_000,
      backoff: { initialMs: 500, maxMs: 10_000 },
      children: [producerTree({
        transport,
        input: config.input,
        topics: { transactions: config.topic, deadLetters: TOPICS.deadLetters },
        partitions,
        encoding: config.encoding,
        producerId: config.producerId,
        maxFilesPerTrigger: config.maxFilesPerTrigger,
        settleMs: config.inputSettle * 1000,
        maxLineBytes: config.maxLineBytes,
        onChanged: (message) => ctx.status(`produce: WARNING: ${message}`),
        encoders: config.workers,
        metrics,
      })],
    });
    server = startRoleDashboard({
      ...dashboardAddress(config),
      role: "produce",
      status: (): RoleStatus => ({
        role: "produce",
        startedAt,
        now: Date.now(),
        transport: "kafka",
        ready: system.root.state === "running",
        counters: {
          produced: metrics.rows,
          deadLetters: metrics.deadLetters,
          changedFiles: metrics.changedFiles,
        },
        lag: [],
        tree: system.snapshot(),
        recentAlerts: [],
      }),
      onStatus: ctx.status,
    });
    let last = { rows: 0, at: performance.now() };
    const outcome = await Promise.race([
      system.done,
      (async () => {
        while (await delay(2000, stop)) {
          const now = performance.now();
          const rate = ((metrics.rows - last.rows) * 1000) / (now - last.at);
          last = { rows: metrics.rows, at: now };
          ctx.status(
            `produce: ${metrics.files} files, ${metrics.rows} rows (${Math.round(rate)}/s), ` +
              `${metrics.deadLetters} dead letters` +
              (metrics.changedFiles > 0
                ? `, ${metrics.changedFiles} files changed after publishing`
                : ""),
          );
        }
        return undefined;
      })(),
    ]);
    await system.shutdown();
    const seconds = (performance.now() - started) / 1000;
    const report = {
      role: "produce",
      files: metrics.files,
      rows: metrics.rows,
      dead_letters: metrics.deadLetters,
      changed_files: metrics.changedFiles,
      bytes: metrics.bytes,
      transactions: metrics.transactions,
      seconds: Math.round(seconds * 100) / 100,
      throughput: Math.round(metrics.rows / seconds),
    };
    ctx.print(
      `produced ${report.rows} transactions from ${report.files} files ` +
        `(${report.dead_letters} dead letters) in ${report.seconds} s`,
    );
    if (outcome?.kind === "failed") {
      ctx.status(`produce: stopped: ${outcome.error.message}`);
      return { exitCode: 1, report };
    }
    return { exitCode: 0, report };
  } finally {
    await server?.close();
    await transport.close();
  }
};
