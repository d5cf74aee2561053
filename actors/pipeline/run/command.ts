/**
 * `fraudstream run`: the generator, the producer and the consumers in one process, on the
 * embedded log (default) or on Kafka (`--brokers`), with the dashboard and a status line. At the
 * end every generated transaction is accounted for: scored once, or in the dead letters.
 *
 * @module
 */

import {
  type CommandContext,
  type CommandHandler,
  type CommandOutcome,
  dashboardAddress,
  stopAfter,
} from "../command.ts";
import type { Config } from "../../../config/config.ts";
import { startRoleDashboard } from "../../observe/dashboard/role_dashboard.ts";
import type { StatusServer } from "../../observe/dashboard/server.ts";
import { generateStream } from "../generator/mod.ts";
import { modelScoring } from "../consumer/model_scoring.ts";
import { latencyText, latencyValue } from "../../observe/metrics/histogram.ts";
import { delay } from "../../lib/async.ts";
import { ensureTopicsPatiently, openTransport } from "../connect.ts";
import { topicSpecs } from "../topics.ts";
import { type FolderFate, makeBatchFolder, releaseBatchFolder } from "./batch_folder.ts";
import { Pipeline } from "./pipeline.ts";

/** Longest wait, after generation stops, for everything to be published and scored. */
const DRAIN_TIMEOUT_MS = 120_000;

/**
 * Longest wait for the same after an interrupt: well within the time `main.ts` gives a clean
 * stop (20 s), so that the summary is printed and what is left is kept, not cut off.
 */
const INTERRUPTED_DRAIN_TIMEOUT_MS = 10_000;

/**
 * Most generated transactions waiting to be published before the generator is held back: a
 * bound on the disk, memory and drain time an overloaded run takes (about 150 MB of files).
 */
const MAX_UNPUBLISHED_ROWS = 500_000;

/** Limits of a run, settable for tests. */
export interface RunLimits {
  /** Longest drain after generation stops, in ms (default 120 s; 10 s at most if interrupted). */
  drainTimeoutMs?: number;
  /** Generated transactions waiting to be published that hold the generator back. */
  maxUnpublishedRows?: number;
}

/** Runs the whole pipeline until interrupted or `--duration` ends, then reconciles. */
export const runCommand: CommandHandler = (config, ctx) => runPipeline(config, ctx);

/**
 * `runCommand` with its limits settable. Generated transactions are never deleted unpublished:
 * when the drain does not finish, the batch folder is kept and named, with how to publish it.
 */
export async function runPipeline(
  config: Config,
  ctx: CommandContext,
  limits: RunLimits = {},
): Promise<CommandOutcome> {
  const transport = openTransport(config, ctx.status);
  const input = await makeBatchFolder();
  const producerId = `run-${crypto.randomUUID().slice(0, 8)}`;
  let server: StatusServer | undefined;
  let pipeline: Pipeline | undefined;
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
  const unregister = ctx.onForcedExit(release);
  const started = performance.now();
  try {
    const scoring = await modelScoring({
      model: config.model,
      modelsDir: config.modelsDir,
      workers: config.workers,
      onEvent: (line) => ctx.status(`run: ${line}`),
    });
    const model = scoring.current();
    ctx.status(
      `run: scoring with model ${model.version}; ${transport.kind} log; batches in ${input}`,
    );
    if (
      !await ensureTopicsPatiently(transport, topicSpecs(config), {
        // --duration bounds the whole run, the wait for Kafka included.
        signal: stopAfter(ctx.signal, config.duration),
        onWait: (line) => ctx.status(`run: ${line}`),
      })
    ) {
      ctx.status(`run: stopped before Kafka at ${config.brokers} could be reached`);
      return { exitCode: 1 };
    }
    const partitions = await transport.partitions(config.topic);
    pipeline = await Pipeline.start({
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
      onEvent: (line) => ctx.status(`run: ${line}`),
    });
    const running = pipeline;
    server = startRoleDashboard({
      ...dashboardAddress(config),
      role: "run",
      status: () => running.status({ generated, modelVersion: model.version }),
      onStatus: ctx.status,
    });
    const generation = new AbortController();
    const stopGeneration = () => generation.abort();
    ctx.signal.addEventListener("abort", stopGeneration, { once: true });
    const statusLoop = (async () => {
      let last = { scored: 0, at: performance.now() };
      while (await delay(1000, generation.signal)) {
        const now = performance.now();
        const scored = running.consumer.scored;
        const rate = ((scored - last.scored) * 1000) / (now - last.at);
        last = { scored, at: now };
        // Behind: generated but not yet published, and published but not yet scored.
        const lag = unpublished() + running.consumer.lag.reduce((a, b) => a + (b ?? 0), 0);
        ctx.status(
          `run: generated ${generated}, produced ${running.producer.rows}, scored ${scored} ` +
            `(${Math.round(rate)}/s), alerts ${running.consumer.alerts}, lag ${lag}, ` +
            `p99 ${latencyText(running.consumer.latencyMs.quantile(0.99))} ms`,
        );
      }
    })();
    const generator = await generateStream({
      outDir: input,
      customers: config.customers,
      seed: config.seed,
      fidelity: config.fidelity,
      speed: config.speed,
      rate: config.rate,
      durationMs: config.duration * 1000,
      signal: generation.signal,
      onProgress: (progress) => (generated = progress.rows),
      holdWhile: (rows) =>
        rows - running.producer.rows - running.producer.deadLetters >
          (limits.maxUnpublishedRows ?? MAX_UNPUBLISHED_ROWS),
    });
    generated = generator.rows;
    generation.abort();
    ctx.signal.removeEventListener("abort", stopGeneration);
    await statusLoop;
    ctx.status(`run: generation stopped after ${generated} transactions; draining`);
    const drainTimeoutMs = limits.drainTimeoutMs ?? DRAIN_TIMEOUT_MS;
    const drained = await pipeline.drain(input, {
      timeoutMs: ctx.signal.aborted
        ? Math.min(drainTimeoutMs, INTERRUPTED_DRAIN_TIMEOUT_MS)
        : drainTimeoutMs,
    });
    const seconds = (performance.now() - started) / 1000;
    const outcome = await pipeline.stop();
    const reconciliation = pipeline.reconcile();
    const consumer = pipeline.consumer;
    fate = releaseBatchFolder(input);
    // What was generated but neither published nor dead-lettered waits in the kept folder; were
    // the folder gone, it would be lost.
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
      generated,
      produced: reconciliation.produced,
      scored: reconciliation.scored,
      alerts: consumer.alerts,
      dead_letters: pipeline.producer.deadLetters + consumer.deadLetters,
      lost,
      unpublished_kept: unpublishedKept,
      kept_folder: fate.kept ? input : null,
      unscored_in_topic: unscoredInTopic,
      duplicates: reconciliation.duplicates,
      exact_accounting: reconciliation.exact,
      drained,
      seconds: Math.round(seconds * 100) / 100,
      throughput: Math.round(reconciliation.scored / seconds),
      latency_ms: {
        p50: latencyValue(consumer.latencyMs.quantile(0.5)),
        p99: latencyValue(consumer.latencyMs.quantile(0.99)),
        max: Math.round(consumer.latencyMs.max * 10) / 10,
      },
    };
    ctx.print(
      `generated ${report.generated}, produced ${report.produced}, scored ${report.scored}, ` +
        `alerts ${report.alerts}, dead letters ${report.dead_letters}, lost ${report.lost}, ` +
        `duplicates ${report.duplicates}; ${report.throughput} transactions/s, latency p50 ` +
        `${report.latency_ms.p50} ms p99 ${report.latency_ms.p99} ms`,
    );
    sayKept();
    if (unscoredInTopic > 0) {
      ctx.print(
        `run: ${unscoredInTopic} published transactions were not scored yet; they wait in ` +
          `topic ${config.topic} for group ${config.groupId} (fraudstream consume scores them)`,
      );
    }
    if (outcome.kind === "failed") ctx.status(`run: stopped: ${outcome.error.message}`);
    const ok = outcome.kind === "stopped" && report.lost === 0 && report.duplicates === 0 &&
      !fate.kept && unscoredInTopic === 0;
    return { exitCode: ok ? 0 : 1, report };
  } finally {
    await pipeline?.stop().catch(() => {});
    await server?.close();
    await transport.close();
    release();
    unregister();
  }
}

/** The command that publishes a kept batch folder to Kafka, resuming where this run stopped. */
function publishCommand(config: Config, input: string, producerId: string): string {
  if (!config.brokers) return `fraudstream produce --input ${input} --brokers HOST:PORT,...`;
  return `fraudstream produce --input ${input} --brokers ${config.brokers.join(",")} ` +
    `--topic ${config.topic} --encoding ${config.encoding} --producer-id ${producerId}`;
}
