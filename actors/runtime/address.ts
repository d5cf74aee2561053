/**
 * Typed addresses of actors, made from their specs: what `ActorContext.sibling` resolves to a
 * reference without a cast.
 *
 * @module
 */

import type { ActorAddress, ActorSpec, WorkerSpec } from "./types.ts";

/**
 * The address of the actor `spec` describes, below the supervisor at `under` (a path relative
 * to the asker's parent; "" when the actor is the asker's sibling).
 *
 * @example A worker of the pool `encoders`, as a sibling of the pool finds it
 * ```ts
 * const encoder: WorkerSpec<string, Uint8Array> = { kind: "worker", id: "encode-0", behavior: "x" };
 * const address = addressOf(encoder, "encoders"); // ActorAddress<string, Uint8Array>
 * // in the sibling: ctx.sibling(address) is an ActorRef<string, Uint8Array> to encoders/encode-0
 * ```
 */
export function addressOf<M, R>(
  // deno-lint-ignore no-explicit-any
  spec: ActorSpec<M, R> | WorkerSpec<M, R, any, any>,
  under = "",
): ActorAddress<M, R> {
  return { path: under ? `${under}/${spec.id}` : spec.id };
}
