/**
 * The actor that owns one partition: it scores the partition's batches in offset order and writes
 * the alerts, scores, dead letters and card states of each batch in one Kafka transaction that also
 * commits the batch's offsets, so each transaction is scored exactly once across crashes and
 * rebalances.
 *
 * On start it fences older owners of the partition (a producer with the same transactional id),
 * reads the committed offset, and restores the card states committed with it, and with them the
 * window of transaction ids seen lately (`seen_ids.ts`): a row whose `trans_num` is in it goes to
 * the dead letters as a duplicate instead of being scored again.
 *
 * @module
 */

import { decodeBatch } from "../codec/batch.ts";
import type { Transaction } from "../../../model/schema.ts";
import type { ActorSpec } from "../../runtime/mod.ts";
import type {
  OutgoingRecord,
  PartitionBatch,
  TransactionalProducer,
  Transport,
} from "../../log/types.ts";
import type { ConsumerMetrics } from "./metrics.ts";
import {
  alertRecord,
  cardStateRecord,
  cardStateScope,
  duplicateRecord,
  scoreRecord,
  undecodableRecord,
} from "./records.ts";
import type { ConsumerActors, PartitionScorer, PartitionScorerFactory } from "./scorer.ts";
import { SeenIds, segmentKey, segmentSlot } from "./seen_ids.ts";
import { deadline } from "../../lib/async.ts";
import type { PipelineEmitter } from "../events.ts";

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
}

/** Id of the actor of `partition`. */
export const partitionActorId = (partition: number) => `p${partition}`;

/**
 * Default longest time for a partition actor's start, a step of its card-state restore, or a
 * batch: a hung batch would otherwise stall, with it, every partition fetched from the same broker
 * (kafkajs fetches again only when a fetch's batches are all handed over). Ample for a batch
 * retried through a leader election (about 10 s).
 */
const STEP_DEADLINE_MS = 90_000;

/** The supervised actor of one partition. */
export function partitionActor(options: PartitionActorOptions): ActorSpec<PartitionBatch, void> {
  const { transport, groupId, partition, topics, metrics } = options;
  const stateScope = cardStateScope(groupId, topics.transactions);
  const deadlineMs = options.stepDeadlineMs ?? STEP_DEADLINE_MS;
  let producer: TransactionalProducer | undefined;
  let scorer: PartitionScorer | undefined;
  /** This incarnation's window of seen ids (restored from the committed state). */
  let seen: SeenIds | undefined;
  /** Offset up to which this partition is scored and committed, or holds nothing to score. */
  let position = 0;
  /** The offset of a fetch asked for and not seen yet (the group member honours seeks). */
  let seekedTo: number | undefined;
  const requestSeek = () => {
    seekedTo = position;
    options.seek(position);
  };

  /** The restore of this incarnation's card states. */
  let restoring: Promise<void> | undefined;

  /**
   * Restores into `target` the card states this pipeline committed for the partition, and into
   * `ids` the seen-id segments committed with them.
   */
  async function restoreCardStates(target: PartitionScorer, ids: SeenIds): Promise<void> {
    const end = (await transport.endOffsets(topics.cardState))[partition];
    let restored = 0;
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
          const slot = segmentSlot(key);
          if (slot >= 0) ids.restore(slot, record.value);
          else {
            target.restore(key, record.value);
            restored++;
          }
        }
      }
    } finally {
      reading.return?.();
    }
    ids.finishRestore();
    metrics.restoredStates += restored;
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
      await producer.close().catch(() => {});
      throw error;
    }
  }

  const close = async (opened: { producer?: TransactionalProducer; scorer?: PartitionScorer }) => {
    opened.scorer?.close();
    await opened.producer?.close().catch(() => {});
  };

  const release = async () => {
    const opened = { producer, scorer };
    producer = undefined;
    scorer = undefined;
    seen = undefined;
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
        const starting = start();
        let started;
        try {
          started = await deadline(starting, deadlineMs, `partition ${partition}: start`);
        } catch (error) {
          // Should the start still finish, what it opened is not this incarnation's to keep.
          starting.then(close, () => {});
          throw error;
        }
        ({ producer, scorer } = started);
        seen = new SeenIds();
        // What this partition's earlier incarnations committed counts too: it is durable even
        // if the group coordinator has not caught up with it yet.
        position = Math.max(position, started.committed);
        // Card states are restored while the other partitions' actors start (their restores run
        // side by side); the first batch waits for it, and a failure there restarts the actor.
        restoring = restoreCardStates(scorer, seen);
        restoring.catch(() => {});
        seekedTo = undefined;
        // The batches an earlier incarnation was given are gone with it: fetch them again.
        if (ctx.restarts > 0) requestSeek();
      },
      handle: async (batch) => {
        try {
          await restoring;
          await deadline(
            handleBatch(batch, { producer: producer!, scorer: scorer!, seen: seen! }),
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
   * Scores `batch` and commits its results with this incarnation's producer, scorer and seen ids
   * (kept by the batch if it hangs).
   */
  async function handleBatch(
    batch: PartitionBatch,
    { producer, scorer, seen }: {
      producer: TransactionalProducer;
      scorer: PartitionScorer;
      seen: SeenIds;
    },
  ): Promise<void> {
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
      position = Math.max(position, batch.nextOffset);
      return;
    }
    const started = Date.now();
    const out: { topic: string; records: OutgoingRecord[] }[] = [];
    const decoded = decodeBatch(records);
    const deadLetters = decoded.failures.map(({ index, error }) =>
      undecodableRecord(records[index], { topic: batch.topic, partition, reason: error.message })
    );
    // A transaction id seen before (in an earlier batch or earlier in this one) is a duplicate.
    const rows: Transaction[] = [];
    const origins: number[] = [];
    for (let i = 0; i < decoded.rows.length; i++) {
      const row = decoded.rows[i];
      if (seen.has(row.trans_num)) {
        const source = { partition, offset: records[decoded.origins[i]].offset };
        deadLetters.push(duplicateRecord(row, { topic: batch.topic, source }));
        continue;
      }
      seen.add(row.trans_num);
      rows.push(row);
      origins.push(decoded.origins[i]);
    }
    const alerts: OutgoingRecord[] = [];
    const scoreRecords: OutgoingRecord[] = [];
    const states: OutgoingRecord[] = [];
    const last = records[records.length - 1].offset;
    let result;
    if (rows.length > 0) {
      result = await scorer.score(rows);
      const detectedAt = new Date();
      for (let i = 0; i < rows.length; i++) {
        const score = result.scores[i];
        const alert = score >= result.threshold;
        if (!alert && !options.emitScores) continue;
        const source = { partition, offset: records[origins[i]].offset };
        if (alert) {
          alerts.push(alertRecord(rows[i], {
            score,
            threshold: result.threshold,
            modelVersion: result.modelVersion,
            detectedAt,
            source,
          }));
        }
        if (options.emitScores) {
          scoreRecords.push(
            scoreRecord(rows[i], { score, modelVersion: result.modelVersion, source }),
          );
        }
      }
      for (const [card, state] of result.changed) {
        states.push(cardStateRecord(stateScope, card, state, { partition, offset: last }));
      }
    }
    for (const { slot, value } of seen.takeChanges()) {
      // Kept beside the card states, committed and restored with them.
      states.push(
        cardStateRecord(stateScope, segmentKey(slot), value, { partition, offset: last }),
      );
    }
    if (alerts.length > 0) out.push({ topic: topics.alerts, records: alerts });
    if (scoreRecords.length > 0) out.push({ topic: topics.scores, records: scoreRecords });
    if (deadLetters.length > 0) out.push({ topic: topics.deadLetters, records: deadLetters });
    if (states.length > 0) out.push({ topic: topics.cardState, records: states });
    const next = batch.nextOffset;
    const transaction = await producer.begin();
    try {
      for (const write of out) await transaction.send(write.topic, write.records);
      await transaction.commitOffset(groupId, { topic: topics.transactions, partition }, next);
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => {});
      throw error;
    }
    position = next;
    const now = Date.now();
    metrics.batches++;
    metrics.scored += rows.length;
    metrics.alerts += alerts.length;
    metrics.deadLetters += deadLetters.length;
    metrics.lag[partition] = Math.max(0, batch.highWatermark - next);
    metrics.batchMs.record(now - started);
    for (const record of records) metrics.latencyMs.record(Math.max(0, now - record.timestamp));
    if (result) metrics.modelVersion = result.modelVersion;
    options.events?.emit("committed", {
      partition,
      rows,
      scores: result?.scores ?? new Float32Array(0),
      threshold: result?.threshold ?? 1,
      modelVersion: result?.modelVersion ?? "",
      alerts: alerts.length,
      deadLetters: deadLetters.length,
    });
  }
}
