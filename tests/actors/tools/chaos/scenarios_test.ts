/**
 * The in-process chaos scenarios, run as a user runs them (`fraudstream chaos <scenario>`) on the
 * embedded log: each must see its fault happen, heal, and lose or duplicate nothing.
 */

import assert from "node:assert/strict";
import type { ScenarioReport } from "../../../../actors/tools/chaos/mod.ts";
import { main } from "../../../../main.ts";

/** Runs `fraudstream chaos <args>` with a short load and returns its exit code and report. */
async function chaos(...args: string[]): Promise<{ code: number; report: ScenarioReport }> {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/chaos.json`;
    const code = await main(
      [
        "chaos",
        ...args,
        "--duration",
        "4",
        "--rate",
        "2000",
        "--customers",
        "300",
        "--quiet",
        "--report",
        path,
      ],
      { stdout: () => {}, stderr: () => {}, signal: new AbortController().signal },
    );
    return { code, report: JSON.parse(await Deno.readTextFile(path)) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** What every scenario must hold: the fault happened, nothing lost or duplicated, exit 0. */
function assertNothingLost({ code, report }: { code: number; report: ScenarioReport }) {
  assert.ok(report.faults > 0, "the fault was injected");
  assert.ok(report.sent > 2000, `load ran (${report.sent} sent)`);
  assert.equal(report.lost, 0);
  assert.equal(report.duplicated, 0);
  assert.equal(report.acked, report.sent);
  assert.equal(report.scored, report.acked);
  assert.equal(code, 0);
}

/** Partition actors restarted, by partition number. */
function restartedPartitions(report: ScenarioReport): number[] {
  return Object.keys(report.restarts_by_actor)
    .map((path) => path.match(/\/partitions\/p(\d+)$/)?.[1])
    .filter((p): p is string => p !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

Deno.test("kill-actor, one_for_one: only the failed partition actor restarts", async () => {
  const run = await chaos("kill-actor", "--strategy", "one_for_one", "--seed", "3");
  assertNothingLost(run);
  const victim = run.report.details.partition;
  assert.deepEqual(restartedPartitions(run.report), [victim]);
  // The report says why: the restarted actor's last error.
  const path = Object.keys(run.report.restarts_by_actor).find((p) => p.endsWith(`/p${victim}`));
  assert.match(
    run.report.last_error_by_actor[path!] ?? "",
    new RegExp(`injected fault in partition ${victim}`),
  );
  assert.ok(run.report.recovery_ms !== null);
});

Deno.test("kill-actor, one_for_all: every partition actor restarts", async () => {
  const run = await chaos("kill-actor", "--strategy", "one_for_all", "--seed", "3");
  assertNothingLost(run);
  assert.deepEqual(restartedPartitions(run.report), [0, 1, 2, 3, 4, 5]);
});

Deno.test("kill-actor, rest_for_one: the failed actor and those started after it restart", async () => {
  const run = await chaos("kill-actor", "--strategy", "rest_for_one", "--seed", "3");
  assertNothingLost(run);
  const victim = run.report.details.partition;
  const restarted = restartedPartitions(run.report);
  assert.ok(restarted.includes(victim));
  // Partition actors start in assignment order (0..5), so the rest are the higher ones.
  assert.deepEqual(restarted, restarted.filter((p) => p >= victim));
  assert.ok(restarted.length === 6 - victim, `restarted ${restarted} after ${victim}`);
});

Deno.test("crash-loop: the partitions supervisor gives up, its parent restarts the subtree", async () => {
  const run = await chaos("crash-loop", "--seed", "5");
  assertNothingLost(run);
  assert.ok(run.report.details.crashes > 10, `${run.report.details.crashes} crashes`);
  assert.ok(run.report.details.subtree_restarts >= 1);
  assert.ok(run.report.recovery_ms !== null);
});

const ENCODER = "run/produce/producer/encoders/encode-0";

Deno.test("kill-worker: terminated scoring and encoder workers are restarted, their work retried", async () => {
  const run = await chaos("kill-worker", "--workers", "2", "--seed", "7");
  assertNothingLost(run);
  const restarts = run.report.restarts_by_actor;
  const path = `run/consume/scorers/score-${run.report.details.worker}`;
  assert.equal(restarts[path], 1, JSON.stringify(restarts));
  assert.equal(restarts[ENCODER], 1, JSON.stringify(restarts));
});

Deno.test("kill-worker --fault hang: a worker that stops answering is found and replaced", async () => {
  const run = await chaos("kill-worker", "--fault", "hang", "--workers", "2", "--seed", "7");
  assertNothingLost(run);
  const restarts = run.report.restarts_by_actor;
  const path = `run/consume/scorers/score-${run.report.details.worker}`;
  assert.equal(restarts[path], 1, JSON.stringify(restarts));
  assert.equal(restarts[ENCODER], 1, JSON.stringify(restarts));
  assert.ok(run.report.recovery_ms !== null);
});

Deno.test("slow-consumer: lag grows and comes back, memory stays bounded", async () => {
  const run = await chaos("slow-consumer", "--seed", "11");
  assertNothingLost(run);
  assert.ok(run.report.details.lag_peak > 1000, `lag peaked at ${run.report.details.lag_peak}`);
  assert.ok(run.report.recovery_ms !== null, "the lag came back down");
  assert.ok(
    run.report.details.rss_peak_mb < run.report.details.rss_before_mb + 400,
    `resident memory ${run.report.details.rss_before_mb} -> ${run.report.details.rss_peak_mb} MB`,
  );
});

Deno.test("bad-input: every bad row and message is dead-lettered, every good one scored", async () => {
  const run = await chaos("bad-input", "--seed", "13");
  assertNothingLost(run);
  const { bad_rows, garbage_messages } = run.report.details;
  assert.equal(run.report.dead_letters, bad_rows + garbage_messages);
});

Deno.test("the fault moment follows the seed", async () => {
  const [a, b] = [
    await chaos("kill-actor", "--seed", "21"),
    await chaos("kill-actor", "--seed", "21"),
  ];
  assert.equal(a.report.details.partition, b.report.details.partition);
  // The seed fixes the planned moment exactly; when the timer fires depends on the machine's load.
  assert.equal(a.report.details.fault_planned_ms, b.report.details.fault_planned_ms);
  assert.ok(a.report.details.fault_planned_ms >= 1200 && a.report.details.fault_planned_ms <= 2400);
  for (const { report } of [a, b]) {
    assert.ok(report.fault_at_ms! >= report.details.fault_planned_ms - 50, "never early");
  }
});
