import assert from "node:assert/strict";
import { ActorSystem, DeadLetterError } from "../../../actors/runtime/mod.ts";
import { delay } from "../../../actors/lib/async.ts";

const ENTRY = new URL("./fixtures/test_worker.ts", import.meta.url);

function startWorker(ahead: number): Promise<ActorSystem> {
  return ActorSystem.start({
    kind: "supervisor",
    id: "root",
    intensity: 10,
    periodMs: 60_000,
    children: [{ kind: "worker", id: "w", behavior: "test", entry: ENTRY, ahead }],
  });
}

/** Blocks this thread for `ms`, as a long synchronous computation would; returns when it ended. */
function blockMainThread(ms: number): number {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // spin
  }
  return until;
}

for (const ahead of [1, 3]) {
  Deno.test(`a worker with ahead ${ahead} ${ahead > 1 ? "works through" : "waits out"} a busy main thread`, async () => {
    const system = await startWorker(ahead);
    try {
      const ref = system.ref("w");
      let started = 0;
      const posted = Promise.withResolvers<void>();
      const onStarted = () => {
        if (++started === ahead) posted.resolve();
      };
      const calls = [0, 1, 2].map(() =>
        ref.call({ op: "spin", ms: 100 }, { onStarted }) as Promise<{ startedAt: number }>
      );
      // Every message the worker may hold is posted (at once: well before the first is answered);
      // then the main thread is busy for a while.
      await Promise.race([posted.promise, delay(50)]);
      const blockEnd = blockMainThread(500);
      const replies = await Promise.all(calls);
      if (ahead > 1) {
        assert.ok(
          replies[2].startedAt < blockEnd,
          "the third message was handled during the block",
        );
      } else {
        assert.ok(
          replies[1].startedAt >= blockEnd,
          "the second message waited for the main thread",
        );
      }
      assert.equal(started, 3);
    } finally {
      await system.shutdown();
    }
  });
}

Deno.test("messages posted ahead to a worker that crashes are retried once, or dead-lettered when their buffers moved with it", async () => {
  const system = await startWorker(3);
  try {
    const ref = system.ref("w");
    // The first keeps the worker busy while the next two are posted behind it.
    const first = ref.call({ op: "spin", ms: 100 });
    const failing = ref.call({ op: "throw-once" });
    const buffer = new Uint8Array([1, 2, 3]).buffer;
    const moved = assert.rejects(
      ref.call({ op: "bytes", buffer }, { transfer: [buffer] }),
      DeadLetterError,
    );
    const later = ref.call({ op: "echo", value: "after" });
    assert.ok("startedAt" in (await first as object));
    assert.equal(await failing, "recovered");
    await moved;
    assert.deepEqual(await later, { value: "after", restarts: 1 });
    const snapshot = system.snapshot().children![0];
    assert.equal(snapshot.restarts, 1);
    assert.equal(snapshot.deadLetters, 1);
  } finally {
    await system.shutdown();
  }
});

Deno.test("a worker killed while it holds a posted message and waits for more retries that message", async () => {
  const system = await startWorker(3);
  try {
    const ref = system.ref("w");
    const posted = Promise.withResolvers<void>();
    const reply = ref.call({ op: "spin", ms: 300 }, { onStarted: posted.resolve }) as Promise<
      { startedAt: number }
    >;
    // Posted, and the mailbox empty: the cell waits for a next message or the answer.
    await posted.promise;
    system.kill("w", new Error("terminated on purpose"));
    const answer = await Promise.race([reply, delay(10_000).then(() => "no answer")]);
    assert.notEqual(answer, "no answer", "the posted message was answered after the restart");
    assert.equal(system.snapshot().children![0].restarts, 1);
  } finally {
    await system.shutdown();
  }
});
