/**
 * The chaos scenarios that need Kafka, each on a 3-node cluster of its own started from the jars
 * (as `fraudstream chaos` does for a user): a broker killed and restarted, a consume process
 * killed, every process killed and restarted, a consumer host cut off by a network partition.
 * Each fails if a transaction is lost or duplicated, counted from the topics themselves.
 */

import assert from "node:assert/strict";
import type { ScenarioReport } from "../../../../actors/tools/chaos/mod.ts";
import { networkNamespacesUnavailable } from "../../../../actors/tools/chaos/network_partition.ts";
import { main } from "../../../../main.ts";
import { NO_KAFKA } from "../../../fixtures/kafka.ts";

async function chaos(scenario: string): Promise<{ code: number; report: ScenarioReport }> {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/chaos.json`;
    const code = await main(
      ["chaos", scenario, "--duration", "20", "--rate", "3000", "--quiet", "--report", path],
      { stdout: () => {}, stderr: () => {}, signal: new AbortController().signal },
    );
    return { code, report: JSON.parse(await Deno.readTextFile(path)) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function assertNothingLost({ code, report }: { code: number; report: ScenarioReport }) {
  assert.equal(report.transport, "kafka");
  assert.ok(report.faults > 0, "the fault was injected");
  assert.ok(report.sent > 20_000, `load ran (${report.sent} sent)`);
  assert.equal(report.lost, 0, "every acknowledged transaction scored");
  assert.equal(report.duplicated, 0, "nothing published, scored or alerted twice");
  assert.equal(report.acked, report.sent);
  assert.equal(report.scored, report.acked);
  assert.equal(code, 0);
}

const kafkaTest = (name: string, fn: () => Promise<void>, ignore = NO_KAFKA) =>
  Deno.test({ name, ignore, sanitizeOps: false, sanitizeResources: false, fn });

kafkaTest("kill-broker: one of three nodes killed and restarted, nothing lost", async () => {
  const run = await chaos("kill-broker");
  assertNothingLost(run);
  assert.ok(run.report.details.down_ms > 0, "the node was down, then back");
  assert.ok(run.report.throughput_after > 0, "the pipeline kept going");
});

kafkaTest("kill-consumer: the other consume process takes over, exactly once", async () => {
  const run = await chaos("kill-consumer");
  assertNothingLost(run);
  assert.ok(run.report.recovery_ms !== null, "scoring resumed");
});

kafkaTest(
  "kill-all: every process killed and restarted resumes from what was committed",
  async () => {
    const run = await chaos("kill-all");
    assertNothingLost(run);
    assert.equal(run.report.details.killed_processes, 3);
  },
);

const noNamespaces = NO_KAFKA ? undefined : await networkNamespacesUnavailable();
if (noNamespaces) console.error(`network-partition test ignored: ${noNamespaces}`);
kafkaTest(
  "network-partition: a consumer cut off from the brokers, its partitions move, nothing lost",
  async () => {
    const run = await chaos("network-partition");
    assertNothingLost(run);
    assert.equal(run.report.details.cut_ms, 15_000);
  },
  NO_KAFKA || noNamespaces !== undefined,
);
