import assert from "node:assert/strict";
import { main } from "../../../main.ts";
import { NO_KAFKA, TEST_BROKERS } from "../../fixtures/kafka.ts";

async function runFor(extra: string[]): Promise<Record<string, unknown>> {
  const dir = await Deno.makeTempDir();
  try {
    const err: string[] = [];
    const code = await main(
      [
        "run",
        "--duration",
        "4",
        "--customers",
        "300",
        "--speed",
        "2000000",
        "--ui-port",
        "off",
        "--quiet",
        "--report",
        `${dir}/run.json`,
        ...extra,
      ],
      { stdout: () => {}, stderr: (line) => err.push(line), signal: new AbortController().signal },
    );
    assert.equal(code, 0, err.join("\n"));
    return JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

function checkAccounted(report: Record<string, unknown>): void {
  for (
    const key of [
      "generated",
      "produced",
      "scored",
      "alerts",
      "dead_letters",
      "lost",
      "duplicates",
      "throughput",
    ]
  ) {
    assert.equal(typeof report[key], "number", key);
  }
  const latency = report.latency_ms as { p50: number; p99: number };
  assert.ok(latency.p50 > 0 && latency.p99 >= latency.p50);
  assert.ok((report.generated as number) > 1000, "the generator produced a real load");
  assert.equal(report.scored, report.generated, "every generated transaction was scored");
  assert.equal(report.lost, 0);
  assert.equal(report.duplicates, 0);
  assert.ok((report.alerts as number) > 0, "the pretrained model raised alerts");
}

Deno.test("run (embedded): every generated transaction is scored exactly once", async () => {
  const report = await runFor([]);
  assert.equal(report.transport, "embedded");
  checkAccounted(report);
});

Deno.test({
  name: "kafka: run --brokers: every generated transaction is scored exactly once",
  ignore: NO_KAFKA,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const report = await runFor([
      "--brokers",
      TEST_BROKERS!.join(","),
      "--topic",
      `run-${Date.now().toString(36)}`,
      "--group",
      `run-${Date.now().toString(36)}`,
      "--encoding",
      "arrow",
    ]);
    assert.equal(report.transport, "kafka");
    checkAccounted(report);
  },
});
