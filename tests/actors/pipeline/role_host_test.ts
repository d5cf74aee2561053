import assert from "node:assert/strict";
import { hostRole, type StartedRole } from "../../../actors/pipeline/role_host.ts";
import type { CommandContext } from "../../../actors/pipeline/command.ts";
import { EmbeddedTransport } from "../../../actors/log/mod.ts";
import { ActorSystem, type ChildSpec } from "../../../actors/runtime/mod.ts";
import { delay, poll } from "../../../actors/lib/async.ts";
import { loadConfig } from "../../../config/load.ts";
import type { Config } from "../../../config/config.ts";
import { closedPort, silentServer } from "../../fixtures/dead_addresses.ts";

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

/** The first of `lines` that matches `pattern`, once one does (within 20 s). */
async function lineMatching(lines: string[], pattern: RegExp): Promise<string> {
  const found = () => lines.find((line) => pattern.test(line));
  assert.ok(
    await poll(() => found() !== undefined, { timeoutMs: 20_000, pollMs: 20 }),
    `no line matching ${pattern} within 20 s:\n${lines.join("\n")}`,
  );
  return found()!;
}

/** The first snapshot `/events` at `url` sends. */
async function firstEvent(url: string): Promise<{ ready: boolean }> {
  const reader = (await fetch(new URL("events", url))).body!.pipeThrough(new TextDecoderStream())
    .getReader();
  let text = "";
  try {
    while (!text.includes("\n\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
  } finally {
    await reader.cancel();
  }
  return JSON.parse(text.replace(/^data: /, "").split("\n\n")[0]);
}

/** What the role's dashboard at `url` answers: the page, JSON, health, metrics and events. */
async function dashboardViews(url: string) {
  const status = await (await fetch(new URL("api/status", url))).json();
  const health = await fetch(new URL("healthz", url));
  const healthText = await health.text();
  const metrics = await (await fetch(new URL("metrics", url))).text();
  const page = await fetch(url);
  await page.body?.cancel();
  return {
    status,
    health: { code: health.status, text: healthText },
    up: /^fraudstream_up\{role="count"\} (\d)$/m.exec(metrics)?.[1],
    event: await firstEvent(url),
    page: page.status,
  };
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

Deno.test("a dashboard that cannot start fails the role before it prepares or starts anything", async () => {
  const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (taken.addr as Deno.NetAddr).port;
  const config = configOf("--ui-port", String(port));
  const { context } = commandContext();
  const count = { value: 0 };
  const steps: string[] = [];
  try {
    await assert.rejects(
      hostRole(config, context, {
        name: "count",
        statusEveryMs: 100,
        openTransport: () => new EmbeddedTransport(),
        prepare: () => {
          steps.push("prepare");
          return Promise.resolve();
        },
        start: async () => {
          steps.push("start");
          const system = await ActorSystem.start({
            kind: "supervisor",
            id: "count",
            children: [counter(count)],
          });
          return startedRole(system, count, context.print);
        },
      }),
      new RegExp(`port ${port} on 127\\.0\\.0\\.1 is in use`),
    );
    assert.deepEqual(steps, [], "the dashboard is the first thing the role starts");
  } finally {
    taken.close();
  }
});

Deno.test("while the role waits for Kafka its dashboard answers: not ready, with the last wait message", async () => {
  const brokers = `127.0.0.1:${closedPort()}`;
  const config = configOf("--brokers", brokers, "--ui-host", "127.0.0.1", "--ui-port", "0");
  const interrupt = new AbortController();
  const { context, status } = commandContext(interrupt);
  let started = false;
  const outcome = hostRole(config, context, {
    name: "count",
    statusEveryMs: 100,
    start: () => {
      started = true;
      throw new Error("Kafka cannot be reached: the actors never start");
    },
  });
  try {
    const waited = await lineMatching(status, /^count: cannot reach Kafka at /);
    const announced = status.findIndex((line) => line.startsWith("count: dashboard at "));
    assert.ok(
      announced >= 0 && announced < status.indexOf(waited),
      `the dashboard is announced before the wait: ${status.join("\n")}`,
    );
    const url = status[announced].replace("count: dashboard at ", "");
    const views = await dashboardViews(url);
    assert.equal(views.page, 200, "the page is served");
    assert.equal(views.status.ready, false);
    assert.equal(views.status.transport, "kafka");
    assert.equal(views.status.tree, null, "no actors yet");
    assert.deepEqual(views.status.counters, {});
    // The last wait message, as the status line said it (a later one may have come meanwhile).
    const waits = status.filter((line) => line.startsWith("count: cannot reach Kafka at "));
    assert.ok(
      waits.some((line) => line === `count: ${views.status.problems[0]}`),
      `${views.status.problems[0]} among\n${waits.join("\n")}`,
    );
    assert.match(views.status.problems[0], new RegExp(`^cannot reach Kafka at ${brokers} `));
    assert.equal(views.health.code, 503);
    assert.match(views.health.text, new RegExp(`^not ready\ncannot reach Kafka at ${brokers} `));
    assert.equal(views.up, "0", "/metrics: fraudstream_up 0");
    assert.equal(views.event.ready, false, "/events: not ready");
  } finally {
    interrupt.abort();
    await Promise.allSettled([outcome]);
  }
  assert.equal((await outcome).exitCode, 1);
  assert.equal(started, false);
  assert.equal(status.at(-1), `count: stopped before Kafka at ${brokers} could be reached`);
});

Deno.test("a role's dashboard shows it starting, then its running actors, on the same server", async () => {
  const config = configOf("--ui-host", "127.0.0.1", "--ui-port", "0");
  const interrupt = new AbortController();
  const { context, status } = commandContext(interrupt);
  const count = { value: 0 };
  const prepared = Promise.withResolvers<void>();
  const outcome = hostRole(config, context, {
    name: "count",
    statusEveryMs: 100,
    openTransport: () => new EmbeddedTransport(),
    prepare: () => prepared.promise,
    start: async () => {
      const system = await ActorSystem.start({
        kind: "supervisor",
        id: "count",
        children: [counter(count)],
      });
      return startedRole(system, count, context.print);
    },
  });
  try {
    const url = (await lineMatching(status, /^count: dashboard at /)).replace(
      "count: dashboard at ",
      "",
    );
    const preparing = await dashboardViews(url);
    assert.equal(preparing.status.ready, false);
    assert.deepEqual(preparing.status.problems, ["preparing to start"]);
    assert.equal(preparing.status.tree, null);
    assert.equal(preparing.health.code, 503);
    assert.equal(preparing.up, "0");
    assert.equal(preparing.event.ready, false);

    prepared.resolve();
    let running!: Awaited<ReturnType<typeof dashboardViews>>;
    assert.ok(
      await poll(async () => {
        running = await dashboardViews(url);
        return running.status.ready && running.status.counters.produced > 0;
      }, { timeoutMs: 10_000, pollMs: 50 }),
      JSON.stringify(running?.status),
    );
    assert.deepEqual(running.status.problems, []);
    assert.equal(running.status.tree.id, "count");
    assert.equal(running.health.code, 200);
    assert.equal(running.up, "1");
    assert.equal(running.event.ready, true);
    assert.equal(
      status.filter((line) => line.startsWith("count: dashboard at ")).length,
      1,
      "one server, from the start to the end",
    );
  } finally {
    prepared.resolve();
    interrupt.abort();
    await Promise.allSettled([outcome]);
  }
  assert.equal((await outcome).exitCode, 0);
});

Deno.test("a stop before the topics were asked for says what stopped the role, not that Kafka could not be reached", async () => {
  const brokers = `127.0.0.1:${closedPort()}`;
  /** The role `count`, preparing until it is stopped (by the user, with `interrupt`). */
  const stoppedWhilePreparing = async (
    flags: string[],
    options: { interrupt: boolean; openTransport?: () => EmbeddedTransport },
  ) => {
    const interrupt = new AbortController();
    const { context, status } = commandContext(interrupt);
    const outcome = await hostRole(configOf("--ui-port", "off", ...flags), context, {
      name: "count",
      statusEveryMs: 100,
      unreachableReport: { counted: 0 },
      openTransport: options.openTransport,
      prepare: async ({ stop }) => {
        if (options.interrupt) interrupt.abort();
        // No attempt to reach the log comes before the stop.
        await new Promise((resolve) => {
          if (stop.aborted) resolve(undefined);
          else stop.addEventListener("abort", resolve);
        });
      },
      start: () => Promise.reject(new Error("the actors never start")),
    });
    return { outcome, status };
  };

  // Kafka at a closed port, never tried: the duration ended first.
  const short = await stoppedWhilePreparing(["--brokers", brokers, "--duration", "0.05"], {
    interrupt: false,
  });
  assert.deepEqual(short.outcome, { exitCode: 1, report: { counted: 0 } });
  assert.equal(
    short.status.at(-1),
    `count: stopped: --duration 0.05 s ended before the topics on Kafka at ${brokers} were ready`,
  );
  assert.deepEqual(
    short.status.filter((line) => /could be reached|cannot reach/.test(line)),
    [],
    "no connection was tried, so none failed",
  );

  // The embedded log (`run` without --brokers), interrupted while the role prepared.
  const interrupted = await stoppedWhilePreparing([], {
    interrupt: true,
    openTransport: () => new EmbeddedTransport(),
  });
  assert.deepEqual(interrupted.outcome, { exitCode: 1, report: { counted: 0 } });
  assert.equal(
    interrupted.status.at(-1),
    "count: stopped: interrupted before the topics on the embedded log were ready",
  );
});

Deno.test("a stop while Kafka has not answered yet says so, not that it could not be reached", async () => {
  const server = silentServer();
  const brokers = `127.0.0.1:${server.port}`;
  const { context, status } = commandContext();
  try {
    const outcome = await hostRole(
      configOf("--brokers", brokers, "--duration", "0.2", "--ui-port", "off"),
      context,
      {
        name: "count",
        statusEveryMs: 100,
        start: () => Promise.reject(new Error("the actors never start")),
      },
    );
    assert.equal(outcome.exitCode, 1, "the log never answered: the role could not run");
    // The attempt under way is given a few seconds after the stop to fail and say why; this one
    // neither fails nor succeeds.
    assert.equal(
      status.at(-1),
      `count: stopped: --duration 0.2 s ended before Kafka at ${brokers} answered`,
    );
  } finally {
    server.close();
  }
});
