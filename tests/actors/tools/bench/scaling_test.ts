import assert from "node:assert/strict";
import { runMain } from "../../../fixtures/main_run.ts";
import {
  MAX_PACED_MULTIPLE,
  MIN_PACED_SECONDS,
  pacedRows,
  partitionGrid,
  planCells,
  workerGrid,
} from "../../../../actors/tools/bench/plan.ts";

Deno.test("bench grids: 1, 2, 6 partitions and powers of two workers up to the maximum", () => {
  assert.deepEqual(partitionGrid(6), [1, 2, 6]);
  assert.deepEqual(partitionGrid(4), [1, 2, 4]);
  assert.deepEqual(partitionGrid(12), [1, 2, 6, 12]);
  assert.deepEqual(partitionGrid(1), [1]);
  assert.deepEqual(workerGrid(2), [1, 2]);
  assert.deepEqual(workerGrid(6), [1, 2, 4, 6]);
  assert.deepEqual(workerGrid(1), [1]);
  const grid = { rows: 1000, partitions: [1, 2, 6], workers: [1, 2], encoding: "json" as const };
  const scaling = planCells({ ...grid, scenario: "scaling" }, ["embedded", "kafka"]);
  const count = (section: string) => scaling.filter((c) => c.section === section).length;
  assert.equal(count("consumer"), 2 * 6);
  assert.equal(count("producer"), 2 * 2);
  assert.equal(count("growth"), 2 * 4);
  assert.equal(count("e2e"), 2 * 12, "encodings x partitions x workers, on both logs");
  assert.ok(scaling.filter((c) => c.transport === "kafka").every((c) => c.rows < 1000));
  const e2e = planCells({ ...grid, scenario: "e2e" }, ["embedded"]);
  assert.ok(e2e.length === 12 && e2e.every((c) => c.section === "e2e"));
  const consumer = planCells({ ...grid, scenario: "consumer" }, ["embedded"]);
  assert.ok(consumer.length === 6 && consumer.every((c) => c.section === "consumer"));
});

Deno.test("bench e2e: a given rate paces at least some seconds of rows, on Kafka's small cells too", () => {
  const grid = { rows: 500_000, partitions: [6], workers: [2], encoding: "arrow" as const };
  const cells = planCells({ ...grid, scenario: "e2e" }, ["embedded", "kafka"]);
  const kafka = cells.find((c) => c.transport === "kafka")!;
  const embedded = cells.find((c) => c.transport === "embedded")!;
  assert.equal(kafka.rows, 100_000, "a Kafka cell takes a fifth of the rows");
  // 50,000 tx/s over half the Kafka cell's rows would be a second of load: 5 s instead.
  assert.equal(pacedRows(kafka, 50_000), 50_000 * MIN_PACED_SECONDS);
  assert.ok(MIN_PACED_SECONDS >= 5);
  // A rate slow enough for half the rows to last longer keeps them; rate 0 (half the burst
  // throughput, not known before the burst) paces half the rows.
  assert.equal(pacedRows(embedded, 10_000), 250_000);
  assert.equal(pacedRows(kafka, 0), 50_000);
  // A rate no pipeline takes (the bench warns of it) paces at most some multiple of the rows.
  assert.equal(pacedRows(kafka, 10_000_000), MAX_PACED_MULTIPLE * 100_000);
  assert.ok(MAX_PACED_MULTIPLE <= 10);
  const consumer = planCells({ ...grid, scenario: "consumer" }, ["embedded"])[0];
  assert.equal(pacedRows(consumer, 50_000), 0, "only end-to-end cells have a paced phase");
});

Deno.test("bench scaling (embedded, tiny): every cell accounts for every row; JSON and HTML", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { code, out, err } = await runMain(
      [
        "bench",
        "scaling",
        "--rows",
        "2000",
        "--partitions",
        "2",
        "--workers",
        "1",
        "--quiet",
        "--report",
        `${dir}/bench.json`,
      ],
    );
    assert.equal(code, 0, [...err, ...out].join("\n"));
    const report = JSON.parse(await Deno.readTextFile(`${dir}/bench.json`));
    assert.equal(report.scenario, "scaling");
    assert.equal(report.ok, true);
    assert.equal(report.lost, 0);
    assert.equal(report.duplicates, 0);
    assert.equal(report.kafka.ran, false);
    assert.match(report.kafka.skipped, /--brokers/);
    assert.equal(typeof report.model_version, "string");
    const sections = new Map<string, number>();
    for (const cell of report.cells) {
      sections.set(cell.section, (sections.get(cell.section) ?? 0) + 1);
      assert.equal(cell.transport, "embedded");
      assert.equal(cell.ok, true, JSON.stringify(cell));
      assert.equal(cell.lost, 0);
      assert.equal(cell.duplicates, 0);
      assert.ok(cell.throughput > 0, `${cell.section}: throughput`);
      assert.equal(cell.accounting.scored, cell.accounting.produced);
      assert.equal(cell.accounting.produced, cell.accounting.written);
    }
    assert.deepEqual(Object.fromEntries(sections), { consumer: 2, producer: 2, growth: 4, e2e: 4 });
    const e2e = report.cells.filter((cell: { section: string }) => cell.section === "e2e");
    for (const cell of e2e) {
      assert.ok(cell.latency_ms.p50 > 0 && cell.latency_ms.p99 >= cell.latency_ms.p50);
    }
    assert.deepEqual(e2e.map((cell: { encoding: string }) => cell.encoding).sort(), [
      "arrow",
      "arrow",
      "json",
      "json",
    ]);
    assert.equal(report.html, `${dir}/bench.html`);
    const html = await Deno.readTextFile(`${dir}/bench.html`);
    assert.match(html, /<svg/);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, "no external assets");
    const text = out.join("\n");
    for (const title of ["Consumer throughput", "Producer throughput", "as data grows"]) {
      assert.ok(text.includes(title), title);
    }
    assert.match(text, /Kafka cells skipped/);
    assert.match(text, /lost 0, duplicates 0/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench --report X.json refuses, before running, an X.html that is not its own report", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const page = "<html><body>my notes</body></html>\n";
    await Deno.writeTextFile(`${dir}/notes.html`, page);
    const started = performance.now();
    const { code, err } = await runMain(
      ["bench", "e2e", "--rows", "100", "--quiet", "--report", `${dir}/notes.json`],
    );
    assert.equal(code, 2, err.join("\n"));
    assert.match(err.join("\n"), /notes\.html is not a fraudstream bench report.* left as it is/);
    assert.ok(performance.now() - started < 5000, "refused before the bench ran");
    assert.equal(await Deno.readTextFile(`${dir}/notes.html`), page);
    assert.ok(!(await Deno.stat(`${dir}/notes.json`).catch(() => undefined)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
