/**
 * The Kafka topics of a bench run: each cell's topics (and consumer group) are deleted once the
 * cell is over, failed or not; what could not be deleted then is tried again at the end of the
 * run, and named in the report if it is still there.
 *
 * @module
 */

import { cellTopics } from "./cell_harness.ts";
import { within } from "./within.ts";

/** Deletes topics and consumer groups (`KafkaTransport.deleteTopicsAndGroups`). */
export interface TopicDeleter {
  /** Deletes `topics` (those that exist) and `groups`; rejects when a topic was not deleted. */
  delete(what: { topics: string[]; groups: string[] }): Promise<void>;
}

/** Longest wait for one deletion, in ms. */
const DELETE_WAIT_MS = 30_000;

/** Deletes each cell's topic after the cell and remembers what is left. */
export class TopicCleanup {
  readonly #left = new Map<string, string>();
  readonly #deleter: TopicDeleter;
  #deleted = 0;

  /** Deletes through `deleter`. */
  constructor(deleter: TopicDeleter) {
    this.#deleter = deleter;
  }

  /**
   * Deletes a cell's topics (its transactions topic `topic` and its output topics) and group; on
   * failure keeps them for `finish`. Never throws.
   */
  async remove(topic: string, groupId: string): Promise<void> {
    const done = await within(
      this.#deleter.delete({ topics: cellTopics(topic), groups: [groupId] }),
      DELETE_WAIT_MS,
    );
    if (done.settled && done.outcome.status === "fulfilled") {
      this.#deleted++;
      this.#left.delete(topic);
    } else this.#left.set(topic, groupId);
  }

  /** Tries again what is left. */
  async finish(): Promise<void> {
    for (const [topic, groupId] of [...this.#left]) await this.remove(topic, groupId);
  }

  /** What the report says about the topics, e.g. `the topics of 12 cell runs, bench-x-*, all deleted`. */
  describe(prefix: string): string {
    const left = [...this.#left.keys()];
    const all = this.#deleted + left.length;
    return left.length === 0
      ? `the topics of ${all} cell runs, ${prefix}-*, all deleted`
      : `the topics of ${all} cell runs, ${prefix}-*; those of ${left.length} could not be ` +
        `deleted: ${left.map((topic) => `${topic}*`).join(", ")}`;
  }
}
