import assert from "node:assert/strict";
import { ActorSystem } from "../../../actors/runtime/mod.ts";
import { delay } from "../../../actors/lib/async.ts";

Deno.test("a slow consumer bounds what a fast producer has outstanding to its mailbox size", async () => {
  const capacity = 16;
  let processed = 0;
  let maxDepthSeen = 0;
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    children: [{
      kind: "actor",
      id: "slow",
      mailbox: capacity,
      behavior: () => ({
        handle: async () => {
          await delay(1);
          processed++;
        },
      }),
    }],
  });
  const ref = system.ref<number>("slow");
  let sent = 0;
  let maxOutstanding = 0;
  for (let i = 0; i < 400; i++) {
    await ref.send(i);
    sent++;
    maxOutstanding = Math.max(maxOutstanding, sent - processed);
    maxDepthSeen = Math.max(maxDepthSeen, system.snapshot().children![0].mailboxDepth);
  }
  // Everything accepted is either processed, queued (<= capacity), or being handled (1).
  assert.ok(maxOutstanding <= capacity + 1, `outstanding ${maxOutstanding} > ${capacity + 1}`);
  assert.ok(maxDepthSeen <= capacity, `mailbox depth reached ${maxDepthSeen}`);
  assert.ok(
    maxOutstanding >= capacity,
    "the producer did outrun the consumer, so it was held back",
  );
  await system.shutdown();
});

Deno.test("trySend refuses instead of waiting when the mailbox is full", async () => {
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    children: [{
      kind: "actor",
      id: "stuck",
      mailbox: 2,
      shutdownMs: 10,
      behavior: () => ({ handle: () => delay(200) }),
    }],
  });
  const ref = system.ref<number>("stuck");
  const accepted = [0, 1, 2, 3, 4].map((i) => ref.trySend(i));
  // The idle actor takes the first at once, two fill the mailbox, the rest are refused.
  assert.deepEqual(accepted, [true, true, true, false, false]);
  await system.shutdown();
});

Deno.test("a send waiting on a full mailbox gives up when its signal aborts", async () => {
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    children: [{
      kind: "actor",
      id: "stuck",
      mailbox: 1,
      shutdownMs: 10,
      behavior: () => ({ handle: () => delay(500) }),
    }],
  });
  const ref = system.ref<number>("stuck");
  await ref.send(0);
  await delay(5);
  await ref.send(1);
  const abort = new AbortController();
  const blocked = ref.send(2, { signal: abort.signal });
  abort.abort(new Error("gave up"));
  await assert.rejects(blocked, /gave up/);
  assert.equal(system.snapshot().children![0].in, 2, "the aborted message was never accepted");
  await system.shutdown();
});
