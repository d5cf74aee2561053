import assert from "node:assert/strict";
import { runMainInterrupted } from "../../../fixtures/main_run.ts";

/** A tiny end-to-end bench: two cells (json and arrow), one run each, on the embedded log. */
const TINY_E2E = ["bench", "e2e", "--rows", "500", "--partitions", "1", "--workers", "1"];

/** Runs `args` in-process, interrupted (as by Ctrl-C) at the first status line matching `at`. */
function runInterrupted(args: string[], at: RegExp) {
  return runMainInterrupted(args, (line) => at.test(line));
}

Deno.test("bench interrupted after its first cell: exit 130, that cell printed and in both reports, marked interrupted", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The first cell's outcome line: Ctrl-C before the second cell starts.
    const { code, out, err } = await runInterrupted(
      [...TINY_E2E, "--repeat", "1", "--report", `${dir}/bench.json`],
      /^bench: \[1\/2\] .*lost 0, duplicates 0/,
    );
    const all = [...err, ...out].join("\n");
    assert.equal(code, 130, all);
    assert.match(
      err[err.length - 1],
      /^fraudstream: bench was interrupted; the 1 cell measured before it is printed above, and in .*bench\.json and .*bench\.html$/,
    );
    assert.doesNotMatch(all, /internal error|stack trace|^\s+at /m);
    assert.match(out.join("\n"), /1 cells \(1 runs\).*\(interrupted before the last cells\)/);
    const report = JSON.parse(await Deno.readTextFile(`${dir}/bench.json`));
    assert.equal(report.interrupted, true);
    assert.equal(report.cells.length, 1);
    assert.equal(report.cells[0].ok, true, JSON.stringify(report.cells[0].error));
    assert.equal(report.cells[0].details.paced.rate_above_burst, false, "half the burst rate");
    assert.doesNotMatch(all, /WARNING/, "the default paced load is below the burst");
    assert.equal(report.html, `${dir}/bench.html`);
    assert.match(await Deno.readTextFile(`${dir}/bench.html`), /interrupted before the last cells/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench interrupted while it generates its data: exit 130, saying nothing was measured", async () => {
  const { code, out, err } = await runInterrupted([...TINY_E2E, "--repeat", "1"], /generating/);
  assert.equal(code, 130, [...err, ...out].join("\n"));
  assert.equal(
    err[err.length - 1],
    "fraudstream: bench was interrupted while it generated its data; nothing was measured",
  );
  assert.deepEqual(out, []);
});
