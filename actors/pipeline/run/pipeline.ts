/**
 * The whole pipeline in one process: the stream generator writes batch files, the producer
 * publishes them, the consumers score them; every transaction id is accounted for. `fraudstream
 * run` and the benchmarks and chaos scenarios build on it.
 *
 * @module
 */

import { type ConsumerMetrics, consumerMetrics, consumerTree } from "../consumer/mod.ts";
import type { CommittedBatch, PartitionScorerFactory } from "../consumer/mod.ts";
import {
  type AlertSummary,
  RecentAlerts,
  type RoleStatus,
} from "../../observe/dashboard/status.ts";
import { IdLedger, type Reconciliation } from "../../observe/metrics/id_ledger.ts";
import { type ProducerMetrics, producerMetrics, producerTree } from "../producer/mod.ts";
import {
  ActorSystem,
  type ChildSpec,
  type Strategy,
  type SystemOutcome,
} from "../../runtime/mod.ts";
import { poll } from "../../lib/async.ts";
import { type Transport } from "../../log/mod.ts";
import { TOPICS } from "../topics.ts";
import { waitingBatchFiles } from "./batch_folder.ts";
import type { WireEncoding } from "../codec/wire_encoding.ts";

/** What a pipeline needs. */
export interface PipelineOptions {
  transport: Transport;
  /** Folder the generator writes into and the producer watches. */
  input: string;
  topic: string;
  partitions: number;
  encoding: WireEncoding;
  groupId: string;
  producerId: string;
  emitScores: boolean;
  /** Keep full card numbers in the recent alerts (`--show-card-numbers`); masked by default. */
  showCardNumbers?: boolean;
  /** Scorer factory and the actors it needs (e.g. a pool of scoring workers). */
  scoring: { scorers: PartitionScorerFactory; children: ChildSpec[] };
  /** Events worth a status line. */
  onEvent?: (line: string) => void;
  /** Extra work per committed batch (e.g. fault injection in chaos scenarios). */
  onCommitted?: (batch: CommittedBatch) => void;
  /** How the partition actors are restarted (default `one_for_one`). */
  partitionStrategy?: Strategy;
}

/** A running pipeline. */
export class Pipeline {
  readonly system: ActorSystem;
  readonly ledger: IdLedger;
  readonly producer: ProducerMetrics;
  readonly consumer: ConsumerMetrics;
  readonly alerts: RecentAlerts;
  readonly startedAt = Date.now();
  readonly transportKind: "kafka" | "embedded";
  /** The transactions topic. */
  readonly topic: string;

  private constructor(
    system: ActorSystem,
    metrics: {
      producer: ProducerMetrics;
      consumer: ConsumerMetrics;
      ledger: IdLedger;
      alerts: RecentAlerts;
    },
    transportKind: "kafka" | "embedded",
    topic: string,
  ) {
    this.topic = topic;
    this.system = system;
    this.producer = metrics.producer;
    this.consumer = metrics.consumer;
    this.ledger = metrics.ledger;
    this.alerts = metrics.alerts;
    this.transportKind = transportKind;
  }

  /** Starts the producer and consumer actors (the generator writes files on its own). */
  static async start(options: PipelineOptions): Promise<Pipeline> {
    const producer = producerMetrics();
    const consumer = consumerMetrics();
    const ledger = new IdLedger();
    const alerts = new RecentAlerts({ showCardNumbers: options.showCardNumbers });
    const system = await ActorSystem.start({
      kind: "supervisor",
      id: "run",
      strategy: "one_for_one",
      intensity: 5,
      periodMs: 60_000,
      children: [
        {
          kind: "supervisor",
          id: "produce",
          intensity: 5,
          periodMs: 60_000,
          backoff: { initialMs: 200, maxMs: 5000 },
          children: [producerTree({
            transport: options.transport,
            input: options.input,
            topics: { transactions: options.topic, deadLetters: TOPICS.deadLetters },
            partitions: options.partitions,
            encoding: options.encoding,
            producerId: options.producerId,
            maxFilesPerTrigger: 1000,
            pollMs: 50,
            metrics: producer,
            deletePublished: true,
            onPublished: (ids) => {
              for (const id of ids) ledger.produced(id);
            },
          })],
        },
        consumerTree({
          transport: options.transport,
          groupId: options.groupId,
          topics: {
            transactions: options.topic,
            alerts: TOPICS.alerts,
            scores: TOPICS.scores,
            deadLetters: TOPICS.deadLetters,
            cardState: TOPICS.cardState,
          },
          emitScores: options.emitScores,
          scorers: options.scoring.scorers,
          metrics: consumer,
          before: options.scoring.children,
          partitionStrategy: options.partitionStrategy,
          onEvent: options.onEvent,
          onCommitted: (batch) => {
            const detectedAt = new Date().toISOString();
            batch.rows.forEach((row, i) => {
              ledger.scored(row.trans_num);
              const score = batch.scores[i];
              if (score >= batch.threshold) {
                alerts.add(alertSummary(row, score, batch.modelVersion, detectedAt));
              }
            });
            options.onCommitted?.(batch);
          },
        }),
      ],
    });
    return new Pipeline(
      system,
      { producer, consumer, ledger, alerts },
      options.transport.kind,
      options.topic,
    );
  }

  /**
   * Waits until everything in the input folder is published and every published transaction is
   * scored (or dead-lettered), the system fails, or the timeout passes. True when drained.
   */
  async drain(
    input: string,
    options: { timeoutMs: number; signal?: AbortSignal },
  ): Promise<boolean> {
    // A system that stopped may still drain what is left; one that failed will not.
    const failed = this.system.done.then((outcome) =>
      outcome.kind === "failed" ? undefined : new Promise<never>(() => {})
    );
    return await poll(() => {
      const { produced, scored, deadLetters } = this.ledger.counts();
      return waitingBatchFiles(input) === 0 && scored + deadLetters >= produced;
    }, { timeoutMs: options.timeoutMs, signal: options.signal, pollMs: 50, failed });
  }

  /** The status snapshot the dashboard and `/metrics` read. */
  status(extra: { generated?: number; modelVersion?: string }): RoleStatus {
    return {
      role: "run",
      startedAt: this.startedAt,
      now: Date.now(),
      transport: this.transportKind,
      ready: this.system.root.state === "running",
      modelVersion: this.consumer.modelVersion ?? extra.modelVersion,
      counters: {
        generated: extra.generated,
        produced: this.producer.rows,
        scored: this.consumer.scored,
        alerts: this.consumer.alerts,
        deadLetters: this.producer.deadLetters + this.consumer.deadLetters,
      },
      lag: this.consumer.lag,
      latency: this.consumer.latencyMs,
      tree: this.system.snapshot(),
      recentAlerts: this.alerts.list(),
    };
  }

  /** Reconciles produced against scored ids. */
  reconcile(): Reconciliation {
    return this.ledger.reconcile();
  }

  /** Stops every actor. */
  async stop(): Promise<SystemOutcome> {
    await this.system.shutdown();
    return await this.system.done;
  }
}

function alertSummary(
  row: CommittedBatch["rows"][number],
  score: number,
  modelVersion: string,
  detectedAt: string,
): AlertSummary {
  return {
    trans_num: row.trans_num,
    cc_num: row.cc_num,
    amt: row.amt,
    category: row.category,
    score,
    event_time: `${row.trans_date}T${row.trans_time}`,
    detected_at: detectedAt,
    model_version: modelVersion,
  };
}
