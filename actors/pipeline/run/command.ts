/**
 * `fraudstream run`: the generator, the producer and the consumers in one process, on the
 * embedded log (default) or on Kafka (`--brokers`), with the dashboard and a status line. At the
 * end every generated transaction is accounted for: scored once, or in the dead letters.
 *
 * @module
 */

import type { CommandContext, CommandHandler, CommandOutcome } from "../command.ts";
import type { Config } from "../../../config/config.ts";
import { generateStream } from "../generator/mod.ts";
import { modelScoring } from "../consumer/model_scoring.ts";
import { latencyValue } from "../../observe/metrics/histogram.ts";
import { p99SinceLastCall } from "../../observe/metrics/recent_histogram.ts";
import { openTransport } from "../connect.ts";
import { EmbeddedTransport } from "../../log/embedded/transport.ts";
import { runLog } from "./run_log.ts";
import { hostRole, reportTiming } from "../role_host.ts";
import { type FolderFate, makeBatchFolder, releaseBatchFolder } from "./batch_folder.ts";
import { Pipeline } from "./pipeline.ts";
import { type ModelInsight, startModelInsight } from "../consumer/model_insight.ts";

/** Longest wait, after generation stops, for everything to be published and scored. */
const DRAIN_TIMEOUT_MS = 120_000;

/**
 * Longest wait for the same after an interrupt: well within the time `main.ts` gives a clean
 * stop (20 s), so that the summary is printed and what is left is kept, not cut off.
 */
const INTERRUPTED_DRAIN_TIMEOUT_MS = 10_000;

/**
 * Most generated transactions not yet scored (waiting to be published, or published and waiting
 * to be scored) before the generator is held back: the back-pressure that bounds the disk and
 * memory an overloaded run takes (about 75 MB of files, as much again in the log) and its drain
 * (about a second of scoring).
 */
const MAX_IN_FLIGHT_ROWS = 250_000;

/** Limits of a run, settable for tests. */
export interface RunLimits {
  /** Longest drain after generation stops, in ms (default 120 s; 10 s at most if interrupted). */
  drainTimeoutMs?: number;
  /** Generated transactions not yet scored that hold the generator back. */
  maxInFlightRows?: number;
}

/** Runs the whole pipeline until interrupted or `--duration` ends, then reconciles. */
export const runCommand: CommandHandler = (config, ctx) => runPipeline(config, ctx);

/**
 * `runCommand` with its limits settable. Generated transactions are never deleted unpublished:
 * when the drain does not finish, the batch folder is kept and named, with how to publish it.
 */
export function runPipeline(
  config: Config,
  ctx: CommandContext,
  limits: RunLimits = {},
): Promise<CommandOutcome> {
  const producerId = `run-${crypto.randomUUID().slice(0, 8)}`;
  let input = "";
  let pipeline: Pipeline | undefined;
  let insight: ModelInsight;
  let generated = 0;
  const unpublished = () =>
    pipeline ? generated - pipeline.producer.rows - pipeline.producer.deadLetters : 0;
  let fate: FolderFate | undefined;
  const sayKept = () => {
    if (!fate?.kept) return;
    ctx.print(
      `run: kept ${fate.files} batch files (${unpublished()} transactions not published) in ` +
        `${input}; publish them with: ${publishCommand(config, input, producerId)}`,
    );
  };
  // Removes the batch folder, or keeps it (and says so) when batches wait in it; once.
  const release = () => {
    if (fate) return;
    fate = releaseBatchFolder(input);
    sayKept();
  };
  return hostRole(config, ctx, {
    name: "run",
    statusEveryMs: 1000,
    openTransport: (config, onLog) =>
      config.brokers ? openTransport(config, onLog) : new EmbeddedTransport(runLog()),
    prepare: async ({ transport, events, say, defer }) => {
      input = await makeBatchFolder();
      const unregister = ctx.onForcedExit(release);
      defer(() => {
        release();
        unregister();
      });
      const scoring = await modelScoring({
        model: config.model,
        modelsDir: config.modelsDir,
        workers: config.workers,
        events,
        shadowModel: config.shadowModel,
        reasonCodes: config.reasonCodes,
      });
      say(
        `scoring with model ${scoring.current().version}; ${transport.kind} log; batches in ${input}`,
      );
      insight = await startModelInsight(config, { scoring, events, say });
      return scoring;
    },
    start: async ({ transport, events, say, seconds }, scoring) => {
      const model = scoring.current();
      const partitions = await transport.partitions(config.topic);
      const running = pipeline = await Pipeline.start({
        transport,
        input,
        topic: config.topic,
        partitions,
        encoding: config.encoding,
        groupId: config.groupId,
        producerId,
        emitScores: config.emitScores,
        showCardNumbers: config.showCardNumbers,
        scoring,
        encoders: config.encoders,
        events,
      });
      let drained = false;
      let elapsed = 0;
      const p99 = p99SinceLastCall(running.consumer.latencyMs);
      /** Of `rows` generated, those neither scored nor in the dead letters yet. */
      const inFlight = (rows: number) => {
        const { scored, deadLetters } = running.counts();
        return rows - scored - deadLetters - running.producer.deadLetters;
      };
      return {
        system: running.system,
        figures: () => ({
          ...running.figures({ generated, modelVersion: model.version }),
          ...insight.figures(),
        }),
        progress: () => running.consumer.scored,
        // Behind: generated and not yet scored (waiting to be published, or to be scored).
        statusLine: (rate) =>
          `generated ${generated}, produced ${running.producer.rows}, ` +
          `scored ${running.consumer.scored} (${rate}/s), alerts ${running.consumer.alerts}, ` +
          `lag ${Math.max(0, inFlight(generated))}, ` +
          `p99 ${p99()} ms`,
        work: async () => {
          const generator = await generateStream({
            outDir: input,
            customers: config.customers,
            seed: config.seed,
            fidelity: config.fidelity,
            speed: config.speed,
            rate: config.rate,
            durationMs: config.duration * 1000,
            signal: ctx.signal,
            onProgress: (progress) => (generated = progress.rows),
            holdWhile: (rows) => inFlight(rows) > (limits.maxInFlightRows ?? MAX_IN_FLIGHT_ROWS),
          });
          generated = generator.rows;
        },
        wrapUp: async () => {
          say(`generation stopped after ${generated} transactions; draining`);
          const drainTimeoutMs = limits.drainTimeoutMs ?? DRAIN_TIMEOUT_MS;
          drained = await running.drain(input, {
            timeoutMs: ctx.signal.aborted
              ? Math.min(drainTimeoutMs, INTERRUPTED_DRAIN_TIMEOUT_MS)
              : drainTimeoutMs,
          });
          elapsed = seconds();
        },
        finish: () => {
          const reconciliation = running.reconcile();
          const consumer = running.consumer;
          fate = releaseBatchFolder(input);
          // What was generated but neither published nor dead-lettered waits in the kept folder;
          // were the folder gone, it would be lost.
          const unpublishedKept = fate.kept ? Math.max(0, unpublished()) : 0;
          // Published but not scored: still in the topic for the group on Kafka, gone with the
          // embedded log.
          const unscoredInTopic = transport.kind === "kafka" ? reconciliation.lost : 0;
          const lost = reconciliation.lost - unscoredInTopic +
            Math.max(0, unpublished() - unpublishedKept);
          const report = {
            transport: transport.kind,
            model_version: consumer.modelVersion ?? model.version,
            encoding: config.encoding,
            partitions,
            workers: config.workers,
            encoders: config.encoders,
            generated,
            produced: reconciliation.produced,
            scored: reconciliation.scored,
            alerts: consumer.alerts,
            dead_letters: running.producer.deadLetters + consumer.deadLetters,
            lost,
            unpublished_kept: unpublishedKept,
            kept_folder: fate.kept ? input : null,
            unscored_in_topic: unscoredInTopic,
            duplicates: reconciliation.duplicates,
            exact_accounting: reconciliation.exact,
            drained,
            ...reportTiming(reconciliation.scored, elapsed),
            latency_ms: {
              p50: latencyValue(consumer.latencyMs.quantile(0.5)),
              p99: latencyValue(consumer.latencyMs.quantile(0.99)),
              max: Math.round(consumer.latencyMs.max * 10) / 10,
            },
            shadow: insight.shadowReport(),
          };
          ctx.print(
            `generated ${report.generated}, produced ${report.produced}, scored ${report.scored}, ` +
              `alerts ${report.alerts}, dead letters ${report.dead_letters}, lost ${report.lost}, ` +
              `duplicates ${report.duplicates}; ${report.throughput} transactions/s, latency p50 ` +
              `${report.latency_ms.p50} ms p99 ${report.latency_ms.p99} ms`,
          );
          const summary = insight.summary();
          if (summary) ctx.print(summary);
          sayKept();
          if (unscoredInTopic > 0) {
            ctx.print(
              `run: ${unscoredInTopic} published transactions were not scored yet; they wait in ` +
                `topic ${config.topic} for group ${config.groupId} (fraudstream consume scores them)`,
            );
          }
          const ok = report.lost === 0 && report.duplicates === 0 && !fate.kept &&
            unscoredInTopic === 0;
          return { exitCode: ok ? 0 : 1, report };
        },
      };
    },
  });
}

/** The command that publishes a kept batch folder to Kafka, resuming where this run stopped. */
function publishCommand(config: Config, input: string, producerId: string): string {
  if (!config.brokers) return `fraudstream produce --input ${input} --brokers HOST:PORT,...`;
  return `fraudstream produce --input ${input} --brokers ${config.brokers.join(",")} ` +
    `--topic ${config.topic} --encoding ${config.encoding} --producer-id ${producerId}`;
}
