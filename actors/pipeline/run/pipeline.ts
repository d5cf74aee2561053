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
import { OffsetLedger, type OffsetReconciliation } from "../../observe/metrics/offset_ledger.ts";
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
import { type OutputTopics, TOPICS } from "../topics.ts";
import { waitingBatchFiles } from "./batch_folder.ts";
import type { WireEncoding } from "../codec/wire_encoding.ts";

/** What a pipeline needs. */
export interface PipelineOptions {
  transport: Transport;
  /** Folder the generator writes into and the producer watches. */
  input: string;
  topic: string;
  /**
   * Where alerts, scores, dead letters, card states and the producers' ledger go (default the fixed
   * names, `TOPICS`).
   */
  outputTopics?: OutputTopics;
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
  /**
   * Account for every transaction id published and scored (`ledger`), as the benchmarks and
   * chaos scenarios do to prove each was scored once; about 1 µs a transaction on each side.
   * Without it (`run`), the counts of rows published, scored and dead-lettered are reconciled.
   */
  trackIds?: boolean;
  /**
   * Rows published to the topic by producers outside the pipeline (a benchmark's), counted with
   * its own producer's.
   */
  producedElsewhere?: () => number;
}

/** A running pipeline. */
export class Pipeline {
  readonly system: ActorSystem;
  /** The events of its producer and consumers. */
  readonly events: PipelineEmitter;
  /** Every transaction id published and scored, from the events (with `trackIds`). */
  readonly ledger: IdLedger | undefined;
  /** The offset ranges the consumers committed (or went past), from the events. */
  readonly offsets: OffsetLedger;
  readonly producer: ProducerMetrics;
  readonly consumer: ConsumerMetrics;
  /** The latest alerts, from the events. */
  readonly alerts: RecentAlerts;
  /** The transactions topic. */
  readonly topic: string;
  readonly #transport: Transport;
  readonly #producedElsewhere?: () => number;

  private constructor(
    system: ActorSystem,
    parts: {
      events: PipelineEmitter;
      producer: ProducerMetrics;
      consumer: ConsumerMetrics;
      ledger: IdLedger | undefined;
      offsets: OffsetLedger;
      alerts: RecentAlerts;
      transport: Transport;
      producedElsewhere?: () => number;
    },
    topic: string,
  ) {
    this.topic = topic;
    this.system = system;
    this.events = parts.events;
    this.producer = parts.producer;
    this.consumer = parts.consumer;
    this.ledger = parts.ledger;
    this.offsets = parts.offsets;
    this.#transport = parts.transport;
    this.#producedElsewhere = parts.producedElsewhere;
    this.alerts = parts.alerts;
  }

  /** Starts the producer and consumer actors (the generator writes files on its own). */
  static async start(options: PipelineOptions): Promise<Pipeline> {
    const events = options.events ?? pipelineEvents();
    const outputs = options.outputTopics ?? TOPICS;
    const producer = producerMetrics();
    const consumer = consumerMetrics();
    const ledger = options.trackIds ? new IdLedger() : undefined;
    const alerts = new RecentAlerts({ showCardNumbers: options.showCardNumbers });
    if (ledger) {
      events.on("published", (published) => {
        for (const id of published.ids!()) ledger.produced(id);
      });
      events.on("committed", (batch) => {
        for (const id of batch.ids()) ledger.scored(id);
      });
    }
    const offsets = new OffsetLedger();
    events.on(
      "committed",
      (batch) =>
        offsets.committed({ partition: batch.partition, ...batch.offsets, rows: batch.rows }),
    );
    events.on("passed", (range) => offsets.committed({ ...range, rows: 0 }));
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
            topics: {
              transactions: options.topic,
              deadLetters: outputs.deadLetters,
              ledger: outputs.ledger,
            },
            partitions: options.partitions,
            encoding: options.encoding,
            producerId: options.producerId,
            maxFilesPerTrigger: 1000,
            pollMs: 50,
            encoders: options.encoders,
            metrics: producer,
            deletePublished: true,
            publishIds: options.trackIds,
            events,
          })],
        },
        consumerTree({
          transport: options.transport,
          groupId: options.groupId,
          topics: { ...outputs, transactions: options.topic },
          emitScores: options.emitScores,
          scorers: options.scoring.scorers,
          metrics: consumer,
          before: options.scoring.children,
          partitionStrategy: options.partitionStrategy,
          events,
        }),
      ],
    });
    return new Pipeline(system, {
      events,
      producer,
      consumer,
      ledger,
      offsets,
      alerts,
      transport: options.transport,
      producedElsewhere: options.producedElsewhere,
    }, options.topic);
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
    return await poll(
      () => waitingBatchFiles(input) === 0 && this.unscored() === 0,
      { timeoutMs: options.timeoutMs, signal: options.signal, pollMs: 50, failed },
    );
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

  /**
   * Rows published, scored, and dead-lettered by the consumers (undecodable messages and rows
   * whose id was seen before): per id with `trackIds`, else from the roles' counts.
   */
  counts(): { produced: number; scored: number; deadLetters: number } {
    if (this.ledger) return this.ledger.counts();
    return {
      produced: this.producer.rows + (this.#producedElsewhere?.() ?? 0),
      scored: this.consumer.scored,
      deadLetters: this.consumer.deadLetters,
    };
  }

  /** Transactions published and neither scored nor dead-lettered yet (`counts`), at least 0. */
  unscored(): number {
    const { produced, scored, deadLetters } = this.counts();
    return Math.max(0, produced - scored - deadLetters);
  }

  /**
   * Reconciles produced against scored ids (with `trackIds`), or their counts: then what was
   * published and neither scored nor dead-lettered is `lost`, and scorings beyond what was
   * published are `duplicates` (lower bounds: a loss and a duplicate cancel out).
   */
  reconcile(): Reconciliation {
    if (this.ledger) return this.ledger.reconcile();
    const { produced, scored, deadLetters } = this.counts();
    const accounted = scored + deadLetters;
    return {
      produced,
      scored,
      deadLetters,
      lost: Math.max(0, produced - accounted),
      duplicates: Math.max(0, accounted - produced),
      unknown: 0,
      exact: false,
      checksumsMatch: false,
    };
  }

  /**
   * Whether the consumers' committed offset ranges cover each partition of the transactions topic
   * once, up to its end: no offset skipped, none scored twice.
   */
  async reconcileOffsets(): Promise<OffsetReconciliation> {
    return this.offsets.reconcile(await this.#transport.endOffsets(this.topic));
  }

  /** Stops every actor. */
  async stop(): Promise<SystemOutcome> {
    await this.system.shutdown();
    return await this.system.done;
  }
}
