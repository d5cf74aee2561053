/**
 * Generator throughput: a training set of 1000 customers for 2023-01-01..2023-12-31 (train
 * mode, files written to a temporary folder), with one worker and with one worker per core.
 * Prints the median rows/s and MB/s of the measured runs at the end.
 *
 *   deno bench --allow-all tests/actors/pipeline/generator/generator_bench.ts
 *
 * Set GEN_BENCH_CUSTOMERS to change the number of customers.
 *
 * @module
 */

import { defaultWorkers, generateTrainingSet } from "../../../../actors/pipeline/generator/mod.ts";
import type { GenerateReport } from "../../../../actors/pipeline/generator/mod.ts";
import { median } from "../../../../actors/tools/bench/summary.ts";

const CUSTOMERS = Number(Deno.env.get("GEN_BENCH_CUSTOMERS") ?? 1000);
const RUNS = 3;
const cores = defaultWorkers();
/** Each measured call: its report and its wall-clock duration (the whole call), in seconds. */
const results = new Map<string, { report: GenerateReport; seconds: number }[]>();

for (const workers of [...new Set([1, cores])]) {
  const name = `train ${CUSTOMERS} customers 2023, ${workers} worker${workers > 1 ? "s" : ""}`;
  results.set(name, []);
  Deno.bench({
    name,
    n: RUNS,
    warmup: 1,
    async fn(b) {
      const dir = await Deno.makeTempDir({ prefix: "fraudstream-bench-" });
      try {
        b.start();
        const started = performance.now();
        const report = await generateTrainingSet({
          customers: CUSTOMERS,
          start: "2023-01-01",
          end: "2023-12-31",
          seed: 42,
          workers,
          outDir: dir,
        });
        const seconds = (performance.now() - started) / 1000;
        b.end();
        results.get(name)!.push({ report, seconds });
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

globalThis.addEventListener("unload", () => {
  for (const [name, runs] of results) {
    // The first calls of each benchmark are Deno's warm-up; the last RUNS are the measured ones.
    const measured = runs.length > RUNS ? runs.slice(runs.length - RUNS) : runs;
    if (measured.length === 0) continue;
    const rowsPerSecond = median(measured.map((r) => r.report.rows / r.seconds));
    const mbPerSecond = median(measured.map((r) => r.report.bytes / r.seconds / 1e6));
    const { rows, bytes } = measured[0].report;
    console.log(
      `${name}: median of ${measured.length} runs: ${
        Math.round(rowsPerSecond).toLocaleString("en-US")
      } rows/s, ` +
        `${mbPerSecond.toFixed(0)} MB/s (${rows.toLocaleString("en-US")} rows, ` +
        `${(bytes / 1e6).toFixed(0)} MB per run; ${runs.length} calls in all; measured: ${
          measured.map((r) => Math.round(r.report.rows / r.seconds).toLocaleString("en-US"))
            .join(", ")
        } rows/s)`,
    );
  }
});
