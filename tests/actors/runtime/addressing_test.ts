import assert from "node:assert/strict";
import {
  type ActorAddress,
  type ActorRef,
  ActorSystem,
  addressOf,
  type SupervisorSpec,
  workerSpecs,
} from "../../../actors/runtime/mod.ts";
import { poll } from "../../../actors/lib/async.ts";

const ENTRY = new URL("./fixtures/test_worker.ts", import.meta.url);

/** The fixture worker's `test` behaviour, as a worker map types it. */
interface TestWorkers {
  test: {
    args: undefined;
    request: { op: "echo"; value: unknown };
    reply: { value: unknown; restarts: number };
    emit: never;
  };
}

const testWorkers = workerSpecs<TestWorkers>({ entry: () => ENTRY });

Deno.test("a pool built from a worker map has its supervisor, its workers and their addresses", () => {
  const pool = testWorkers.pool("test", {
    id: "echoes",
    member: "echo",
    size: 2,
    mailbox: 8,
    heartbeat: { timeoutMs: 5000 },
  });
  assert.deepEqual(pool.members.map((member) => member.path), ["echoes/echo-0", "echoes/echo-1"]);
  assert.equal(pool.spec.strategy, "one_for_one");
  assert.deepEqual(
    pool.spec.children.map((child) => [child.id, child.kind === "worker" && child.behavior]),
    [["echo-0", "test"], ["echo-1", "test"]],
  );
  const worker = pool.spec.children[0];
  assert.ok(worker.kind === "worker");
  assert.equal(worker.entry, ENTRY, "the builder's entry, as none was given");
  assert.equal(worker.mailbox, 8);
  const elsewhere = new URL("./fixtures/late_registry_worker.ts", import.meta.url);
  assert.equal(testWorkers.worker("test", { id: "w", entry: elsewhere }).entry, elsewhere);
});

Deno.test("the worker map types names, requests and replies", () => {
  // @ts-expect-error: no behaviour of that name in the map
  testWorkers.worker("tset", { id: "w" });
  const spec = testWorkers.worker("test", { id: "w" });
  const address: ActorAddress<{ op: "echo"; value: unknown }, { restarts: number }> = addressOf(
    spec,
  );
  // @ts-expect-error: the request type of `test` is not a string
  const wrong: ActorAddress<string, unknown> = addressOf(spec);
  assert.equal(address.path, "w");
  assert.equal(wrong.path, "w");
  assert.equal(addressOf(spec, "pool").path, "pool/w");
});

Deno.test("ctx.sibling finds a sibling and a child of a sibling, however deep the tree", async () => {
  const pool = testWorkers.pool("test", {
    id: "echoes",
    member: "echo",
    size: 2,
    mailbox: 8,
    heartbeat: {},
  });
  const replies: unknown[] = [];
  const counter = {
    kind: "actor" as const,
    id: "counter",
    behavior: () => {
      let count = 0;
      return { handle: (n: number) => (count += n) };
    },
  };
  let paths: string[] = [];
  // The asker sits two levels below the root: `root/role/asker`.
  const spec: SupervisorSpec = {
    kind: "supervisor",
    id: "root",
    children: [{
      kind: "supervisor",
      id: "role",
      children: [pool.spec, counter, {
        kind: "actor",
        id: "asker",
        restart: "temporary",
        behavior: () => ({
          run: async (ctx) => {
            const echoes = pool.members.map((member) => ctx.sibling(member));
            const count: ActorRef<number, number> = ctx.sibling(addressOf(counter));
            paths = [...echoes.map((echo) => echo.path), count.path];
            for (const [i, echo] of echoes.entries()) {
              replies.push((await echo.call({ op: "echo", value: i })).value);
            }
            replies.push(await count.call(5));
          },
        }),
      }],
    }],
  };
  const system = await ActorSystem.start(spec);
  try {
    assert.ok(await poll(() => replies.length >= 3, { timeoutMs: 5000 }), "the asker is done");
    assert.deepEqual(paths, [
      "root/role/echoes/echo-0",
      "root/role/echoes/echo-1",
      "root/role/counter",
    ]);
    assert.deepEqual(replies, [0, 1, 5]);
  } finally {
    await system.shutdown();
  }
});

Deno.test("ActorSystem.ref takes a typed address of a root child", async () => {
  const spec = testWorkers.worker("test", { id: "w" });
  const system = await ActorSystem.start({ kind: "supervisor", id: "root", children: [spec] });
  try {
    const reply = await system.ref(addressOf(spec)).call({ op: "echo", value: "typed" });
    assert.deepEqual(reply, { value: "typed", restarts: 0 });
  } finally {
    await system.shutdown();
  }
});

Deno.test("a worker without an entry, in a system without one, fails to start saying so", async () => {
  const error = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    intensity: 0,
    children: [{ kind: "worker", id: "w", behavior: "test" }],
  }).then(async (system) => {
    await system.shutdown();
    return undefined;
  }, (error: unknown) => error);
  assert.ok(error instanceof Error, "the start fails");
  assert.match(String(error), /worker actor 'root\/w' crashed: no module hosts it/);
});

Deno.test("a worker without an entry runs on the system's workerEntry", async () => {
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    children: [{ kind: "worker", id: "w", behavior: "test" }],
  }, { workerEntry: ENTRY });
  try {
    assert.deepEqual(await system.ref("w").call({ op: "echo", value: 1 }), {
      value: 1,
      restarts: 0,
    });
  } finally {
    await system.shutdown();
  }
});
