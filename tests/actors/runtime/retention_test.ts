/**
 * What an actor handled is garbage once handled: neither its messages nor its replies stay
 * reachable from the actor's cell. (Each handled message was kept, through the reactions that
 * `Promise.race` left on the incarnation's never-settling crash promise: `run` held gigabytes.)
 */

import assert from "node:assert/strict";
import { ActorSystem } from "../../../actors/runtime/mod.ts";
import { delay } from "../../../actors/lib/async.ts";

const MIB = 1024 * 1024;

/**
 * Counts the objects given to `watch` once they are garbage collected (a finalization registry:
 * unlike a WeakRef, watching does not keep an object alive until the test ends).
 */
function collections() {
  let collected = 0;
  const registry = new FinalizationRegistry(() => collected++);
  return {
    watch: (target: object) => registry.register(target, undefined),
    /** Waits, with allocation pressure that brings collections, until `count` were collected. */
    async until(count: number, timeoutMs = 20_000): Promise<number> {
      const until = Date.now() + timeoutMs;
      while (collected < count && Date.now() < until) {
        // Fresh external memory makes V8 collect.
        new Uint8Array(16 * MIB)[0] = 1;
        await delay(5);
      }
      return collected;
    },
  };
}

Deno.test("an actor's handled messages and its replies are not kept", async () => {
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    children: [{
      kind: "actor",
      id: "sink",
      behavior: () => ({
        handle: (message: { bytes: Uint8Array }) => ({ echo: new Uint8Array(message.bytes) }),
      }),
    }],
  });
  try {
    const sink = system.ref<{ bytes: Uint8Array }, { echo: Uint8Array }>("sink");
    const gc = collections();
    const sent = 32;
    for (let i = 0; i < sent; i++) {
      const bytes = new Uint8Array(MIB);
      gc.watch(bytes);
      gc.watch((await sink.call({ bytes })).echo);
    }
    // The last message and its reply may still be referenced by the cell until the next one.
    const collected = await gc.until(2 * sent - 2);
    assert.ok(
      collected >= 2 * sent - 2,
      `${2 * sent - collected} of ${2 * sent} messages and replies still reachable`,
    );
  } finally {
    await system.shutdown();
  }
});
