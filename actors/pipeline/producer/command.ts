/**
 * `fraudstream produce`: the producer role on its own, publishing to Kafka.
 *
 * @module
 */

import type { CommandHandler } from "../command.ts";
import { UsageError } from "../../lib/errors.ts";
import { hostRole, reportTiming } from "../role_host.ts";
import { ActorSystem } from "../../runtime/mod.ts";
import { TOPICS } from "../topics.ts";
import { producerMetrics, producerTree } from "./mod.ts";

/** Runs the producer until interrupted or `--duration` ends; reports what it published. */
export const produceCommand: CommandHandler = async (config, ctx) => {
  const input = await Deno.stat(config.input).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new UsageError(`--input '${config.input}' cannot be read: ${error.message}`);
  });
  // A folder that does not exist yet is waited for (the producer says so).
  if (input && !input.isDirectory) {
    throw new UsageError(
      `--input '${config.input}' is a file; it takes the folder the CSV files arrive in`,
    );
  }
  return await hostRole(config, ctx, {
    name: "produce",
    statusEveryMs: 2000,
    unreachableReport: { role: "produce", files: 0, rows: 0 },
    start: async ({ transport, events, seconds }) => {
      const metrics = producerMetrics();
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
          topics: {
            transactions: config.topic,
            deadLetters: TOPICS.deadLetters,
            ledger: TOPICS.ledger,
          },
          partitions,
          encoding: config.encoding,
          producerId: config.producerId,
          maxFilesPerTrigger: config.maxFilesPerTrigger,
          settleMs: config.inputSettle * 1000,
          maxLineBytes: config.maxLineBytes,
          encoders: config.encoders,
          metrics,
          events,
        })],
      });
      return {
        system,
        figures: () => ({
          counters: {
            produced: metrics.rows,
            deadLetters: metrics.deadLetters,
            changedFiles: metrics.changedFiles,
          },
          lag: [],
          recentAlerts: [],
        }),
        progress: () => metrics.rows,
        statusLine: (rate) =>
          `${metrics.files} files, ${metrics.rows} rows (${rate}/s), ` +
          `${metrics.deadLetters} dead letters` +
          (metrics.changedFiles > 0
            ? `, ${metrics.changedFiles} files changed after publishing`
            : ""),
        finish: () => {
          const report = {
            role: "produce",
            files: metrics.files,
            rows: metrics.rows,
            dead_letters: metrics.deadLetters,
            changed_files: metrics.changedFiles,
            bytes: metrics.bytes,
            transactions: metrics.transactions,
            ...reportTiming(metrics.rows, seconds()),
          };
          ctx.print(
            `produced ${report.rows} transactions from ${report.files} files ` +
              `(${report.dead_letters} dead letters) in ${report.seconds} s`,
          );
          return { exitCode: 0, report };
        },
      };
    },
  });
};
