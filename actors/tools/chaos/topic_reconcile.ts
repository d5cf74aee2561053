/**
 * Reconciliation from the Kafka topics themselves (read committed): every transaction published
 * once, scored once, alerted at most once, and every bad input in the dead-letter topic. The
 * independent check of what the pipeline's own ledger says.
 *
 * @module
 */

import { messageIds } from "../../pipeline/codec/message_ids.ts";
import { poll } from "../../lib/async.ts";
import { type LogRecord, type Transport } from "../../log/mod.ts";
import { TOPICS } from "../../pipeline/topics.ts";
import { waitingRows } from "./waiting_rows.ts";

/** What the topics say once a run has settled. */
export interface TopicReconciliation {
  /** Distinct transactions in the transactions topic. */
  acked: number;
  /** Distinct published transactions with a score. */
  scored: number;
  /** Distinct published transactions with an alert. */
  alerts: number;
  /**
   * Sent transactions neither scored nor waiting: published without a score, or gone before the
   * log had them.
   */
  lost: number;
  /**
   * Sent transactions not in the log but still in the input folder's files (with `input`): not
   * lost, not yet published either.
   */
  unpublished: number;
  /** Extra copies: transactions published, scored or alerted more than once. */
  duplicated: number;
  /** Of which transactions published more than once. */
  duplicatedPublished: number;
  /** Dead letters of this run's topic. */
  deadLetters: number;
}

/** Which run to reconcile. */
export interface SettleOptions {
  /** The transactions topic. */
  topic: string;
  /** Valid transactions the generator wrote. */
  sent: number;
  /** The run's input folder: sent transactions not in the log are looked for there. */
  input?: string;
  /** Bad inputs expected in the dead-letter topic. */
  expectedDeadLetters?: number;
  timeoutMs: number;
  /** Stops waiting (the figures are then taken as they are). */
  signal?: AbortSignal;
}

const decoder = new TextDecoder();
const json = (record: LogRecord) => JSON.parse(decoder.decode(record.value));

function countBy<T>(items: Iterable<T>, key: (item: T) => string | undefined): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

function extraCopies(counts: Map<string, number>): number {
  let extra = 0;
  for (const n of counts.values()) extra += n - 1;
  return extra;
}

/**
 * Waits until every sent transaction is published and every published one is scored (or the
 * time runs out), then reconciles by transaction id from the topics (and, for what the log does
 * not hold, from the input folder's files).
 */
export async function settleTopics(
  transport: Transport,
  options: SettleOptions,
): Promise<TopicReconciliation> {
  let seen!: RunTopics;
  await poll(async () => {
    seen = await readRun(transport, options.topic);
    const { published, scores, deadLetters } = seen;
    return published.size >= options.sent && scores.size >= published.size &&
      deadLetters >= (options.expectedDeadLetters ?? 0);
  }, { timeoutMs: options.timeoutMs, signal: options.signal, pollMs: 2000 });
  const { published, scores, deadLetters } = seen;
  const alerts = countBy(await transport.readTopic(TOPICS.alerts), (record) => {
    const id = json(record).trans_num;
    return published.has(id) ? id : undefined;
  });
  const duplicatedPublished = extraCopies(published);
  const missing = Math.max(0, options.sent - published.size);
  const unpublished = missing > 0 && options.input !== undefined
    ? await waitingRows(options.input, published)
    : 0;
  return {
    acked: published.size,
    scored: scores.size,
    alerts: alerts.size,
    lost: published.size - scores.size + Math.max(0, missing - unpublished),
    unpublished,
    duplicated: duplicatedPublished + extraCopies(scores) + extraCopies(alerts),
    duplicatedPublished,
    deadLetters,
  };
}

/** Copies per transaction id on the transactions and scores topics, and the run's dead letters. */
interface RunTopics {
  published: Map<string, number>;
  scores: Map<string, number>;
  deadLetters: number;
}

/** Copies per transaction id on the transactions topic `topic` (read committed). */
export async function publishedIds(
  transport: Transport,
  topic: string,
): Promise<Map<string, number>> {
  const published = new Map<string, number>();
  for (const record of await transport.readTopic(topic)) {
    try {
      for (const id of messageIds(record)) published.set(id, (published.get(id) ?? 0) + 1);
    } catch {
      // garbage on the topic: the consumers dead-letter it
    }
  }
  return published;
}

/** What the topics hold of the run now. */
async function readRun(transport: Transport, topic: string): Promise<RunTopics> {
  const published = await publishedIds(transport, topic);
  const scores = countBy(await transport.readTopic(TOPICS.scores), (record) => {
    const id = json(record).trans_num;
    return published.has(id) ? id : undefined;
  });
  const deadLetters = (await transport.readTopic(TOPICS.deadLetters))
    .filter((record) => json(record).topic === topic).length;
  return { published, scores, deadLetters };
}
