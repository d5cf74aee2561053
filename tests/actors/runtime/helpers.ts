/**
 * Helpers shared by the actor runtime tests.
 *
 * @module
 */

import type { ActorSpec, Behavior } from "../../../actors/runtime/mod.ts";
import { delay, poll } from "../../../actors/lib/async.ts";

/** Waits until `condition` holds, failing after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  { timeoutMs = 5000, what = "condition" } = {},
): Promise<void> {
  if (!(await poll(condition, { timeoutMs, pollMs: 5 }))) {
    throw new Error(`timed out waiting for ${what}`);
  }
}

/**
 * Messages understood by a probe actor: `crash` fails its first attempt (its retry succeeds),
 * `poison` fails every attempt, `exit` ends the incarnation normally.
 */
export type ProbeMessage = "ok" | "crash" | "poison" | "exit" | { sleep: number };

/**
 * An actor spec whose incarnations log `start:<id>` and `stop:<id>` into `log`, and which crashes,
 * exits or sleeps on request.
 */
export function probe(
  id: string,
  log: string[],
  options: Partial<ActorSpec> = {},
): ActorSpec<ProbeMessage, string> {
  let retrying = false;
  return {
    kind: "actor",
    id,
    ...options,
    behavior: (): Behavior<ProbeMessage, string> => ({
      init: () => {
        log.push(`start:${id}`);
      },
      handle: async (message, ctx) => {
        if (message === "poison") throw new Error(`${id} poisoned`);
        if (message === "crash") {
          retrying = !retrying;
          if (retrying) throw new Error(`${id} crashed on purpose`);
        }
        if (message === "exit") ctx.exit();
        if (typeof message === "object") await delay(message.sleep);
        return id;
      },
      terminate: () => {
        log.push(`stop:${id}`);
      },
    }),
  };
}
