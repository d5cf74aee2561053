import assert from "node:assert/strict";
import { join } from "node:path";
import { main } from "../../../../main.ts";
import { type RunLimits, runPipeline } from "../../../../actors/pipeline/run/command.ts";
import { MAX_BATCH_ROWS } from "../../../../actors/pipeline/generator/stream_batches.ts";
import { loadConfig } from "../../../../config/load.ts";
import { NO_KAFKA, TEST_BROKERS } from "../../../fixtures/kafka.ts";
import { poll } from "../../../../actors/lib/async.ts";
import type { ActorSnapshot } from "../../../../actors/runtime/mod.ts";

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

/** Data lines of the `.csv` files below `dir`. */
function dataLines(dir: string): number {
  let lines = 0;
  for (const entry of Deno.readDirSync(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) lines += dataLines(path);
    else if (entry.name.endsWith(".csv")) {
      lines += Deno.readTextFileSync(path).split("\n").filter(Boolean).length - 1;
    }
  }
  return lines;
}

/**
 * `run` flat out (2,000 customers, event time 20 million times the wall clock) for `seconds`
 * with `limits`; its outcome, report, printed and status lines, and how long it took.
 */
async function runFlatOut(seconds: number, limits: RunLimits) {
  const invocation = loadConfig([
    "run",
    "--duration",
    String(seconds),
    "--customers",
    "2000",
    "--speed",
    "20000000",
    "--ui-port",
    "off",
  ]);
  assert.equal(invocation.kind, "run");
  const printed: string[] = [];
  const status: string[] = [];
  const started = performance.now();
  const outcome = await runPipeline(invocation.config, {
    signal: new AbortController().signal,
    status: (line) => status.push(line),
    print: (line) => printed.push(line),
    onForcedExit: () => () => {},
  }, limits);
  const report = outcome.report as Record<string, number | string | boolean | null>;
  return { outcome, report, printed, status, seconds: (performance.now() - started) / 1000 };
}

Deno.test("run under overload, its drain cut short: every row scored, lost or kept and named", async () => {
  const maxInFlightRows = 20_000;
  const limits = { drainTimeoutMs: 1, maxInFlightRows };
  // A drain cut short tests something only while rows are in flight: on a busy host a run can
  // have scored every row by the end of its load (and rightly exit 0); such a run is run again,
  // at most twice.
  let run = await runFlatOut(3, limits);
  for (let again = 0; again < 2 && run.report.generated === run.report.scored; again++) {
    run = await runFlatOut(3, limits);
  }
  const { outcome, report, printed, status } = run;
  const kept = report.kept_folder as string;
  try {
    // Back-pressure keeps the producer within reach of the generator, so what a drain cut short
    // leaves is mostly published and not scored (lost with the embedded log), and what was not
    // published yet waits in the kept folder.
    assert.equal(report.drained, false);
    assert.equal(outcome.exitCode, 1, "a run that leaves rows unscored is not a success");
    const unpublished = report.unpublished_kept as number;
    assert.equal(report.dead_letters, 0);
    assert.equal(report.generated, (report.produced as number) + unpublished);
    assert.equal(report.unscored_in_topic, 0);
    assert.equal(report.lost, (report.produced as number) - (report.scored as number));
    assert.equal(
      report.generated,
      (report.scored as number) + (report.lost as number) + unpublished,
      "every generated row is scored, lost or kept",
    );
    // Held back: everything not scored stayed within the bound and one batch.
    assert.ok(
      (report.lost as number) + unpublished <= maxInFlightRows + MAX_BATCH_ROWS,
      `${report.lost} rows unscored, ${unpublished} unpublished`,
    );
    if (kept) {
      // Every unpublished row is in the folder (a file cut off mid-way also holds published rows).
      assert.ok(dataLines(kept) >= unpublished, `${dataLines(kept)} rows in ${kept}`);
      const line = printed.find((text) => text.includes(kept));
      assert.ok(line, printed.join("\n"));
      assert.match(line, new RegExp(`kept \\d+ batch files \\(${unpublished} transactions`));
      assert.match(line, new RegExp(`fraudstream produce --input ${kept} --brokers`));
    } else assert.equal(unpublished, 0);
    // The status line's lag counts what waits to be published.
    const lines = status.filter((text) => text.startsWith("run: generated "));
    assert.ok(lines.length > 0, status.join("\n"));
    for (const text of lines) {
      const [, generated, produced, lag] = text.match(
        /generated (\d+), produced (\d+), .* lag (\d+),/,
      )!.map(Number);
      assert.ok(lag >= generated - produced, text);
    }
  } finally {
    if (kept) await Deno.remove(kept, { recursive: true });
  }
});

Deno.test("run flat out: the generator waits for the scoring, and --duration drains in seconds", async () => {
  const maxInFlightRows = 20_000;
  const { outcome, report, status, seconds } = await runFlatOut(4, { maxInFlightRows });
  assert.equal(outcome.exitCode, 0, JSON.stringify(report));
  assert.equal(report.drained, true);
  assert.equal(report.lost, 0);
  assert.equal(report.scored, report.generated);
  // Everything generated and not yet scored stayed within the bound and one batch.
  const lags = status.filter((text) => text.startsWith("run: generated "))
    .map((text) => Number(text.match(/ lag (\d+),/)![1]));
  assert.ok(lags.length > 0, status.join("\n"));
  for (const lag of lags) assert.ok(lag <= maxInFlightRows + MAX_BATCH_ROWS, `lag ${lag}`);
  // The drain after --duration takes seconds (start-up and model load included), not minutes.
  assert.ok(seconds < 4 + 15, `the run took ${seconds.toFixed(1)} s`);
});

/** The workers of the pool at a path ending in `pool` in `tree`, by state. */
function poolWorkers(tree: ActorSnapshot, pool: string): ActorSnapshot[] {
  if (tree.path.endsWith(`/${pool}`)) return tree.children ?? [];
  return (tree.children ?? []).flatMap((child) => poolWorkers(child, pool));
}

Deno.test("run sizes its producer's encoders with --encoders and its scorers with --workers", async () => {
  const status: string[] = [];
  const interrupt = new AbortController();
  const running = main(
    ["run", "--encoders", "3", "--workers", "2", "--ui-port", "0", "--customers", "50"],
    { stdout: () => {}, stderr: (line) => status.push(line), signal: interrupt.signal },
  );
  let tree: ActorSnapshot | undefined;
  try {
    const dashboard = () => status.find((line) => line.startsWith("run: dashboard at "));
    assert.ok(
      await poll(() => dashboard() !== undefined, { timeoutMs: 60_000 }),
      status.join("\n"),
    );
    const url = dashboard()!.split(" ")[3];
    const started = await poll(async () => {
      // No tree (null) while the run prepares: the dashboard answers before the actors start.
      tree = (await (await fetch(`${url}api/status`)).json()).tree ?? undefined;
      return tree !== undefined &&
        [...poolWorkers(tree, "encoders"), ...poolWorkers(tree, "scorers")]
          .every((worker) => worker.state === "running");
    }, { timeoutMs: 30_000, pollMs: 100 });
    assert.ok(started, JSON.stringify(tree));
  } finally {
    interrupt.abort();
    assert.equal(await running, 0, status.join("\n"));
  }
  assert.equal(poolWorkers(tree!, "encoders").length, 3, "encoders");
  assert.equal(poolWorkers(tree!, "scorers").length, 2, "scorers");
});
