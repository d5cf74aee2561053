import assert from "node:assert/strict";
import type { CellPlan } from "../../../../actors/tools/bench/plan.ts";
import type { RunReport, ScalingReport } from "../../../../actors/tools/bench/report.ts";
import { spread, summarizeCell } from "../../../../actors/tools/bench/summary.ts";
import { benchTables, benchText } from "../../../../actors/tools/bench/tables.ts";
import { benchReportHtml } from "../../../../actors/tools/bench/report_html.ts";
import type { Accounting, PipelineResult } from "../../../../actors/tools/bench/measures.ts";

Deno.test("spread: median (mean of the middle two for an even count), min and max", () => {
  assert.deepEqual(spread([5, 1, 3]), { median: 3, min: 1, max: 5 });
  assert.deepEqual(spread([4, 1, 3, 10]), { median: 3.5, min: 1, max: 10 });
  assert.deepEqual(spread([]), { median: 0, min: 0, max: 0 });
});

const plan: CellPlan = {
  section: "e2e",
  transport: "kafka",
  partitions: 2,
  workers: 1,
  encoding: "json",
  rows: 1000,
};

const accounting = (produced: number): Accounting => ({
  written: produced,
  produced,
  scored: produced,
  dead_letters: 0,
  lost: 0,
  duplicates: 0,
  unknown: 0,
  exact: true,
  offset_gaps: 0,
  offset_overlaps: 0,
  drained: true,
  stopped: true,
});

function run(throughput: number, p99: number, extra: Partial<RunReport> = {}): RunReport {
  return {
    throughput,
    seconds: 1000 / throughput,
    cpu_us_per_row: 12_000 / throughput,
    latency_ms: { p50: p99 / 2, p99, max: p99 * 2 },
    lost: 0,
    duplicates: 0,
    ok: true,
    cell_seconds: 3,
    load_average: 1,
    details: { startup_ms: throughput } as unknown as PipelineResult,
    accounting: accounting(throughput),
    ...extra,
  };
}

Deno.test("a cell over its runs: medians of the measured runs, failures and losses of all", () => {
  const failed: RunReport = {
    throughput: 0,
    seconds: 0,
    cpu_us_per_row: 0,
    lost: 0,
    duplicates: 0,
    ok: false,
    cell_seconds: 1,
    load_average: 2,
    error: "broker gone",
  };
  const cell = summarizeCell(plan, [
    run(3000, 90),
    failed,
    run(1000, 300, { lost: 2, ok: false, error: "2 lost" }),
    run(2000, 100),
  ]);
  assert.equal(cell.repeats, 4);
  assert.equal(cell.throughput, 2500, "median of the two runs that passed");
  assert.deepEqual(cell.spread.throughput, { median: 2500, min: 2000, max: 3000 });
  assert.equal(cell.cpu_us_per_row, 5, "the median CPU a transaction of the runs that passed");
  assert.deepEqual(cell.spread.latency_p99_ms, { median: 95, min: 90, max: 100 });
  assert.equal(cell.latency_ms!.p99, 95);
  assert.equal(cell.latency_ms!.max, 200);
  assert.equal(cell.ok, false);
  assert.equal(cell.lost, 2);
  assert.equal(cell.error, "run 2: broker gone; run 3: 2 lost");
  assert.equal(cell.accounting!.produced, 2000, "the accounting of the (lower) median run");

  const allFailed = summarizeCell(plan, [failed, run(1000, 300, { ok: false, error: "x" })]);
  assert.equal(allFailed.throughput, 1000, "no run passed: the runs that measured anything");
  assert.equal(allFailed.ok, false);
  assert.equal(cell.cell_seconds, 10);
  assert.equal(cell.runs.length, 4);

  const single = summarizeCell(plan, [run(1500, 80)]);
  assert.equal(single.throughput, 1500);
  assert.equal(single.ok, true);
  assert.equal(single.error, undefined);
});

function report(repeat: number): ScalingReport {
  const cells = [
    summarizeCell(plan, Array.from({ length: repeat }, (_, i) => run(1000 * (i + 1), 50 + i))),
  ];
  return {
    scenario: "e2e",
    started_at: "2025-01-01T00:00:00Z",
    seconds: 10,
    model_version: "pretrained",
    machine: {
      cores: 2,
      memory_gb: 24,
      load_average_start: [1, 1, 1],
      load_average_end: [1, 1, 1],
      os: "linux",
      deno: "2",
    },
    settings: {
      rows: { embedded: 5000, kafka: 1000 },
      warmup_rows: { embedded: 100, kafka: 100 },
      partitions: [2],
      workers: [1],
      producers: [1, 2],
      encoding: "json",
      e2e_encodings: ["json", "arrow"],
      rate: 0,
      seed: 1,
      repeat,
    },
    kafka: { ran: true, topics: "the topics of 3 cell runs, bench-x-*, all deleted" },
    cells,
    interrupted: false,
    lost: 0,
    duplicates: 0,
    failed_cells: 0,
    ok: true,
  };
}

Deno.test("tables, text and HTML show medians with their min..max when cells ran repeatedly", () => {
  const [table] = benchTables(report(3));
  assert.deepEqual(
    table.header.slice(4, 13),
    [
      "burst tx/s",
      "min..max",
      "µs CPU/tx",
      "paced tx/s",
      "offered tx/s",
      "latency p50 ms",
      "p99 ms",
      "min..max",
      "lost",
    ],
  );
  assert.deepEqual(table.rows[0].slice(4, 7), ["2000", "1000..3000", "6.00"]);
  assert.equal(table.rows[0][10], "51", "the median p99 of the runs");
  assert.equal(table.rows[0][11], "50.0..52.0");
  const text = benchText(report(3));
  assert.match(text, /median of 3 runs per cell/);
  assert.match(text, /1 cells \(3 runs\), every transaction scored exactly once/);
  assert.match(benchReportHtml(report(3)), /1000\.\.3000/);

  const once = benchTables(report(1))[0];
  assert.ok(!once.header.includes("min..max"), "one run: no range columns");
  assert.match(benchText(report(1)), /one run per cell/);
});

Deno.test("tables: a cell whose paced load was above its burst in some runs says so in its check column", () => {
  const above = (throughput: number) =>
    run(throughput, 900, {
      details: {
        paced: { rate: 2 * throughput, rate_above_burst: true },
      } as unknown as PipelineResult,
    });
  const check = (runs: RunReport[]) => {
    const [table] = benchTables({ ...report(1), cells: [summarizeCell(plan, runs)] });
    return table.rows[0][table.header.indexOf("check")];
  };
  assert.equal(check([run(1000, 50), run(2000, 51)]), "ok");
  assert.equal(
    check([run(1000, 50), above(2000), run(3000, 52)]),
    "ok; paced load above the burst throughput in 1 of 3 runs: its latency is a backlog's",
  );
  assert.equal(
    check([above(1000)]),
    "ok; paced load above the burst throughput: its latency is a backlog's",
  );
});
