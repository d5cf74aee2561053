/**
 * `deno task test`: starts a real 3-node Kafka cluster for the integration tests (from the jars,
 * as `fraudstream kafka up` does), runs the whole suite with `deno test`, and always stops the
 * cluster. Without Java or Maven the Kafka tests are skipped and say so; with `CI=true` they must
 * run, so a missing tool or a cluster that does not start fails the run.
 *
 * Arguments are passed on to `deno test` (e.g. `deno task test --filter kafka`).
 *
 * @module
 */

import { clusterDown, clusterUp, freePortBase } from "../actors/tools/kafka_local/mod.ts";
import { FraudstreamError } from "../actors/lib/errors.ts";

const ci = Deno.env.get("CI") === "true";
const dir = await Deno.makeTempDir({ prefix: "fraudstream-test-kafka-" });
const env: Record<string, string> = {
  FRAUDSTREAM_TEST_KAFKA_DIR: dir,
  // The consumer suite runs on both Kafka clients unless told otherwise.
  FRAUDSTREAM_TEST_KAFKA_CLIENT: Deno.env.get("FRAUDSTREAM_TEST_KAFKA_CLIENT") ?? "all",
};

let started = false;
try {
  const info = await clusterUp({
    dir,
    nodes: 3,
    portBase: freePortBase({ nodes: 3, from: 9592 }),
    onLog: (line) => console.error(`test kafka: ${line}`),
  });
  env.FRAUDSTREAM_TEST_BROKERS = info.bootstrap.join(",");
  started = true;
  console.error(`test kafka: 3 nodes at ${env.FRAUDSTREAM_TEST_BROKERS}`);
} catch (error) {
  const message = error instanceof FraudstreamError ? error.message : String(error);
  if (ci) {
    console.error(`test kafka: cannot start the cluster the integration tests need: ${message}`);
    await clusterDown({ dir, wipe: true }).catch(() => {});
    Deno.exit(1);
  }
  console.error(`test kafka: SKIPPING the Kafka integration tests: ${message}`);
}

let code = 1;
const child = new Deno.Command(Deno.execPath(), {
  args: ["test", "--allow-all", "--parallel", ...Deno.args, "tests/"],
  env,
  stdin: "null",
}).spawn();
// Interrupted: stop the tests, then still stop the cluster below.
const interrupt = () => {
  try {
    child.kill("SIGTERM");
  } catch {
    // already gone
  }
};
for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, interrupt);
try {
  code = (await child.status).code;
} finally {
  if (started) await clusterDown({ dir, wipe: true, graceMs: 10_000 }).catch(() => {});
}
Deno.exit(code);
