/**
 * The producer's ledger: how far each input file has been published, written to a compacted
 * topic in the same transaction as the file's records, so a restarted producer resumes exactly
 * where the last commit left off and never skips or repeats a row. Entries are kept per producer id
 * and transactions topic: a file published to one topic is published again to another (before,
 * a producer with the same id named another `--topic` and published nothing).
 *
 * @module
 */

import type { OutgoingRecord, Transport } from "../../log/types.ts";

/** Compacted topic of ledger entries (a benchmark's producers keep theirs in their own). */
export const LEDGER_TOPIC = "producer-ledger";

/** Progress of one input file. */
export interface LedgerEntry {
  /** Path relative to the input folder. */
  file: string;
  /** Next line to read (1-based). */
  line: number;
  /** Rows published so far. */
  rows: number;
  /** Rows sent to the dead-letter topic so far. */
  bad: number;
  /** True once the whole file is published. */
  done: boolean;
  /** File size when it was first read. */
  size: number;
  /**
   * Offset in the file just past the published lines: a file larger than this has grown since
   * (absent in entries of older versions).
   */
  bytes?: number;
  /** Modification time of the file when it was taken up, in ms since the epoch. */
  mtimeMs?: number;
  /**
   * The transactions topic the file is published to (absent in entries of older versions, which
   * count for every topic, as they did then).
   */
  topic?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The ledger record of `entry` for producer `producerId` publishing to `topic`. */
export function ledgerRecord(
  producerId: string,
  topic: string,
  entry: LedgerEntry,
): OutgoingRecord {
  return {
    key: `${producerId}\u0000${topic}\u0000${entry.file}`,
    partition: 0,
    value: encoder.encode(JSON.stringify({ ...entry, topic })),
  };
}

/** The topics of a producer's ledger entries: the transactions topic and the ledger's own. */
export interface LedgerTopics {
  transactions: string;
  ledger: string;
}

/**
 * Reads the committed ledger of `producerId` publishing to `topics.transactions`, from
 * `topics.ledger`: the latest entry per file, an entry of an older version (which names no topic)
 * counting for any.
 *
 * @example
 * ```ts ignore
 * const entries = await readLedger(transport, "producer-1", {
 *   transactions: "transactions",
 *   ledger: LEDGER_TOPIC,
 * });
 * entries.get("day-1.csv")?.line; // the next line to publish
 * ```
 */
export async function readLedger(
  transport: Transport,
  producerId: string,
  topics: LedgerTopics,
): Promise<Map<string, LedgerEntry>> {
  const entries = new Map<string, LedgerEntry>();
  const ledger = topics.ledger;
  const [end] = await transport.endOffsets(ledger);
  const prefix = `${producerId}\u0000`;
  for await (
    const records of transport.read({ topic: ledger, partition: 0 }, { from: 0, to: end })
  ) {
    for (const record of records) {
      if (!record.key?.startsWith(prefix)) continue;
      const entry = JSON.parse(decoder.decode(record.value)) as LedgerEntry;
      if (entry.topic !== undefined && entry.topic !== topics.transactions) continue;
      entries.set(entry.file, entry);
    }
  }
  return entries;
}
