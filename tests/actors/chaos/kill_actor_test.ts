import assert from "node:assert/strict";
import { killActor } from "../../../actors/chaos/mod.ts";
import type { Strategy } from "../../../actors/runtime/mod.ts";
import { main } from "../../../main.ts";

const RESTARTED: Record<Strategy, Record<string, number>> = {
  one_for_one: { ingest: 0, score: 1, publish: 0 },
  one_for_all: { ingest: 1, score: 1, publish: 1 },
  rest_for_one: { ingest: 0, score: 1, publish: 1 },
};

for (
  const [strategy, restarts] of Object.entries(RESTARTED) as [Strategy, Record<string, number>][]
) {
  Deno.test(`kill-actor with ${strategy} restarts the siblings OTP says and loses nothing`, async () => {
    const report = await killActor({
      strategy,
      fault: "crash",
      seed: 3,
      rate: 4000,
      durationMs: 1200,
    });
    assert.equal(report.faults, 1);
    assert.deepEqual(report.restarts_by_actor, restarts);
    assert.ok(report.messages_sent > 1000);
    assert.equal(report.lost, 0);
    assert.equal(report.duplicates, 0);
    assert.equal(report.dead_letters, 0);
    assert.equal(report.messages_processed + report.dead_letters, report.messages_sent);
    assert.ok(report.recovery_ms !== null && report.recovery_ms >= 0);
  });
}

Deno.test("kill-actor with a poison message retries it once, then dead-letters it", async () => {
  const report = await killActor({
    strategy: "one_for_one",
    fault: "poison",
    seed: 9,
    rate: 4000,
    durationMs: 1200,
  });
  assert.equal(report.faults, 2, "first attempt and one retry");
  assert.equal(report.dead_letters, 1);
  assert.equal(report.restarts_by_actor.score, 2);
  assert.equal(report.lost, 0);
  assert.equal(report.messages_processed + report.dead_letters, report.messages_sent);
});

Deno.test("the fault moment is seeded", async () => {
  const runs = await Promise.all(
    [1, 1, 2].map((seed) =>
      killActor({ strategy: "one_for_one", fault: "crash", seed, rate: 2000, durationMs: 1000 })
    ),
  );
  assert.ok(Math.abs(runs[0].fault_at_ms! - runs[1].fault_at_ms!) < 100);
  assert.ok(runs.every((r) => r.fault_at_ms! >= 250 && r.fault_at_ms! <= 700));
});

Deno.test("fraudstream chaos kill-actor --report writes the summary", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/chaos.json`;
    const code = await main(
      [
        "chaos",
        "kill-actor",
        "--strategy",
        "rest_for_one",
        "--duration",
        "1",
        "--quiet",
        "--report",
        path,
      ],
      { stdout: () => {}, stderr: () => {}, signal: new AbortController().signal },
    );
    assert.equal(code, 0);
    const report = JSON.parse(await Deno.readTextFile(path));
    for (
      const key of [
        "scenario",
        "strategy",
        "restarts",
        "recovery_ms",
        "messages_sent",
        "messages_processed",
        "dead_letters",
        "lost",
      ]
    ) {
      assert.ok(key in report, key);
    }
    assert.equal(report.strategy, "rest_for_one");
    assert.equal(report.lost, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
