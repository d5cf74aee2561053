/**
 * The embedded log of `fraudstream run`, which the run alone reads.
 *
 * @module
 */

import { EmbeddedLog } from "../../log/embedded/transport.ts";
import { TOPICS } from "../topics.ts";

/**
 * Bytes kept per partition of the topics a run writes and nothing reads (its alerts, scores and
 * dead letters: no consumer in the process reads them, and nothing outside can reach the embedded
 * log): the last few MiB of each, so that `--scores` does not grow the run by every score.
 */
const WRITE_ONLY_RETENTION_BYTES = 4 * 1024 * 1024;

/**
 * The embedded log of a run, read by the run alone: what it scored is dropped, so its memory
 * follows the transactions in flight (bounded by the back-pressure), not the whole run; the
 * topics nothing reads keep `WRITE_ONLY_RETENTION_BYTES` a partition.
 */
export function runLog(): EmbeddedLog {
  const writeOnly = [TOPICS.alerts, TOPICS.scores, TOPICS.deadLetters];
  return new EmbeddedLog({
    dropConsumed: true,
    topicRetentionBytes: new Map(writeOnly.map((topic) => [topic, WRITE_ONLY_RETENTION_BYTES])),
  });
}
