/**
 * The whole pipeline in one process: the stream generator writes batch files, the producer
 * publishes them, the consumers score them; every transaction id is accounted for. `fraudstream
 * run` and the benchmarks and chaos scenarios build on it.
 *
 * @module
 */

import { type ConsumerMetrics, consumerMetrics, consumerTree } from "../consumer/mod.ts";
import type { PartitionScorerFactory } from "../consumer/mod.ts";
import { followAlerts } from "../consumer/recent_alerts.ts";
import { RecentAlerts, type RoleFigures } from "../../observe/dashboard/status.ts";
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
import { type PipelineEmitter, pipelineEvents } from "../events.ts";
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
  /** The producer's encoder workers (default 1). */
  encoders?: number;
  /**
   * Where the producer and the consumers tell what happens (default: a new emitter): subscribe
   * before the start to miss nothing.
   */
  events?: PipelineEmitter;
  /** How the partition actors are restarted (default `one_for_one`). */
  partitionStrategy?: Strategy;
}

/** A running pipeline. */
export class Pipeline {
  readonly system: ActorSystem;
  /** The events of its producer and consumers. */
  readonly events: PipelineEmitter;
  /** Every transaction id published and scored, from the events. */
  readonly ledger: IdLedger;
  readonly producer: ProducerMetrics;
  readonly consumer: ConsumerMetrics;
  /** The latest alerts, from the events. */
  readonly alerts: RecentAlerts;
  /** The transactions topic. */
  readonly topic: string;

  private constructor(
    system: ActorSystem,
    parts: {
      events: PipelineEmitter;
      producer: ProducerMetrics;
      consumer: ConsumerMetrics;
      ledger: IdLedger;
      alerts: RecentAlerts;
    },
    topic: string,
  ) {
    this.topic = topic;
    this.system = system;
    this.events = parts.events;
    this.producer = parts.producer;
    this.consumer = parts.consumer;
    this.ledger = parts.ledger;
    this.alerts = parts.alerts;
  }

  /** Starts the producer and consumer actors (the generator writes files on its own). */
  static async start(options: PipelineOptions): Promise<Pipeline> {
    const events = options.events ?? pipelineEvents();
    const producer = producerMetrics();
    const consumer = consumerMetrics();
    const ledger = new IdLedger();
    const alerts = new RecentAlerts({ showCardNumbers: options.showCardNumbers });
    events.on("published", ({ ids }) => {
      for (const id of ids) ledger.produced(id);
    });
    events.on("committed", ({ rows }) => {
      for (const row of rows) ledger.scored(row.trans_num);
    });
    followAlerts(events, alerts);
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
            encoders: options.encoders,
            metrics: producer,
            deletePublished: true,
            events,
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
          events,
        }),
      ],
    });
    return new Pipeline(system, { events, producer, consumer, ledger, alerts }, options.topic);
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

  /** What the dashboard and `/metrics` show of the pipeline. */
  figures(extra: { generated?: number; modelVersion?: string }): RoleFigures {
    return {
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
