/**
 * `fraudstream run`: the generator, the producer and the consumers in one process, on the
 * embedded log (default) or on Kafka (`--brokers`), with the dashboard and a status line. At the
 * end every generated transaction is accounted for: scored once, or in the dead letters.
 *
 * @module
 */

import type { CommandHandler } from "../command.ts";
import { startStatusServer, type StatusServer } from "../dashboard/server.ts";
import { generateStream } from "../generator/mod.ts";
import { modelScoring } from "../consumer/model_scoring.ts";
import { sleep } from "../runtime/mod.ts";
import {
  EmbeddedTransport,
  ensureTopicsPatiently,
  kafkaConnection,
  KafkaTransport,
  topicSpecs,
} from "../transport/mod.ts";
import { Pipeline } from "./pipeline.ts";

/** Longest wait, after generation stops, for everything to be published and scored. */
const DRAIN_TIMEOUT_MS = 120_000;

/** Runs the whole pipeline until interrupted or `--duration` ends, then reconciles. */
export const runCommand: CommandHandler = async (config, ctx) => {
  const transport = config.brokers
    ? new KafkaTransport(kafkaConnection(config, ctx.status))
    : new EmbeddedTransport();
  const input = await Deno.makeTempDir({ prefix: "fraudstream-run-" });
  let server: StatusServer | undefined;
  let pipeline: Pipeline | undefined;
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
        signal: ctx.signal,
        onWait: (line) => ctx.status(`run: ${line}`),
      })
    ) return { exitCode: 0 };
    const partitions = await transport.partitions(config.topic);
    pipeline = await Pipeline.start({
      transport,
      input,
      topic: config.topic,
      partitions,
      encoding: config.encoding,
      groupId: config.groupId,
      producerId: `run-${crypto.randomUUID().slice(0, 8)}`,
      emitScores: config.emitScores,
      scoring,
      onEvent: (line) => ctx.status(`run: ${line}`),
    });
    let generated = 0;
    const running = pipeline;
    if (config.uiPort >= 0) {
      server = startStatusServer({
        host: config.uiHost,
        port: config.uiPort,
        status: () => running.status({ generated, modelVersion: model.version }),
      });
      ctx.status(`run: dashboard at ${server.url}`);
    }
    const generation = new AbortController();
    const stopGeneration = () => generation.abort();
    ctx.signal.addEventListener("abort", stopGeneration, { once: true });
    const statusLoop = (async () => {
      let last = { scored: 0, at: performance.now() };
      while (await sleep(1000, generation.signal)) {
        const now = performance.now();
        const scored = running.consumer.scored;
        const rate = ((scored - last.scored) * 1000) / (now - last.at);
        last = { scored, at: now };
        const lag = running.consumer.lag.reduce((a, b) => a + (b ?? 0), 0);
        ctx.status(
          `run: generated ${generated}, produced ${running.producer.rows}, scored ${scored} ` +
            `(${Math.round(rate)}/s), alerts ${running.consumer.alerts}, lag ${lag}, ` +
            `p99 ${running.consumer.latencyMs.quantile(0.99).toFixed(0)} ms`,
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
    });
    generated = generator.rows;
    generation.abort();
    ctx.signal.removeEventListener("abort", stopGeneration);
    await statusLoop;
    ctx.status(`run: generation stopped after ${generated} transactions; draining`);
    const drained = await pipeline.drain(input, { timeoutMs: DRAIN_TIMEOUT_MS });
    const seconds = (performance.now() - started) / 1000;
    const reconciliation = pipeline.reconcile();
    const consumer = pipeline.consumer;
    const outcome = await pipeline.stop();
    const lost = reconciliation.lost +
      Math.max(0, generated - reconciliation.produced - pipeline.producer.deadLetters);
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
      duplicates: reconciliation.duplicates,
      exact_accounting: reconciliation.exact,
      drained,
      seconds: Math.round(seconds * 100) / 100,
      throughput: Math.round(reconciliation.scored / seconds),
      latency_ms: {
        p50: Math.round(consumer.latencyMs.quantile(0.5) * 10) / 10,
        p99: Math.round(consumer.latencyMs.quantile(0.99) * 10) / 10,
        max: Math.round(consumer.latencyMs.max * 10) / 10,
      },
    };
    ctx.print(
      `generated ${report.generated}, produced ${report.produced}, scored ${report.scored}, ` +
        `alerts ${report.alerts}, dead letters ${report.dead_letters}, lost ${report.lost}, ` +
        `duplicates ${report.duplicates}; ${report.throughput} transactions/s, latency p50 ` +
        `${report.latency_ms.p50} ms p99 ${report.latency_ms.p99} ms`,
    );
    if (outcome.kind === "failed") ctx.status(`run: stopped: ${outcome.error.message}`);
    const ok = outcome.kind === "stopped" && report.lost === 0 && report.duplicates === 0;
    return { exitCode: ok ? 0 : 1, report };
  } finally {
    await pipeline?.stop().catch(() => {});
    await server?.close();
    await transport.close();
    await Deno.remove(input, { recursive: true }).catch(() => {});
  }
};
