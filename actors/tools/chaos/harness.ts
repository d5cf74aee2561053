/**
 * The common shape of a chaos scenario: a steady load through the whole pipeline (generator ->
 * producer -> log -> consumers), a fault injected at a seeded random moment while the load goes
 * on, then drain and reconciliation, with the throughput before, during and after the fault.
 *
 * @module
 */

import type { KafkaClientName } from "../../log/kafka_client.ts";
import { type ModelScoring, modelScoring } from "../../pipeline/consumer/model_scoring.ts";
import type { PartitionScorerFactory } from "../../pipeline/consumer/mod.ts";
import { pipelineEvents } from "../../pipeline/events.ts";
import { sayEvents } from "../../pipeline/status_lines.ts";
import { generateStream } from "../../pipeline/generator/mod.ts";
import { Pipeline } from "../../pipeline/run/pipeline.ts";
import { type Strategy } from "../../runtime/mod.ts";
import { type Transport } from "../../log/mod.ts";
import { topicSpecs } from "../../pipeline/topics.ts";
import { Timeline } from "./timeline.ts";
import { publishedIds, settleTopics } from "./topic_reconcile.ts";
import { waitingRows } from "./waiting_rows.ts";
import type { WireEncoding } from "../../pipeline/codec/wire_encoding.ts";
import { seededRandom } from "../../lib/random.ts";

/** Settings every scenario takes. */
export interface ScenarioOptions {
  seed: number;
  /** How long the load runs, in ms. */
  durationMs: number;
  /** Transactions per second offered by the generator. */
  rate: number;
  customers: number;
  workers: number;
  encoding: WireEncoding;
  strategy: Strategy;
  model: string;
  modelsDir: string;
  /** The Kafka client library of the scenarios on Kafka (their roles and their own reads). */
  kafkaClient: KafkaClientName;
  signal?: AbortSignal;
  onStatus?: (line: string) => void;
}

/** What every scenario reports (snake_case, as written by `--report`). */
export interface ScenarioReport {
  scenario: string;
  transport: "embedded" | "kafka";
  /** The Kafka client library the roles used (null on the embedded log). */
  kafka_client: KafkaClientName | null;
  seed: number;
  strategy: Strategy;
  faults: number;
  fault_at_ms: number | null;
  /** Transactions the generator wrote. */
  sent: number;
  /** Transactions the log acknowledged (published). */
  acked: number;
  scored: number;
  alerts: number;
  /** Sent transactions neither scored nor waiting in the input files (see `unpublished`). */
  lost: number;
  /**
   * Sent transactions still in the input folder's files, not published, when the run gave up
   * waiting: not lost, but the scenario fails all the same.
   */
  unpublished: number;
  duplicated: number;
  dead_letters: number;
  restarts: number;
  restarts_by_actor: Record<string, number>;
  /** The last crash of each restarted actor (its path to the error's message). */
  last_error_by_actor: Record<string, string>;
  recovery_ms: number | null;
  throughput_before: number;
  throughput_during: number;
  throughput_after: number;
  seconds: number;
  /** Scored transactions per second, each second from the start of the load to its end. */
  throughput_series: number[];
  /** The same figures under the names the actor-level report uses. */
  messages_sent: number;
  messages_processed: number;
  /** Scenario-specific observations. */
  notes: string[];
  /** Scenario-specific figures (e.g. `lag_peak`), for scripts and tests. */
  details: Record<string, number>;
}

/** What a running scenario can see and touch. */
export interface LoadContext {
  pipeline: Pipeline;
  transport: Transport;
  input: string;
  partitions: number;
  random: () => number;
  /** `performance.now()` when the load started. */
  started: number;
  /** Commit times (`performance.now()`) per partition. */
  commits: Map<number, number[]>;
}

/** A fault: how it changes scoring (optional), when and how it strikes, and when it healed. */
export interface Fault {
  /** Wraps the scorers (to throw, stall or slow down inside a partition actor). */
  wrapScorers?: (scorers: PartitionScorerFactory) => PartitionScorerFactory;
  /** Strikes; called once at the fault moment. Returns how many faults were injected. */
  inject(context: LoadContext): Promise<number> | number;
  /**
   * Resolves once what the fault broke is whole again (a killed node started again); awaited
   * after the drain, before the topics are read back and the report is made.
   *
   * @throws when it cannot be made whole: the scenario fails with that error.
   */
  healed?(): Promise<void>;
  /** When the pipeline had recovered (`performance.now()`), if it did. */
  recoveredAt(context: LoadContext, injectedAt: number): number | undefined;
  /** Extra observations for the report. */
  notes?(context: LoadContext): string[];
  /** Extra figures for the report. */
  details?(context: LoadContext): Record<string, number>;
}

/** Runs the load, injects `fault` between 30% and 60% of it, drains and reconciles. */
export async function runScenario(
  name: string,
  transport: Transport,
  options: ScenarioOptions,
  fault: Fault,
): Promise<ScenarioReport> {
  const random = seededRandom(options.seed);
  const faultAt = options.durationMs * (0.3 + 0.3 * random());
  const topic = `chaos-${name}-${Date.now().toString(36)}`;
  const config = { topic, partitions: 6, replicationFactor: undefined };
  await transport.ensureTopics(topicSpecs(config));
  const scoring: ModelScoring = await modelScoring({
    model: options.model,
    modelsDir: options.modelsDir,
    workers: options.workers,
  });
  const commits = new Map<number, number[]>();
  const events = pipelineEvents();
  if (options.onStatus) sayEvents(events, (line) => options.onStatus!(`${name}: ${line}`));
  events.on("committed", (batch) => {
    let list = commits.get(batch.partition);
    if (!list) commits.set(batch.partition, list = []);
    list.push(performance.now());
  });
  // Made once the model is loaded, and deleted if the pipeline does not start: a scenario that
  // fails to start leaves no folder behind.
  const input = await Deno.makeTempDir({ prefix: `fraudstream-chaos-${name}-` });
  const pipeline = await Pipeline.start({
    // Every id accounted for, to prove each transaction scored once.
    trackIds: true,
    transport,
    input,
    topic,
    partitions: config.partitions,
    encoding: options.encoding,
    groupId: `${topic}-scoring`,
    producerId: topic,
    // On Kafka, every score goes to the scores topic too, to reconcile from the topics.
    emitScores: transport.kind === "kafka",
    scoring: {
      scorers: fault.wrapScorers ? fault.wrapScorers(scoring.scorers) : scoring.scorers,
      children: scoring.children,
    },
    partitionStrategy: options.strategy,
    events,
  }).catch(async (error) => {
    await Deno.remove(input, { recursive: true }).catch(() => {});
    throw error;
  });
  const context: LoadContext = {
    pipeline,
    transport,
    input,
    partitions: config.partitions,
    random,
    started: performance.now(),
    commits,
  };
  const timeline = new Timeline(() => pipeline.consumer.scored, 100);
  let faults = 0;
  let injectedAt: number | undefined;
  let injecting: Promise<void> | undefined;
  const strike = () => {
    injecting ??= (async () => {
      injectedAt = performance.now();
      options.onStatus?.(`${name}: injecting the fault`);
      faults = await fault.inject(context);
    })();
    return injecting;
  };
  const faultTimer = setTimeout(strike, faultAt);
  const status = setInterval(() => {
    // Lag in transactions, as `run` counts it: an Arrow message holds thousands of them.
    const { produced, scored } = pipeline.counts();
    options.onStatus?.(
      `${name}: produced ${produced}, scored ${scored}, lag ${pipeline.unscored()}`,
    );
  }, 2000);
  let sent = 0;
  try {
    sent = (await generateLoad(input, options)).rows;
    // A loaded machine may fire the timer after the load: the fault still strikes, late (the
    // report gives both moments), so that every run has its fault.
    clearTimeout(faultTimer);
    await strike();
    const loadEnded = performance.now();
    await pipeline.drain(input, { timeoutMs: 120_000, signal: options.signal });
    await fault.healed?.();
    timeline.stop();
    const drained = performance.now();
    const recovered = injectedAt !== undefined ? fault.recoveredAt(context, injectedAt) : undefined;
    const duringEnd = injectedAt === undefined
      ? loadEnded
      : Math.min(loadEnded, Math.max(recovered ?? loadEnded, injectedAt + 1000));
    const reconciliation = pipeline.reconcile();
    const deadLetters = pipeline.producer.deadLetters + pipeline.consumer.deadLetters;
    const truth = transport.kind === "kafka"
      ? await settleTopics(transport, {
        topic,
        sent,
        input,
        expectedDeadLetters: deadLetters,
        timeoutMs: 60_000,
        signal: options.signal,
      })
      : undefined;
    const snapshot = pipeline.system.snapshot();
    const restartsByActor: Record<string, number> = {};
    const lastErrorByActor: Record<string, string> = {};
    let restarts = 0;
    const walk = (node: typeof snapshot) => {
      if (node.restarts > 0) {
        restartsByActor[node.path] = node.restarts;
        if (node.lastError) lastErrorByActor[node.path] = node.lastError;
      }
      if (node.kind !== "supervisor") restarts += node.restarts;
      for (const child of node.children ?? []) walk(child);
    };
    walk(snapshot);
    const notes = fault.notes?.(context) ?? [];
    const details: Record<string, number> = {
      fault_planned_ms: Math.round(faultAt),
      ...fault.details?.(context),
    };
    const notProduced = Math.max(
      0,
      sent - reconciliation.produced - pipeline.producer.deadLetters,
    );
    // On Kafka the topics' reconciliation looks in the input files; on the embedded log, here.
    const unpublished = truth?.unpublished ??
      (notProduced > 0 ? await waitingRows(input, await publishedIds(transport, topic)) : 0);
    const ledgerLost = reconciliation.lost + Math.max(0, notProduced - unpublished);
    if (truth) {
      details.ledger_lost = ledgerLost;
      details.ledger_duplicated = reconciliation.duplicates;
      details.duplicated_published = truth.duplicatedPublished;
      if (ledgerLost !== truth.lost || reconciliation.duplicates !== truth.duplicated) {
        notes.push(
          `the pipeline's own ledger counted ${ledgerLost} lost and ${reconciliation.duplicates} ` +
            `duplicated; the topics (the truth) ${truth.lost} and ${truth.duplicated}`,
        );
      }
    }
    const outcome = await pipeline.stop();
    if (outcome.kind === "failed") notes.push(`the pipeline stopped: ${outcome.error.message}`);
    const round = (n: number) => Math.round(n);
    return {
      scenario: name,
      transport: transport.kind,
      kafka_client: transport.kind === "kafka" ? options.kafkaClient : null,
      seed: options.seed,
      strategy: options.strategy,
      faults,
      fault_at_ms: injectedAt === undefined ? null : round(injectedAt - context.started),
      sent,
      acked: truth?.acked ?? reconciliation.produced,
      scored: truth?.scored ?? reconciliation.scored,
      alerts: truth?.alerts ?? pipeline.consumer.alerts,
      lost: truth?.lost ?? ledgerLost,
      unpublished,
      duplicated: truth?.duplicated ?? reconciliation.duplicates,
      dead_letters: truth?.deadLetters ?? deadLetters,
      restarts,
      restarts_by_actor: restartsByActor,
      last_error_by_actor: lastErrorByActor,
      recovery_ms: injectedAt !== undefined && recovered !== undefined
        ? round(recovered - injectedAt)
        : null,
      throughput_before: timeline.rate(context.started + 1000, injectedAt ?? loadEnded),
      throughput_during: injectedAt === undefined ? 0 : timeline.rate(injectedAt, duringEnd),
      throughput_after: timeline.rate(duringEnd, loadEnded),
      seconds: Math.round((performance.now() - context.started) / 10) / 100,
      throughput_series: timeline.perSecond(context.started, drained),
      messages_sent: sent,
      messages_processed: reconciliation.scored,
      notes,
      details,
    };
  } finally {
    clearTimeout(faultTimer);
    clearInterval(status);
    timeline.stop();
    await pipeline.stop().catch(() => {});
    await Deno.remove(input, { recursive: true }).catch(() => {});
  }
}

/** The steady load of a scenario: the stream generator writing files into `input`. */
export function generateLoad(
  input: string,
  options: ScenarioOptions,
): ReturnType<typeof generateStream> {
  return generateStream({
    outDir: input,
    customers: options.customers,
    seed: options.seed,
    speed: 1_000_000,
    rate: options.rate,
    durationMs: options.durationMs,
    batchMs: 250,
    signal: options.signal,
  });
}

/** First commit of any of `partitions` after `after` (`performance.now()` times). */
export function firstCommitAfter(
  context: LoadContext,
  partitions: number[],
  after: number,
): number | undefined {
  let first: number | undefined;
  for (const partition of partitions) {
    const time = context.commits.get(partition)?.find((t) => t > after);
    if (time !== undefined && (first === undefined || time < first)) first = time;
  }
  return first;
}

/** Wraps scorers so that `hook` runs before every batch of every partition. */
export function scorersWith(
  scorers: PartitionScorerFactory,
  hook: (partition: number, rows: number) => Promise<void> | void,
): PartitionScorerFactory {
  return async (partition, actors) => {
    const scorer = await scorers(partition, actors);
    return {
      restore: (records) => scorer.restore(records),
      score: async (columns, options) => {
        await hook(partition, columns.length);
        return scorer.score(columns, options);
      },
      close: () => scorer.close(),
    };
  };
}
