/**
 * How long the pipeline's actors wait on the log before a step counts as hung. A client call that
 * never returns (a request whose answer never comes) would otherwise stall its actor for good,
 * with no error and no restart: a step past its deadline fails the actor instead, and its
 * supervisor's restart fences the stuck client with a new one and resumes from what was committed.
 *
 * @module
 */

import { deadline } from "../lib/async.ts";
import type { TransactionalProducer } from "../log/types.ts";

/**
 * Default longest time for a step of an actor that talks to the log: a partition actor's start,
 * batch or a step of its card-state restore; a producer's start or transaction. Ample for a step
 * retried through a leader election (about 10 s).
 */
export const STEP_DEADLINE_MS = 90_000;

/** Longest wait for a producer to close once its actor stops or fails, in ms. */
export const CLOSE_DEADLINE_MS = 10_000;

/**
 * Closes `producer`, waiting at most `CLOSE_DEADLINE_MS`: a client stuck in a request must not
 * keep its actor from restarting. Never rejects.
 *
 * @example Close whatever the client's state
 * ```ts
 * import { EmbeddedTransport } from "../log/mod.ts";
 * const producer = await new EmbeddedTransport().transactionalProducer("writer");
 * await closeProducer(producer);
 * ```
 */
export async function closeProducer(producer: TransactionalProducer | undefined): Promise<void> {
  if (!producer) return;
  await deadline(producer.close(), CLOSE_DEADLINE_MS, "closing a producer").catch(() => {});
}
