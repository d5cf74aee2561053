/**
 * The actor that owns one partition: it scores the partition's batches in offset order and writes
 * the alerts, scores, dead letters and card states of each batch in one Kafka transaction that also
 * commits the batch's offsets, so each transaction is scored exactly once across crashes and
 * rebalances.
 *
 * A batch stays columns from the fetched bytes to the scores (`batch_rows.ts`): the scorer
 * computes the rows' features column-wise into one matrix for a scoring worker, and only the rows
 * that raise an alert (and, with `--scores`, each row's id and card) are read back out of the
 * columns. The card states go to the `card-state` topic as the batch's delta, or every so often
 * as a full snapshot (`card_state_log.ts`).
 *
 * On start it fences older owners of the partition (a producer with the same transactional id),
 * reads the committed offset, and restores the card states committed with it, and with them the
 * window of transaction ids seen lately (`seen_ids.ts`): a row whose `trans_num` is in it goes to
 * the dead letters as a duplicate instead of being scored again.
 *
 * @module
 */

import { textsOf } from "../../../model/columns.ts";
import type { ActorSpec } from "../../runtime/mod.ts";
import type {
  OutgoingRecord,
  PartitionBatch,
  TransactionalProducer,
  Transport,
} from "../../log/types.ts";
import type { ConsumerMetrics } from "./metrics.ts";
import { alertRecords, cardStateRecord, cardStateScope } from "./records.ts";
import type { ConsumerActors, PartitionScorer, PartitionScorerFactory } from "./scorer.ts";
import { SeenIds } from "./seen_ids.ts";
import { scoreRecords } from "./score_records.ts";
import { batchRows } from "./batch_rows.ts";
import { CardStateRestore, CardStateWriter, type SnapshotPolicy } from "./card_state_log.ts";
import { allSettledOrThrow, deadline, openWithin } from "../../lib/async.ts";
import type { PipelineEmitter } from "../events.ts";
import { closeProducer, STEP_DEADLINE_MS } from "../step_deadline.ts";

/** Topics a partition actor writes to. */
export interface ConsumerTopics {
  transactions: string;
  alerts: string;
  scores: string;
  deadLetters: string;
  cardState: string;
}

/** What a partition actor needs. */
export interface PartitionActorOptions {
  transport: Transport;
  groupId: string;
  partition: number;
  topics: ConsumerTopics;
  /** Also write every score to the `scores` topic. */
  emitScores: boolean;
  scorers: PartitionScorerFactory;
  /** Finds actors of the consumer's tree (relative to its supervisor) for the scorer. */
  actors: ConsumerActors;
  metrics: ConsumerMetrics;
  /** Asks the group member to fetch the partition again from `offset` (after a gap). */
  seek(offset: number): void;
  /** Told `committed` after each committed batch. */
  events?: PipelineEmitter;
  /**
   * Longest the actor's start or one batch may take, and its card-state restore may go without
   * progress, before it counts as hung and the actor is restarted, in ms (default 90 s).
   */
  stepDeadlineMs?: number;
  /** When to write a full card-state snapshot (default `SNAPSHOT_POLICY`). */
  snapshots?: SnapshotPolicy;
}

/** Id of the actor of `partition`. */
export const partitionActorId = (partition: number) => `p${partition}`;

/** What one incarnation of a partition actor works with. */
interface Incarnation {
  producer: TransactionalProducer;
  scorer: PartitionScorer;
  /** The window of seen ids (restored from the committed state). */
  seen: SeenIds;
  /** Writes the card states (continuing from the restored ones). */
  states: CardStateWriter;
}

/** The supervised actor of one partition. */
export function partitionActor(options: PartitionActorOptions): ActorSpec<PartitionBatch, void> {
  const { transport, groupId, partition, topics, metrics } = options;
  const stateScope = cardStateScope(groupId, topics.transactions);
  // A hung batch would stall, with it, every partition fetched from the same broker (kafkajs
  // fetches again only when a fetch's batches are all handed over).
  const deadlineMs = options.stepDeadlineMs ?? STEP_DEADLINE_MS;
  let producer: TransactionalProducer | undefined;
  let scorer: PartitionScorer | undefined;
  /** Offset up to which this partition is scored and committed, or holds nothing to score. */
  let position = 0;
  /** The offset of a fetch asked for and not seen yet (the group member honours seeks). */
  let seekedTo: number | undefined;
  const requestSeek = () => {
    seekedTo = position;
    options.seek(position);
  };

  /** This incarnation, once its card states are restored. */
  let restoring: Promise<Incarnation> | undefined;

  /**
   * Restores, for the incarnation `opened`, the card states this pipeline committed for the
   * partition (into its scorer) and the seen-id segments committed with them; its card-state
   * writer continues from there.
   */
  async function restore(
    opened: { producer: TransactionalProducer; scorer: PartitionScorer },
  ): Promise<Incarnation> {
    const end = (await transport.endOffsets(topics.cardState))[partition];
    const seen = new SeenIds();
    const states = new CardStateRestore();
    const range = { from: 0, to: end };
    const reading = transport.read({ topic: topics.cardState, partition }, range)[
      Symbol.asyncIterator
    ]();
    try {
      for (;;) {
        // A large restore may take long; one that stops making progress is hung.
        const next = await deadline(
          reading.next(),
          deadlineMs,
          `partition ${partition}: restoring card states`,
        );
        if (next.done) break;
        for (const record of next.value) {
          if (!record.key?.startsWith(stateScope)) continue;
          const key = record.key.slice(stateScope.length);
          // Seen-id records, or card-state records (per-card keys of older versions ignored).
          if (!seen.restore(key, record.value)) states.add(key, record.value, record.headers);
        }
      }
    } finally {
      reading.return?.();
    }
    seen.finishRestore();
    const { records, position } = states.finish();
    metrics.restoredStates += await deadline(
      opened.scorer.restore(records),
      deadlineMs,
      `partition ${partition}: restoring card states`,
    );
    const writer = new CardStateWriter({
      scope: stateScope,
      partition,
      position,
      policy: options.snapshots,
    });
    return { ...opened, seen, states: writer };
  }

  /** Opens the partition's transactional producer (fencing older owners) and scorer. */
  async function start(): Promise<
    { producer: TransactionalProducer; scorer: PartitionScorer; committed: number }
  > {
    const producer = await transport.transactionalProducer(
      `${groupId}-${topics.transactions}-${partition}`,
    );
    try {
      const offsets = await transport.committedOffsets(groupId, topics.transactions);
      const scorer = await options.scorers(partition, options.actors);
      return { producer, scorer, committed: offsets[partition] ?? 0 };
    } catch (error) {
      await closeProducer(producer);
      throw error;
    }
  }

  const close = async (opened: { producer?: TransactionalProducer; scorer?: PartitionScorer }) => {
    opened.scorer?.close();
    await closeProducer(opened.producer);
  };

  const release = async () => {
    const opened = { producer, scorer };
    producer = undefined;
    scorer = undefined;
    restoring = undefined;
    await close(opened);
  };

  return {
    kind: "actor",
    id: partitionActorId(partition),
    mailbox: 4,
    shutdownMs: 30_000,
    behavior: () => ({
      init: async (ctx) => {
        await release();
        const started = await openWithin(
          start(),
          deadlineMs,
          `partition ${partition}: start`,
          close,
        );
        ({ producer, scorer } = started);
        // What this partition's earlier incarnations committed counts too: it is durable even
        // if the group coordinator has not caught up with it yet.
        position = Math.max(position, started.committed);
        // Card states are restored while the other partitions' actors start (their restores run
        // side by side); the first batch waits for it, and a failure there restarts the actor.
        restoring = restore({ producer, scorer });
        restoring.catch(() => {});
        seekedTo = undefined;
        // The batches an earlier incarnation was given are gone with it: fetch them again.
        if (ctx.restarts > 0) requestSeek();
      },
      handle: async (batch) => {
        try {
          const incarnation = await restoring!;
          await deadline(
            handleBatch(batch, incarnation),
            deadlineMs,
            `partition ${partition}: batch from offset ${batch.fetchedOffset}`,
          );
        } catch (error) {
          await release();
          throw error;
        }
      },
      terminate: release,
    }),
  };

  /**
   * Scores `batch` and commits its results with this incarnation's producer, scorer, seen ids and
   * card-state writer (kept by the batch if it hangs).
   */
  async function handleBatch(batch: PartitionBatch, incarnation: Incarnation): Promise<void> {
    const { producer, scorer, seen, states } = incarnation;
    if (batch.fetchedOffset > position) {
      // Fetched past what this incarnation has seen (batches queued before a restart, or after
      // one that failed): fetch again from there, once, and drop such batches until it comes.
      if (seekedTo !== position) requestSeek();
      return;
    }
    seekedTo = undefined;
    const records = batch.records.filter((record) => record.offset >= position);
    if (records.length === 0) {
      // Nothing committed in it (aborted transactions, markers, or records already scored).
      if (batch.nextOffset > position) {
        options.events?.emit("passed", { partition, from: position, to: batch.nextOffset });
      }
      position = Math.max(position, batch.nextOffset);
      return;
    }
    const from = position;
    const started = Date.now();
    const out: { topic: string; records: OutgoingRecord[] }[] = [];
    const { columns, offsets, deadLetters } = batchRows(records, {
      topic: batch.topic,
      partition,
      seen,
    });
    const rows = columns.length;
    let alerts: OutgoingRecord[] = [];
    let scoreMessages: OutgoingRecord[] = [];
    const stateRecords: OutgoingRecord[] = [];
    const last = records[records.length - 1].offset;
    let result;
    if (rows > 0) {
      const now = Date.now();
      result = await scorer.score(columns, { snapshot: states.snapshotDue(now) });
      const { scores, modelVersion } = result;
      alerts = alertRecords(columns, result, { partition, offsets });
      if (options.emitScores) {
        scoreMessages = scoreRecords(columns, scores, { modelVersion, partition, offsets });
      }
      // The batch's delta, or a snapshot when one is due (nothing when no card state changed).
      const { delta, snapshot } = result.cardStates;
      stateRecords.push(...states.records(delta, () => snapshot ?? [], { offset: last, now }));
    }
    for (const { key, value } of seen.takeChanges()) {
      // Kept beside the card states, committed and restored with them.
      stateRecords.push(cardStateRecord(stateScope, key, value, { partition, offset: last }));
    }
    if (alerts.length > 0) out.push({ topic: topics.alerts, records: alerts });
    if (scoreMessages.length > 0) out.push({ topic: topics.scores, records: scoreMessages });
    if (deadLetters.length > 0) out.push({ topic: topics.deadLetters, records: deadLetters });
    if (stateRecords.length > 0) out.push({ topic: topics.cardState, records: stateRecords });
    const next = batch.nextOffset;
    const transaction = await producer.begin();
    try {
      // The topics and the offset in parallel: on Kafka each is a round trip of its own.
      await allSettledOrThrow([
        ...out.map((write) => transaction.send(write.topic, write.records)),
        transaction.commitOffset(groupId, { topic: topics.transactions, partition }, next),
      ]);
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => {});
      throw error;
    }
    states.committed();
    position = next;
    const now = Date.now();
    metrics.batches++;
    metrics.scored += rows;
    metrics.alerts += alerts.length;
    metrics.deadLetters += deadLetters.length;
    metrics.lag[partition] = Math.max(0, batch.highWatermark - next);
    metrics.batchMs.record(now - started);
    for (const record of records) metrics.latencyMs.record(Math.max(0, now - record.timestamp));
    if (result) metrics.modelVersion = result.modelVersion;
    options.events?.emit("committed", {
      partition,
      rows,
      columns,
      scores: result?.scores ?? new Float32Array(0),
      features: result?.features,
      threshold: result?.threshold ?? 1,
      modelVersion: result?.modelVersion ?? "",
      reasons: result?.reasons,
      alerts: alerts.length,
      shadow: result?.shadow,
      deadLetters: deadLetters.length,
      ids: () => textsOf(columns, "trans_num"),
      offsets: { from, to: next },
    });
  }
}
