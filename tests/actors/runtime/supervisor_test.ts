import assert from "node:assert/strict";
import {
  ActorStoppedError,
  ActorSystem,
  DeadLetterError,
  EscalationError,
  type Strategy,
  type SupervisorSpec,
} from "../../../actors/runtime/mod.ts";
import { backoff, delay } from "../../../actors/lib/async.ts";
import { probe, type ProbeMessage, waitFor } from "./helpers.ts";

function tree(
  strategy: Strategy,
  log: string[],
  extra: Partial<SupervisorSpec> = {},
): SupervisorSpec {
  return {
    kind: "supervisor",
    id: "root",
    strategy,
    intensity: 10,
    periodMs: 10_000,
    children: [probe("a", log), probe("b", log), probe("c", log)],
    ...extra,
  };
}

async function crashAndSettle(system: ActorSystem, path: string): Promise<void> {
  await system.ref<ProbeMessage>(path).send("crash").catch(() => {});
  await waitFor(() => system.snapshot().errors > 0, { what: "the crash" });
  await system.settled();
}

Deno.test("children start in order and stop in reverse order", async () => {
  const log: string[] = [];
  const system = await ActorSystem.start(tree("one_for_one", log));
  assert.deepEqual(log, ["start:a", "start:b", "start:c"]);
  await system.shutdown();
  assert.deepEqual(log.slice(3), ["stop:c", "stop:b", "stop:a"]);
  assert.deepEqual(await system.done, { kind: "stopped" });
});

const expectations: Record<Strategy, string[]> = {
  one_for_one: ["start:b"],
  one_for_all: ["stop:c", "stop:a", "start:a", "start:b", "start:c"],
  rest_for_one: ["stop:c", "start:b", "start:c"],
};

for (const [strategy, expected] of Object.entries(expectations) as [Strategy, string[]][]) {
  Deno.test(`${strategy}: a crash of b restarts ${expected.filter((e) => e.startsWith("start")).join(", ")}`, async () => {
    const log: string[] = [];
    const system = await ActorSystem.start(tree(strategy, log));
    log.length = 0;
    await crashAndSettle(system, "b");
    assert.deepEqual(log, expected);
    const restarts = Object.fromEntries(
      system.snapshot().children!.map((child) => [child.id, child.restarts]),
    );
    const restarted = new Set(
      expected.filter((e) => e.startsWith("start:")).map((e) => e.slice(6)),
    );
    for (const id of ["a", "b", "c"]) assert.equal(restarts[id], restarted.has(id) ? 1 : 0, id);
    await system.shutdown();
  });
}

Deno.test("restart types: permanent restarts on any exit, transient on crash, temporary never", async () => {
  const log: string[] = [];
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    intensity: 10,
    children: [
      probe("perm", log, { restart: "permanent" }),
      probe("trans", log, { restart: "transient" }),
      probe("temp", log, { restart: "temporary" }),
      probe("trans2", log, { restart: "transient" }),
    ],
  });
  log.length = 0;
  await system.ref<ProbeMessage>("perm").send("exit");
  await system.ref<ProbeMessage>("trans").send("crash");
  await system.ref<ProbeMessage>("temp").send("crash");
  await system.ref<ProbeMessage>("trans2").send("exit");
  await waitFor(() => log.includes("stop:trans2") && log.includes("start:perm"));
  await waitFor(() =>
    system.snapshot().children!.find((c) => c.id === "trans")!.state === "running"
  );
  await system.settled();
  const byId = Object.fromEntries(system.snapshot().children!.map((c) => [c.id, c]));
  assert.equal(byId.perm.restarts, 1, "permanent child restarted after a normal exit");
  assert.equal(byId.trans.restarts, 1, "transient child restarted after a crash");
  assert.equal(byId.temp.restarts, 0, "temporary child never restarted");
  assert.equal(byId.temp.state, "failed");
  assert.equal(byId.trans2.restarts, 0, "transient child not restarted after a normal exit");
  assert.equal(byId.trans2.state, "stopped");
  await assert.rejects(system.ref<ProbeMessage>("trans2").send("ok"), ActorStoppedError);
  await system.shutdown();
});

Deno.test("one_for_all does not restart a temporary sibling", async () => {
  const log: string[] = [];
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    strategy: "one_for_all",
    intensity: 10,
    children: [probe("temp", log, { restart: "temporary" }), probe("perm", log)],
  });
  log.length = 0;
  await crashAndSettle(system, "perm");
  assert.deepEqual(log, ["stop:temp", "start:perm"]);
  await system.shutdown();
});

Deno.test("more than `intensity` restarts within the period escalates to the root and fails the system", async () => {
  const log: string[] = [];
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    intensity: 10,
    children: [
      probe("first", log),
      {
        kind: "supervisor",
        id: "inner",
        intensity: 2,
        periodMs: 60_000,
        children: [probe("x", log)],
      },
    ],
  });
  // The root restarts `inner` when it gives up; make the root give up too by crashing fast.
  const x = system.ref<ProbeMessage>("inner/x");
  for (let i = 0; i < 3; i++) {
    await x.send("crash");
    await waitFor(() => system.snapshot().children![1].children![0].errors > i);
    await system.settled();
  }
  const inner = system.snapshot().children![1];
  assert.equal(inner.restarts, 1, "the root restarted the inner supervisor once after it gave up");
  assert.equal(inner.children![0].restarts, 3, "x: two restarts by inner, then one with inner");
  assert.equal(inner.state, "running");
  assert.equal(system.snapshot().children![0].restarts, 0, "the root's strategy spared 'first'");
  assert.deepEqual(log.filter((l) => l.endsWith(":first")), ["start:first"]);
  await system.shutdown();
});

Deno.test("the root gives up past its intensity: everything stops in order and done reports failure", async () => {
  const log: string[] = [];
  let now = 0;
  const system = await ActorSystem.start(
    {
      kind: "supervisor",
      id: "root",
      intensity: 1,
      periodMs: 1000,
      children: [probe("a", log), probe("b", log)],
    },
    { now: () => now },
  );
  await crashAndSettle(system, "b");
  now = 500;
  await system.ref<ProbeMessage>("b").send("poison");
  const outcome = await system.done;
  assert.equal(outcome.kind, "failed");
  assert.ok(outcome.kind === "failed" && outcome.error instanceof EscalationError);
  assert.match(
    outcome.kind === "failed" ? outcome.error.message : "",
    /more than 1 restarts within 1000 ms/,
  );
  assert.deepEqual(log.slice(-1), ["stop:a"]);
  await assert.rejects(system.ref<ProbeMessage>("a").send("ok"), ActorStoppedError);
});

Deno.test("restarts older than the period do not count toward the intensity", async () => {
  const log: string[] = [];
  let now = 0;
  const system = await ActorSystem.start(
    { kind: "supervisor", id: "root", intensity: 1, periodMs: 1000, children: [probe("a", log)] },
    { now: () => now },
  );
  for (let i = 0; i < 5; i++) {
    now += 1500;
    await system.ref<ProbeMessage>("a").send("crash");
    await waitFor(() => system.snapshot().children![0].restarts === i + 1);
    await system.settled();
  }
  assert.equal(system.snapshot().state, "running");
  await system.shutdown();
});

Deno.test("messages queued at a crash reach the restarted actor; the failing one is retried once", async () => {
  const seen: string[] = [];
  let failures = 0;
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    intensity: 10,
    children: [{
      kind: "actor",
      id: "worker",
      behavior: () => ({
        handle: async (message: string) => {
          await delay(1);
          if (message === "flaky" && failures++ === 0) throw new Error("first attempt fails");
          if (message === "poison") throw new Error("always fails");
          seen.push(message);
          return message.toUpperCase();
        },
      }),
    }],
  });
  const ref = system.ref<string, string>("worker");
  const replies = ["m1", "flaky", "m2", "poison", "m3"].map((m) => ref.call(m));
  const settled = await Promise.allSettled(replies);
  assert.deepEqual(seen, ["m1", "flaky", "m2", "m3"]);
  assert.deepEqual(settled.map((s) => s.status), [
    "fulfilled",
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
  ]);
  assert.ok((settled[3] as PromiseRejectedResult).reason instanceof DeadLetterError);
  assert.equal(system.deadLetterCount, 1);
  assert.equal(system.deadLetters[0].message, "poison");
  const snapshot = system.snapshot().children![0];
  assert.equal(snapshot.restarts, 3, "flaky once, poison twice");
  assert.equal(snapshot.processed, 4);
  assert.equal(snapshot.deadLetters, 1);
  assert.equal(snapshot.in, 5);
  await system.shutdown();
});

Deno.test("a child that does not stop within its shutdown timeout is killed and its message kept", async () => {
  const log: string[] = [];
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    children: [probe("slow", log, { shutdownMs: 50 })],
  });
  const slow = system.ref<ProbeMessage>("slow");
  await slow.send({ sleep: 2000 });
  await waitFor(() => system.snapshot().children![0].mailboxDepth === 0);
  const started = Date.now();
  const outcome = await system.root.stop("test");
  assert.equal(outcome, "killed");
  assert.ok(Date.now() - started < 1000, "stop must not wait for the slow handler");
  assert.ok(!log.includes("stop:slow"), "a killed actor gets no terminate call");
  assert.equal(
    system.snapshot().children![0].mailboxDepth,
    1,
    "the message in flight was put back",
  );
  await system.shutdown();
});

Deno.test("a child that fails to start counts as a crash and is retried", async () => {
  let attempts = 0;
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    intensity: 5,
    children: [{
      kind: "actor",
      id: "flaky-init",
      behavior: () => ({
        init: () => {
          if (attempts++ < 2) throw new Error("not yet");
        },
        handle: () => "ready",
      }),
    }],
  });
  assert.equal(attempts, 3);
  assert.equal(await system.ref("flaky-init").call("x"), "ready");
  assert.equal(system.snapshot().children![0].restarts, 2);
  await system.shutdown();
});

Deno.test("a child that never starts makes the system fail to start", async () => {
  await assert.rejects(
    ActorSystem.start({
      kind: "supervisor",
      id: "root",
      intensity: 2,
      children: [{
        kind: "actor",
        id: "broken",
        behavior: () => ({
          init: () => {
            throw new Error("no");
          },
        }),
      }],
    }),
    EscalationError,
  );
});

Deno.test("back-off waits between restarts, growing exponentially within bounds", async () => {
  assert.equal(backoff({ initialMs: 100, maxMs: 1000, jitter: 0 }, 1, 0.9), 100);
  assert.equal(backoff({ initialMs: 100, maxMs: 1000, jitter: 0 }, 3, 0.9), 400);
  assert.equal(backoff({ initialMs: 100, maxMs: 1000, jitter: 0 }, 10, 0.9), 1000);
  assert.equal(backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5 }, 1, 0), 50);
  assert.equal(backoff({ initialMs: 100, maxMs: 1000, jitter: 0.5 }, 1, 1), 150);
  const log: string[] = [];
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    intensity: 10,
    backoff: { initialMs: 150, maxMs: 1000, jitter: 0 },
    children: [probe("a", log)],
  });
  const started = Date.now();
  await system.ref<ProbeMessage>("a").send("crash");
  await waitFor(() => system.snapshot().children![0].state === "backoff" || log.length > 1);
  await waitFor(() => log.filter((l) => l === "start:a").length === 2);
  assert.ok(Date.now() - started >= 140, `restart waited ${Date.now() - started} ms`);
  await system.shutdown();
});

Deno.test("shutdown during a back-off wait does not restart the child", async () => {
  const log: string[] = [];
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    backoff: { initialMs: 5000, maxMs: 5000 },
    children: [probe("a", log)],
  });
  await system.ref<ProbeMessage>("a").send("crash");
  await waitFor(() => system.snapshot().errors === 1);
  const started = Date.now();
  await system.shutdown();
  assert.ok(Date.now() - started < 1000);
  assert.deepEqual(log, ["start:a"]);
});

Deno.test("snapshot covers the whole tree with counters", async () => {
  const log: string[] = [];
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    children: [
      probe("a", log, { mailbox: 8 }),
      { kind: "supervisor", id: "sub", strategy: "rest_for_one", children: [probe("b", log)] },
    ],
  });
  await system.ref<ProbeMessage>("a").call("ok");
  await system.ref<ProbeMessage>("sub/b").call("ok");
  const snapshot = system.snapshot();
  assert.equal(snapshot.kind, "supervisor");
  assert.equal(snapshot.processed, 2);
  assert.equal(snapshot.children![0].mailboxCapacity, 8);
  assert.equal(snapshot.children![0].out, 1);
  assert.equal(snapshot.children![1].strategy, "rest_for_one");
  assert.equal(snapshot.children![1].children![0].path, "root/sub/b");
  assert.ok(snapshot.children![0].processingMs.count === 1);
  await system.shutdown();
});

Deno.test("children added at run time are supervised, removable, and gone after a restart", async () => {
  const log: string[] = [];
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    intensity: 10,
    children: [{
      kind: "supervisor",
      id: "partitions",
      intensity: 1,
      periodMs: 60_000,
      children: [],
    }],
  });
  await system.startChild("partitions", probe("p0", log));
  await system.startChild("partitions", probe("p1", log));
  await assert.rejects(
    system.startChild("partitions", probe("p1", log)),
    /duplicate child id 'p1'/,
  );
  await crashAndSettle(system, "partitions/p0");
  const partitions = () => system.snapshot().children![0].children!;
  assert.deepEqual(partitions().map((c) => [c.id, c.restarts]), [["p0", 1], ["p1", 0]]);
  await system.terminateChild("partitions", "p1");
  assert.deepEqual(partitions().map((c) => c.id), ["p0"]);
  assert.ok(log.includes("stop:p1"));
  // Exceeding the intensity restarts `partitions` from its spec: without dynamic children.
  await system.ref<ProbeMessage>("partitions/p0").send("crash");
  await waitFor(() => system.snapshot().children![0].restarts === 1);
  await system.settled();
  assert.deepEqual(partitions(), []);
  await system.shutdown();
});

Deno.test("fault injection: killing a main-thread actor crashes it and its message is retried", async () => {
  const log: string[] = [];
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    children: [probe("a", log)],
  });
  const ref = system.ref<ProbeMessage, string>("a");
  const slow = ref.call({ sleep: 100 });
  await delay(10);
  system.kill("a", new Error("killed on purpose"));
  assert.equal(await slow, "a", "the interrupted message was handled by the next incarnation");
  assert.equal(system.snapshot().children![0].restarts, 1);
  assert.match(system.snapshot().children![0].lastError!, /killed on purpose/);
  await system.shutdown();
});
