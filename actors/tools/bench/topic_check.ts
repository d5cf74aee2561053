/**
 * What a Kafka cell's own topic says once the cell is over, independently of the pipeline's
 * ledger: the distinct transactions on the cell's transactions topic (read committed), and
 * whether the cell's consumer group committed every partition to its end. The consumers commit
 * their offsets in the transaction that writes a batch's outputs, so a group committed to the
 * end has scored every transaction of the topic.
 *
 * (The chaos scenarios' `settleTopics` also counts the scores topic; the bench does not publish
 * scores, and the shared alerts and scores topics of a cluster grow with every run, so reading
 * them whole after every cell is not cheap.)
 *
 * @module
 */

import { messageIds } from "../../pipeline/codec/message_ids.ts";
import type { Transport } from "../../log/mod.ts";
import { poll } from "../../lib/async.ts";

/** How long the group's last committed offsets may take to show, in ms. */
const COMMIT_VISIBLE_MS = 10_000;

/** The cell's topic, read back (snake_case, as in the report). */
export interface TopicCheck {
  /** Distinct transactions on the topic. */
  published: number;
  /** Extra copies of transactions published more than once. */
  duplicated_published: number;
  /** Records that could not be decoded. */
  undecodable: number;
  /** Offsets between the group's committed offset and the end, over the partitions. */
  offsets_behind: number;
  /** Distinct transactions scored per the topic: all of them once the group is at the end. */
  scored?: number;
  /** How long reading the topic back took, in seconds. */
  seconds: number;
}

/** Reads the cell's topic back and compares the group's committed offsets with its ends. */
export async function checkCellTopic(
  transport: Transport,
  cell: { topic: string; groupId: string },
): Promise<TopicCheck> {
  const started = performance.now();
  const ends = await transport.endOffsets(cell.topic);
  let offsetsBehind = 0;
  // An offset committed in a transaction shows once the transaction's markers are written, which
  // can trail the commit that the pipeline saw succeed: the last one is waited for a little.
  await poll(async () => {
    const committed = await transport.committedOffsets(cell.groupId, cell.topic);
    offsetsBehind = ends.reduce(
      (sum, end, partition) => sum + Math.max(0, end - Math.max(0, committed[partition] ?? 0)),
      0,
    );
    return offsetsBehind === 0;
  }, { timeoutMs: COMMIT_VISIBLE_MS, pollMs: 200 });
  const copies = new Map<string, number>();
  let undecodable = 0;
  for (const record of await transport.readTopic(cell.topic)) {
    try {
      for (const id of messageIds(record)) copies.set(id, (copies.get(id) ?? 0) + 1);
    } catch {
      undecodable++;
    }
  }
  let duplicated = 0;
  for (const n of copies.values()) duplicated += n - 1;
  return {
    published: copies.size,
    duplicated_published: duplicated,
    undecodable,
    offsets_behind: offsetsBehind,
    scored: offsetsBehind === 0 ? copies.size : undefined,
    seconds: Math.round((performance.now() - started) / 10) / 100,
  };
}

/** What is wrong per the topic, against what the pipeline's ledger produced; empty when fine. */
export function topicCheckFailures(check: TopicCheck, ledgerProduced: number): string[] {
  return [
    check.published !== ledgerProduced
      ? `the topic holds ${check.published} distinct transactions, the ledger says ${ledgerProduced}`
      : "",
    check.duplicated_published > 0
      ? `${check.duplicated_published} transactions published more than once (per the topic)`
      : "",
    check.offsets_behind > 0
      ? `the consumer group did not commit ${check.offsets_behind} offsets of the topic`
      : "",
  ].filter(Boolean);
}
