import assert from "node:assert/strict";
import {
  ActorSystem,
  DeadLetterError,
  type SupervisorSpec,
  type WorkerSpec,
} from "../../../actors/runtime/mod.ts";
import { waitFor } from "./helpers.ts";

const ENTRY = new URL("./fixtures/test_worker.ts", import.meta.url);

function workerTree(options: Partial<WorkerSpec> = {}): SupervisorSpec {
  return {
    kind: "supervisor",
    id: "root",
    intensity: 10,
    periodMs: 60_000,
    children: [{ kind: "worker", id: "w", behavior: "test", entry: ENTRY, ...options }],
  };
}

function workerSnapshot(system: ActorSystem) {
  return system.snapshot().children![0];
}

Deno.test("a worker actor replies like a main-thread actor", async () => {
  const system = await ActorSystem.start(workerTree());
  try {
    const reply = await system.ref("w").call({ op: "echo", value: { a: [1, 2] } });
    assert.deepEqual(reply, { value: { a: [1, 2] }, restarts: 0 });
    const snapshot = workerSnapshot(system);
    assert.equal(snapshot.kind, "worker");
    assert.equal(snapshot.processed, 1);
  } finally {
    await system.shutdown();
  }
});

for (const op of ["throw", "uncaught", "reject"] as const) {
  Deno.test(`a worker crash (${op}) is reported with its error and the worker restarted`, async () => {
    const system = await ActorSystem.start(workerTree());
    try {
      const ref = system.ref("w");
      await ref.send({ op });
      await waitFor(() => workerSnapshot(system).errors >= 1, { what: "the crash report" });
      const expected = {
        throw: /thrown by the handler/,
        uncaught: /uncaught in a timer/,
        reject: /nobody handles this rejection/,
      }[op];
      assert.match(workerSnapshot(system).lastError ?? "", expected);
      const reply = await ref.call({ op: "echo", value: "after" }) as { restarts: number };
      assert.equal(reply.restarts >= 1, true, "the reply comes from a restarted worker");
      assert.ok(workerSnapshot(system).restarts >= 1);
    } finally {
      await system.shutdown();
    }
  });
}

Deno.test("a hung worker is found by its missed heartbeats, killed and restarted", async () => {
  const system = await ActorSystem.start(
    workerTree({ heartbeat: { intervalMs: 50, timeoutMs: 300 } }),
  );
  try {
    const ref = system.ref("w");
    const started = Date.now();
    assert.equal(await ref.call({ op: "hang-once", marker: "x" }), "recovered");
    const snapshot = workerSnapshot(system);
    assert.equal(snapshot.restarts, 1);
    assert.match(snapshot.lastError ?? "", /did not answer heartbeats/);
    assert.ok(Date.now() - started >= 300);
  } finally {
    await system.shutdown();
  }
});

Deno.test("a message that hangs every incarnation is retried once, then dead-lettered", async () => {
  const system = await ActorSystem.start(
    workerTree({ heartbeat: { intervalMs: 50, timeoutMs: 200 } }),
  );
  try {
    const ref = system.ref("w");
    const hang = ref.call({ op: "hang" });
    const after = ref.call({ op: "echo", value: "still served" });
    await assert.rejects(hang, DeadLetterError);
    assert.deepEqual((await after as { value: string }).value, "still served");
    assert.equal(system.deadLetterCount, 1);
    assert.equal(workerSnapshot(system).restarts, 2);
  } finally {
    await system.shutdown();
  }
});

Deno.test("buffers move to and from a worker by transfer, not copy", async () => {
  const system = await ActorSystem.start(workerTree());
  try {
    const ref = system.ref("w");
    const buffer = new ArrayBuffer(1 << 20);
    new Uint8Array(buffer).fill(1);
    const reply = await ref.call({ op: "bytes", buffer }, { transfer: [buffer] });
    assert.deepEqual(reply, { length: 1 << 20, sum: 1 << 20 });
    assert.equal(buffer.byteLength, 0, "the sender's buffer was detached: it moved, not copied");
    const made = await ref.call({ op: "make", size: 4096 }) as { buffer: ArrayBuffer };
    assert.equal(made.buffer.byteLength, 4096);
    assert.equal(new Uint8Array(made.buffer)[4095], 7);
  } finally {
    await system.shutdown();
  }
});

Deno.test("a message whose buffers moved to a killed worker is refused, not sent again", async () => {
  const system = await ActorSystem.start(
    workerTree({ heartbeat: { intervalMs: 50, timeoutMs: 200 } }),
  );
  try {
    const ref = system.ref("w");
    const buffer = new ArrayBuffer(1024);
    const hang = ref.call({ op: "hang", buffer }, { transfer: [buffer] });
    const after = ref.call({ op: "echo", value: "still served" });
    await assert.rejects(hang, (error: Error) => {
      assert.ok(error instanceof DeadLetterError);
      assert.match(error.message, /moved/);
      return true;
    });
    assert.deepEqual((await after as { value: string }).value, "still served");
    assert.equal(workerSnapshot(system).restarts, 1, "only the hung incarnation was replaced");
  } finally {
    await system.shutdown();
  }
});

Deno.test("messages a worker emits reach onEmit before its reply", async () => {
  const received: unknown[] = [];
  const system = await ActorSystem.start(workerTree({
    onEmit: async (message) => {
      await new Promise((r) => setTimeout(r, 1));
      received.push(message);
    },
  }));
  try {
    assert.equal(await system.ref("w").call({ op: "emit", count: 5 }), "emitted");
    assert.deepEqual(received, [0, 1, 2, 3, 4]);
  } finally {
    await system.shutdown();
  }
});

Deno.test("a worker whose init fails is retried and then escalates without taking the process down", async () => {
  await assert.rejects(
    ActorSystem.start({
      kind: "supervisor",
      id: "root",
      intensity: 1,
      children: [{ kind: "worker", id: "w", behavior: "failsInit", entry: ENTRY }],
    }),
    /gave up.*init failed/,
  );
});

Deno.test("fault injection: a killed worker and a hung worker are restarted, the message retried", async () => {
  const system = await ActorSystem.start(
    workerTree({ heartbeat: { intervalMs: 50, timeoutMs: 300 } }),
  );
  try {
    const ref = system.ref("w");
    assert.deepEqual(await ref.call({ op: "echo", value: 1 }), { value: 1, restarts: 0 });
    system.kill("w", new Error("terminated on purpose"));
    await waitFor(() => workerSnapshot(system).restarts === 1, { what: "the restart after kill" });
    assert.match(workerSnapshot(system).lastError ?? "", /terminated on purpose/);
    system.hang("w", 2000);
    const reply = await ref.call({ op: "echo", value: 2 }) as { restarts: number };
    assert.equal(reply.restarts, 2, "answered by the worker started after the hang was detected");
    assert.match(workerSnapshot(system).lastError ?? "", /did not answer heartbeats/);
  } finally {
    await system.shutdown();
  }
});

Deno.test("a worker whose behaviours are still loading gets the first message once they are", async () => {
  const system = await ActorSystem.start({
    ...workerTree(),
    children: [{
      kind: "worker",
      id: "w",
      behavior: "test",
      entry: new URL("./fixtures/late_registry_worker.ts", import.meta.url),
    }],
  });
  try {
    const reply = await system.ref("w").call({ op: "echo", value: "first" });
    assert.deepEqual(reply, { value: "first", restarts: 0 });
    assert.equal(workerSnapshot(system).errors, 0);
  } finally {
    await system.shutdown();
  }
});
