/**
 * The chaos scenarios that need Kafka, each on a 3-node cluster of its own started from the jars
 * (as `fraudstream chaos` does for a user): a broker killed and restarted, a consume process
 * killed, every process killed and restarted, a consumer host cut off by a network partition.
 * Each fails if a transaction is lost or duplicated, counted from the topics themselves. With
 * `FRAUDSTREAM_TEST_KAFKA_CLIENT=kafkajs` or `platformatic` all four run on that client; with `all`
 * (the test runner's default) they share the two clients (`clientsFor`).
 */

import assert from "node:assert/strict";
import type { ScenarioReport } from "../../../../actors/tools/chaos/mod.ts";
import { networkNamespacesUnavailable } from "../../../../actors/tools/chaos/network_partition.ts";
import { CHAOS_PORT_BASE } from "../../../../actors/tools/chaos/kafka_scenarios.ts";
import { main } from "../../../../main.ts";
import type { KafkaClientName } from "../../../../actors/log/kafka_client.ts";
import { NO_KAFKA, TEST_KAFKA_CLIENTS } from "../../../fixtures/kafka.ts";

async function chaos(
  scenario: string,
  client: KafkaClientName,
  seconds = 20,
): Promise<{ code: number; report: ScenarioReport }> {
  const dir = await Deno.makeTempDir();
  // A port of the cluster the scenario would start first is taken, as a long-lived connection's
  // local end can take it on a busy host: the scenario starts its cluster on free ports instead.
  const taken = listenIfFree(CHAOS_PORT_BASE + 30_000);
  try {
    const path = `${dir}/chaos.json`;
    const args = [
      "chaos",
      scenario,
      "--kafka-client",
      client,
      "--duration",
      String(seconds),
      "--rate",
      "3000",
    ];
    const errors: string[] = [];
    const code = await main(
      [...args, "--quiet", "--report", path],
      {
        stdout: () => {},
        stderr: (line) => errors.push(line),
        signal: new AbortController().signal,
      },
    );
    const text = await Deno.readTextFile(path).catch(() => undefined);
    // A scenario that could not run writes no report: what it printed says why.
    assert.ok(
      text !== undefined,
      `chaos ${scenario} exited ${code} with no report:\n${errors.join("\n")}`,
    );
    return { code, report: JSON.parse(text) };
  } finally {
    taken?.close();
    await Deno.remove(dir, { recursive: true });
  }
}

function listenIfFree(port: number): Deno.Listener | undefined {
  try {
    return Deno.listen({ hostname: "127.0.0.1", port });
  } catch {
    return undefined; // taken already
  }
}

/** What a failed assertion shows of a run: its timings, scored per second, restarts and notes. */
function summary(report: ScenarioReport): string {
  return JSON.stringify({
    fault_at_ms: report.fault_at_ms,
    recovery_ms: report.recovery_ms,
    throughput_series: report.throughput_series,
    restarts_by_actor: report.restarts_by_actor,
    last_error_by_actor: report.last_error_by_actor,
    details: report.details,
    notes: report.notes,
  });
}

function assertNothingLost(
  { code, report }: { code: number; report: ScenarioReport },
  client: KafkaClientName,
) {
  assert.equal(report.transport, "kafka");
  assert.equal(report.kafka_client, client);
  assert.ok(report.faults > 0, "the fault was injected");
  assert.ok(report.sent > 20_000, `load ran (${report.sent} sent)`);
  assert.equal(report.lost, 0, `every acknowledged transaction scored: ${summary(report)}`);
  assert.equal(
    report.duplicated,
    0,
    `nothing published, scored or alerted twice: ${summary(report)}`,
  );
  assert.equal(report.acked, report.sent);
  assert.equal(report.scored, report.acked);
  assert.equal(code, 0);
}

const noNamespaces = NO_KAFKA ? undefined : await networkNamespacesUnavailable();
if (noNamespaces) console.error(`network-partition test ignored: ${noNamespaces}`);

/** The index of a scenario that runs on every client chosen (`clientsFor`). */
const ON_EVERY_CLIENT = -1;

/**
 * The clients a scenario runs on. With one client chosen, every scenario runs on it; with both,
 * kill-broker runs on each (`ON_EVERY_CLIENT`), as each client meets a node's death its own way,
 * and each other scenario on one of them in turn (kafkajs: kill-consumer and network-partition;
 * @platformatic/kafka: kill-all), so the suite stays well under its time limit (a scenario takes
 * 1 to 4 minutes).
 */
function clientsFor(scenarioIndex: number): readonly KafkaClientName[] {
  if (TEST_KAFKA_CLIENTS.length === 1 || scenarioIndex === ON_EVERY_CLIENT) {
    return TEST_KAFKA_CLIENTS;
  }
  return [TEST_KAFKA_CLIENTS[(scenarioIndex + 1) % TEST_KAFKA_CLIENTS.length]];
}

const kafkaTest = (
  index: number,
  name: string,
  fn: (client: KafkaClientName) => Promise<void>,
  ignore = NO_KAFKA,
) => {
  for (const client of clientsFor(index)) {
    Deno.test({
      name: `${client}: ${name}`,
      ignore,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: () => fn(client),
    });
  }
};

kafkaTest(
  ON_EVERY_CLIENT,
  "kill-broker: one of three nodes killed and restarted, nothing lost",
  async (client) => {
    // 30 s rather than 20: the node is down for 10 s and the load goes on for 15 s after the
    // fault, so that a leader election slowed by a busy machine still leaves time to go on.
    const run = await chaos("kill-broker", client, 30);
    assertNothingLost(run, client);
    assert.ok(run.report.details.down_ms > 0, "the node was down, then back");
    assert.ok(
      run.report.throughput_after > 0,
      `the pipeline kept going after the fault: ${summary(run.report)}`,
    );
    // The group member rides out the node's death: a member that failed would be restarted,
    // and its successor kept out of the group until the dead member's session ran out, with
    // every partition stalled meanwhile. So do the partition actors' transactions, but for one
    // whose commit was under way on the node (its outcome unknown, the actor restarts): never so
    // many that their supervisor gives up (and the member is restarted with it).
    for (const path of ["run/consume/group", "run/consume/partitions"]) {
      assert.equal(
        run.report.restarts_by_actor[path],
        undefined,
        `${path} was not restarted: ${summary(run.report)}`,
      );
    }
  },
);

kafkaTest(
  1,
  "kill-consumer: the other consume process takes over, exactly once",
  async (client) => {
    const run = await chaos("kill-consumer", client);
    assertNothingLost(run, client);
    assert.ok(run.report.recovery_ms !== null, "scoring resumed");
  },
);

kafkaTest(
  2,
  "kill-all: every process killed and restarted resumes from what was committed",
  async (client) => {
    const run = await chaos("kill-all", client);
    assertNothingLost(run, client);
    assert.equal(run.report.details.killed_processes, 3);
  },
);

kafkaTest(
  3,
  "network-partition: a consumer cut off from the brokers, its partitions move, nothing lost",
  async (client) => {
    const run = await chaos("network-partition", client);
    assertNothingLost(run, client);
    assert.equal(run.report.details.cut_ms, 15_000);
  },
  NO_KAFKA || noNamespaces !== undefined,
);
