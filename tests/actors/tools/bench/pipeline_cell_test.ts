import assert from "node:assert/strict";
import { runMain } from "../../../fixtures/main_run.ts";

Deno.test("bench e2e --rate above the burst throughput: a WARNING naming both, and the paced figures marked", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { code, out, err } = await runMain([
      "bench",
      "e2e",
      "--rows",
      "500",
      "--partitions",
      "1",
      "--workers",
      "1",
      "--repeat",
      "1",
      "--rate",
      "10000000",
      "--report",
      `${dir}/bench.json`,
    ]);
    assert.equal(code, 0, [...err, ...out].join("\n"));
    const report = JSON.parse(await Deno.readTextFile(`${dir}/bench.json`));
    assert.equal(report.cells.length, 2, "json and arrow");
    const warnings = err.filter((line) => line.includes("WARNING"));
    assert.equal(warnings.length, 2, `one per run of a cell:\n${err.join("\n")}`);
    for (const [i, cell] of report.cells.entries()) {
      assert.match(
        warnings[i],
        new RegExp(
          `^bench: \\[${i + 1}/2\\] e2e embedded ${cell.encoding}.*: WARNING: the paced load of ` +
            `10000000 tx/s \\(--rate\\) is above the burst throughput measured, ` +
            `${cell.throughput} tx/s: `,
        ),
      );
      assert.equal(cell.details.paced.rate, 10000000);
      assert.equal(cell.details.paced.rate_above_burst, true);
      assert.equal(cell.runs[0].details.paced.rate_above_burst, true);
    }
    const e2e = out.filter((line) => line.startsWith("| embedded"));
    assert.equal(e2e.length, 2);
    for (const row of e2e) {
      assert.match(row, /\| ok; paced load above the burst throughput: its latency is a backlog's/);
    }
    assert.match(
      await Deno.readTextFile(`${dir}/bench.html`),
      /paced load above the burst throughput/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
