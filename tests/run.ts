/**
 * `deno task test`: starts a real 3-node Kafka cluster for the integration tests (from the jars,
 * as `fraudstream kafka up` does), runs the whole suite with `deno test`, and always stops the
 * cluster, and its folder, even when interrupted while the cluster starts. The tests get a temp
 * folder of their own (`TMPDIR`), deleted after them with any cluster a test stopped midway left
 * in it. Without Java or Maven the Kafka tests are skipped and say so; with `CI=true` they must
 * run, so a missing tool or a cluster that does not start fails the run.
 *
 * Arguments are passed on to `deno test` (e.g. `deno task test --filter kafka`).
 *
 * @module
 */

import { clusterDown, clusterUp, freePortBase } from "../actors/tools/kafka_local/mod.ts";
import { FraudstreamError, InterruptedError } from "../actors/lib/errors.ts";
import { join } from "node:path";

const ci = Deno.env.get("CI") === "true";
const dir = await Deno.makeTempDir({ prefix: "fraudstream-test-kafka-" });
// The tests' temp folder: what they leave in it goes with it, the cluster of a test stopped
// while it ran included (SIGTERM ends `deno test` without its tests' cleanup).
const scratch = await Deno.makeTempDir({ prefix: "fraudstream-test-run-" });
const env: Record<string, string> = {
  TMPDIR: scratch,
  FRAUDSTREAM_TEST_KAFKA_DIR: dir,
  // The consumer suite runs on both Kafka clients unless told otherwise.
  FRAUDSTREAM_TEST_KAFKA_CLIENT: Deno.env.get("FRAUDSTREAM_TEST_KAFKA_CLIENT") ?? "all",
};

// Interrupted (Ctrl-C): while the cluster starts, stop the start (the nodes it launched are stopped
// again); while the tests run, stop them; either way the cluster and its folder go below.
const starting = new AbortController();
const tests: { child?: Deno.ChildProcess } = {};
const interrupt = () => {
  if (!tests.child) {
    starting.abort();
    return;
  }
  try {
    tests.child.kill("SIGTERM");
  } catch {
    // already gone
  }
};
for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, interrupt);

const INTERRUPTED = "test kafka: interrupted while the cluster started; no test ran";

/**
 * Stops the cluster and its nodes, whether or not it started, deletes what `clusterUp` made (and
 * the folder, left empty), and exits with `code`.
 */
async function finish(code: number): Promise<never> {
  await clusterDown({ dir, wipe: true, graceMs: 10_000 }).catch(() => {});
  await Deno.remove(dir).catch(() => {});
  await sweepScratch();
  Deno.exit(code);
}

/** Stops the nodes of any cluster a test left in the tests' temp folder, then deletes it. */
async function sweepScratch(): Promise<void> {
  try {
    for await (const entry of Deno.readDir(scratch)) {
      if (!entry.isDirectory) continue;
      await clusterDown({ dir: join(scratch, entry.name), graceMs: 10_000 }).catch(() => {});
    }
  } catch {
    // already gone
  }
  await Deno.remove(scratch, { recursive: true }).catch(() => {});
}

try {
  const info = await clusterUp({
    dir,
    nodes: 3,
    portBase: freePortBase({ nodes: 3, from: 9592 }),
    onLog: (line) => console.error(`test kafka: ${line}`),
    signal: starting.signal,
  });
  env.FRAUDSTREAM_TEST_BROKERS = info.bootstrap.join(",");
  console.error(`test kafka: 3 nodes at ${env.FRAUDSTREAM_TEST_BROKERS}`);
} catch (error) {
  const message = error instanceof FraudstreamError ? error.message : String(error);
  if (error instanceof InterruptedError) {
    console.error(INTERRUPTED);
    await finish(130);
  }
  if (ci) {
    console.error(`test kafka: cannot start the cluster the integration tests need: ${message}`);
    await finish(1);
  }
  console.error(`test kafka: SKIPPING the Kafka integration tests: ${message}`);
}
// A Ctrl-C after the start's last look at its signal: no test runs either.
if (starting.signal.aborted) {
  console.error(INTERRUPTED);
  await finish(130);
}

const child = tests.child = new Deno.Command(Deno.execPath(), {
  args: ["test", "--allow-all", "--parallel", ...Deno.args, "tests/"],
  env,
  stdin: "null",
}).spawn();
await finish((await child.status).code);
