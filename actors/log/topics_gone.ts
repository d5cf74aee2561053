/**
 * Waiting until deleted topics are gone from the cluster's metadata: a deletion is acknowledged
 * by the controller before every broker has applied it, so a listing right after it may still
 * show the topic.
 *
 * @module
 */

import { poll } from "../lib/async.ts";
import { LogError } from "./types.ts";

/** How long deleted topics may take to leave the metadata, in ms. */
export const TOPICS_GONE_TIMEOUT_MS = 15_000;

/**
 * Resolves once `listTopics` (a metadata request to any broker) names none of `topics`.
 *
 * @example
 * ```ts ignore
 * await admin.deleteTopics({ topics });
 * await topicsGone(() => admin.listTopics(), topics);
 * ```
 * @throws {LogError} (retriable) when one is still listed after `timeoutMs`.
 */
export async function topicsGone(
  listTopics: () => Promise<string[]>,
  topics: string[],
  timeoutMs = TOPICS_GONE_TIMEOUT_MS,
): Promise<void> {
  let left: string[] = topics;
  const gone = await poll(async () => {
    const listed = new Set(await listTopics());
    left = topics.filter((topic) => listed.has(topic));
    return left.length === 0;
  }, { timeoutMs, pollMs: 100 });
  if (!gone) {
    throw new LogError(
      "unavailable",
      `topic${left.length > 1 ? "s" : ""} ${left.join(", ")} still listed ${
        timeoutMs / 1000
      } s after being deleted`,
    );
  }
}
