import assert from "node:assert/strict";
import { delay } from "../../../../actors/lib/async.ts";
import { EmbeddedTransport } from "../../../../actors/log/mod.ts";
import { firstCommitAfter, runScenario } from "../../../../actors/tools/chaos/harness.ts";
import { scenarioOptions } from "../../../../actors/tools/chaos/command.ts";
import { slowConsumerFault } from "../../../../actors/tools/chaos/scenarios.ts";
import { loadConfig } from "../../../../config/load.ts";

/** A small chaos scenario's options: 1,000 transactions a second of 200 cards, one worker. */
function smallScenario(scenario: string, seconds: number, onStatus?: (line: string) => void) {
  const invocation = loadConfig([
    "chaos",
    scenario,
    "--duration",
    String(seconds),
    "--rate",
    "1000",
    "--customers",
    "200",
    "--workers",
    "1",
  ]);
  assert.equal(invocation.kind, "run");
  return scenarioOptions(invocation.config, onStatus);
}

Deno.test("the report waits for the fault to heal, however long after the drain", async () => {
  let healedAt: number | undefined;
  let drainedBy: number | undefined;
  const transport = new EmbeddedTransport();
  try {
    const report = await runScenario("heal-late", transport, smallScenario("kill-actor", 2), {
      inject: () => 1,
      // Heals well after the short load has drained, as a node slow to start again does.
      healed: async () => {
        drainedBy = performance.now();
        await delay(1500);
        healedAt = performance.now();
      },
      recoveredAt: (context, injectedAt) => firstCommitAfter(context, [0], injectedAt),
      details: () => ({ healed: healedAt === undefined ? 0 : 1 }),
    });
    assert.equal(report.details.healed, 1, "details are read once the fault has healed");
    assert.ok(healedAt! - drainedBy! >= 1400);
    assert.equal(report.lost, 0);
  } finally {
    await transport.close();
  }
});

Deno.test("a fault that cannot heal fails the scenario with its reason", async () => {
  const invocation = loadConfig(["chaos", "kill-actor", "--duration", "1", "--rate", "500"]);
  assert.equal(invocation.kind, "run");
  const transport = new EmbeddedTransport();
  try {
    await assert.rejects(
      runScenario("never-heals", transport, scenarioOptions(invocation.config), {
        inject: () => 1,
        healed: () => Promise.reject(new Error("node 2 did not start again")),
        recoveredAt: () => undefined,
      }),
      /node 2 did not start again/,
    );
  } finally {
    await transport.close();
  }
});

Deno.test("the status line's lag counts the transactions published and not yet scored", async () => {
  const lines: string[] = [];
  const transport = new EmbeddedTransport();
  try {
    const options = smallScenario("slow-consumer", 4, (line) => lines.push(line));
    // Scoring slowed for 3 s to 50 transactions a second per partition, 300 across the six, well
    // under the 1,000 offered: a backlog of a thousand or more. (At 5 ms a row, six partitions
    // scoring side by side kept up with 1,200 a second, and the lag came and went with the files.)
    const fault = slowConsumerFault({ faultMs: 3000, msPerRow: 20 });
    const report = await runScenario("slowed", transport, options, fault);
    assert.equal(report.lost, 0);
  } finally {
    await transport.close();
  }
  const figures = lines.flatMap((line) => {
    const found = line.match(/produced (\d+), scored (\d+), lag (\d+)$/);
    return found ? [found.slice(1).map(Number)] : [];
  });
  assert.ok(figures.length >= 2, lines.join("\n"));
  for (const [produced, scored, lag] of figures) {
    assert.equal(lag, produced - scored, `produced ${produced}, scored ${scored}, lag ${lag}`);
  }
  assert.ok(figures.some(([, , lag]) => lag > 200), lines.join("\n"));
});
