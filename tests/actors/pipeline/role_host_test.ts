import assert from "node:assert/strict";
import { hostRole, type StartedRole } from "../../../actors/pipeline/role_host.ts";
import type { CommandContext } from "../../../actors/pipeline/command.ts";
import { EmbeddedTransport } from "../../../actors/log/mod.ts";
import { ActorSystem, type ChildSpec } from "../../../actors/runtime/mod.ts";
import { delay } from "../../../actors/lib/async.ts";
import { loadConfig } from "../../../config/load.ts";
import type { Config } from "../../../config/config.ts";

/** The configuration of `run` with `flags`, from no environment. */
function configOf(...flags: string[]): Config {
  const invocation = loadConfig(["run", ...flags], { env: {}, readFile: () => undefined });
  assert.equal(invocation.kind, "run");
  return invocation.config;
}

/** A command context whose lines are collected, interrupted by `interrupt`. */
function commandContext(interrupt = new AbortController()) {
  const status: string[] = [];
  const printed: string[] = [];
  const context: CommandContext = {
    signal: interrupt.signal,
    status: (line) => status.push(line),
    print: (line) => printed.push(line),
    onForcedExit: () => () => {},
  };
  return { context, status, printed };
}

/** An actor that counts up every 10 ms. */
function counter(count: { value: number }): ChildSpec {
  return {
    kind: "actor",
    id: "count",
    behavior: () => ({
      run: async (ctx) => {
        while (await delay(10, ctx.signal)) count.value++;
      },
    }),
  };
}

/** A started role made of `system`, counting with `count`, and reporting it. */
function startedRole(
  system: ActorSystem,
  count: { value: number },
  print: (line: string) => void,
): StartedRole {
  return {
    system,
    figures: () => ({ counters: { produced: count.value }, lag: [], recentAlerts: [] }),
    progress: () => count.value,
    statusLine: (rate) => `counted ${count.value} (${rate}/s)`,
    finish: () => {
      print(`counted ${count.value}`);
      return { exitCode: 0, report: { counted: count.value } };
    },
  };
}

Deno.test("a role runs on its ready log until --duration, with a status line and its report", async () => {
  const config = configOf("--duration", "0.6", "--ui-port", "off", "--partitions", "3");
  const { context, status, printed } = commandContext();
  const transport = new EmbeddedTransport();
  const count = { value: 0 };
  let partitionsAtStart = 0;
  const outcome = await hostRole(config, context, {
    name: "count",
    statusEveryMs: 100,
    openTransport: () => transport,
    start: async (host) => {
      // The topics exist, as the configuration shapes them, before the role's actors start.
      partitionsAtStart = await host.transport.partitions(config.topic);
      const system = await ActorSystem.start({
        kind: "supervisor",
        id: "count",
        children: [counter(count)],
      });
      return startedRole(system, count, context.print);
    },
  });
  assert.equal(partitionsAtStart, 3);
  assert.equal(outcome.exitCode, 0);
  const counted = (outcome.report as { counted: number }).counted;
  assert.ok(counted > 0, "the actors ran");
  assert.deepEqual(printed, [`counted ${counted}`]);
  const lines = status.filter((line) => line.startsWith("count: counted "));
  assert.ok(lines.length >= 3, status.join("\n"));
  assert.ok(
    lines.some((line) => /^count: counted \d+ \([1-9]\d*\/s\)$/.test(line)),
    `a line with the rate: ${lines.join("\n")}`,
  );
});

Deno.test("actors that give up end the role: exit 1, why, and no status line after it", async () => {
  const config = configOf("--ui-port", "off");
  const { context, status, printed } = commandContext();
  const count = { value: 0 };
  const outcome = await hostRole(config, context, {
    name: "count",
    statusEveryMs: 50,
    openTransport: () => new EmbeddedTransport(),
    start: async () => {
      const system = await ActorSystem.start({
        kind: "supervisor",
        id: "count",
        intensity: 0,
        children: [{
          kind: "actor",
          id: "fail",
          behavior: () => ({
            run: async () => {
              await delay(200);
              throw new Error("the actor failed");
            },
          }),
        }],
      });
      return startedRole(system, count, context.print);
    },
  });
  assert.equal(outcome.exitCode, 1, "a role whose actors gave up failed, whatever it reports");
  assert.deepEqual(outcome.report, { counted: 0 });
  assert.deepEqual(printed, ["counted 0"], "its summary is printed all the same");
  assert.match(status.at(-1)!, /^count: stopped: .*the actor failed/);
  const lines = status.length;
  await delay(200);
  assert.equal(status.length, lines, `the status line stopped with the role: ${status.join("\n")}`);
});

Deno.test("a dashboard that cannot start stops the role's actors and runs its cleanups", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  const config = configOf("--ui-port", String(port));
  const { context } = commandContext();
  const count = { value: 0 };
  let system: ActorSystem | undefined;
  const cleaned: string[] = [];
  try {
    await assert.rejects(
      hostRole(config, context, {
        name: "count",
        statusEveryMs: 100,
        openTransport: () => new EmbeddedTransport(),
        prepare: ({ defer }) => {
          defer(() => cleaned.push("prepared"));
          return Promise.resolve();
        },
        start: async () => {
          system = await ActorSystem.start({
            kind: "supervisor",
            id: "count",
            children: [counter(count)],
          });
          return startedRole(system, count, context.print);
        },
      }),
      new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`),
    );
    assert.ok(system, "the actors had started");
    assert.equal(system.root.state, "stopped", "the actors were stopped");
    assert.deepEqual(await system.done, { kind: "stopped" });
    assert.deepEqual(cleaned, ["prepared"]);
  } finally {
    taken.close();
    await system?.shutdown();
  }
});
