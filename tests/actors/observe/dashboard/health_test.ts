import assert from "node:assert/strict";
import { startStatusServer } from "../../../../actors/observe/dashboard/server.ts";
import type { RoleStatus } from "../../../../actors/observe/dashboard/status.ts";
import { ActorSystem, type SupervisorSpec } from "../../../../actors/runtime/mod.ts";
import { delay, poll } from "../../../../actors/lib/async.ts";
import { parsePrometheus } from "../../../fixtures/prometheus.ts";

/** The role's view of itself, as the roles build it: ready while its root supervisor runs. */
function roleStatus(system: ActorSystem): () => RoleStatus {
  return () => ({
    role: "test",
    startedAt: Date.now(),
    now: Date.now(),
    transport: "embedded",
    ready: system.root.state === "running",
    counters: {},
    lag: [],
    tree: system.snapshot(),
    recentAlerts: [],
  });
}

/** `/healthz`, `/api/status` and `/metrics` of `system`'s role once `/healthz` answers `want`. */
async function healthOnce(system: ActorSystem, want: number) {
  const server = startStatusServer({ host: "127.0.0.1", port: 0, status: roleStatus(system) });
  try {
    let health!: { status: number; text: string };
    await poll(async () => {
      const response = await fetch(`${server.url}healthz`);
      health = { status: response.status, text: await response.text() };
      return health.status === want;
    }, { timeoutMs: 10_000, pollMs: 20 });
    const json = await (await fetch(`${server.url}api/status`)).json();
    const metrics = parsePrometheus(await (await fetch(`${server.url}metrics`)).text());
    const up = metrics.get("fraudstream_up")!.samples[0].value;
    return { status: health.status, text: health.text, json, up };
  } finally {
    await server.close();
  }
}

/** A role whose one actor fails `failures` times (every time for Infinity), `runMs` into each run. */
function failingRole(
  failures: number,
  supervision: Partial<SupervisorSpec> = {},
  runMs = 30,
): SupervisorSpec {
  let runs = 0;
  return {
    kind: "supervisor",
    id: "role",
    intensity: 1000,
    periodMs: 60_000,
    backoff: { initialMs: 20, maxMs: 100 },
    ...supervision,
    children: [{
      kind: "actor",
      id: "publish",
      behavior: () => ({
        run: async (ctx) => {
          if (runs++ < failures) {
            await delay(runMs, ctx.signal);
            throw new Error("the transaction failed: message too large");
          }
          await delay(60_000, ctx.signal);
        },
      }),
    }],
  };
}

Deno.test("a role whose actor keeps failing is not healthy: /healthz 503, /api/status not ready, up 0", async () => {
  // Each run lasts 1 s before it fails: mostly running, restarted again and again.
  const system = await ActorSystem.start(failingRole(Infinity, {}, 1000));
  try {
    const publisher = () => system.snapshot().children![0];
    const running = await poll(
      () => publisher().restarts >= 2 && publisher().state === "running",
      { timeoutMs: 10_000 },
    );
    assert.ok(running, "restarted twice, running again");
    const { status, text, json, up } = await healthOnce(system, 503);
    assert.equal(status, 503);
    assert.equal(system.root.state, "running", "the supervisor itself still runs");
    assert.match(text, /^not ready\n/);
    assert.match(
      text,
      /role restarted its children [2-9] times in 60 s; last crash: role\/publish: .*message too large/,
    );
    assert.equal(json.ready, false);
    assert.ok(json.problems.length > 0);
    assert.equal(up, 0);
  } finally {
    await system.shutdown();
  }
});

Deno.test("a role whose actor crashed and waits for its restart is not healthy", async () => {
  const system = await ActorSystem.start(
    failingRole(1, { backoff: { initialMs: 60_000, maxMs: 60_000 } }),
  );
  try {
    const { status, json } = await healthOnce(system, 503);
    assert.equal(status, 503);
    assert.deepEqual(json.problems, [
      "role/publish crashed: Error: the transaction failed: message too large",
    ]);
  } finally {
    await system.shutdown();
  }
});

Deno.test("a role with a supervisor that gave up is not healthy", async () => {
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    intensity: 10,
    periodMs: 60_000,
    // The root waits before it restarts the supervisor that gave up.
    backoff: { initialMs: 60_000, maxMs: 60_000 },
    children: [failingRole(Infinity, { id: "producer", intensity: 0, backoff: undefined })],
  });
  try {
    const { status, json } = await healthOnce(system, 503);
    assert.equal(status, 503);
    assert.equal(json.ready, false);
    assert.ok(
      json.problems.some((p: string) => /^root\/producer gave up: .*message too large/.test(p)),
      json.problems.join("\n"),
    );
  } finally {
    await system.shutdown();
  }
});

Deno.test("a role whose actor crashed once and was restarted is healthy again", async () => {
  const system = await ActorSystem.start(failingRole(1));
  try {
    await delay(300); // the crash, the back-off and the restart
    const { status, json } = await healthOnce(system, 200);
    assert.equal(status, 200);
    assert.equal(json.ready, true);
    assert.deepEqual(json.problems, []);
    assert.equal(system.snapshot().children![0].restarts, 1, "it did crash once");
  } finally {
    await system.shutdown();
  }
});
