/**
 * `/metrics` and `--report` of the same `fraudstream run` agree on what went through.
 *
 * What is compared, and when. `run --duration` stops generating, prints "generation stopped after
 * N transactions; draining", waits until every published transaction is scored (or
 * dead-lettered), stops its actors, builds the report from the same counters and closes its
 * server, and with it `/metrics`, right away. So the test scrapes `/metrics` back to back from the
 * "draining" line until the server is gone:
 *
 * - every scrape from then on has the final `generated` total, which must equal the report's;
 * - a scrape that shows the pipeline drained (scored + dead letters = generated: nothing is left
 *   to publish or to score) has counters that cannot move any more, so produced, scored, alerts
 *   and dead letters must equal the report's figures exactly, and every partition's lag is 0.
 *
 * The drained state is visible for a few tens of milliseconds before the server closes, in which
 * the back-to-back scrapes (a few ms each) normally land. If none does, the last scrape is only a
 * lower bound of the report's figures; the test then checks that and says so in its output
 * rather than failing on a race it cannot win (`run` would have to keep serving after the drain).
 *
 * @module
 */

import assert from "node:assert/strict";
import { parsePrometheus, type PrometheusFamily } from "../../../fixtures/prometheus.ts";
import { startDemoRun } from "./demo_run.ts";

/** The report's figure for each counter of `/metrics`. */
const COUNTERS = {
  fraudstream_transactions_produced_total: "produced",
  fraudstream_transactions_scored_total: "scored",
  fraudstream_alerts_total: "alerts",
  fraudstream_dead_letters_total: "dead_letters",
} as const;

type Metrics = Map<string, PrometheusFamily>;

/** The one sample of a counter of the `run` role. */
function counter(metrics: Metrics, name: string): number {
  const family = metrics.get(name);
  assert.ok(family, `/metrics has ${name}`);
  assert.equal(family.type, "counter", name);
  assert.equal(family.samples.length, 1, name);
  assert.deepEqual(family.samples[0].labels, { role: "run" }, name);
  return family.samples[0].value;
}

function drained(metrics: Metrics): boolean {
  return counter(metrics, "fraudstream_transactions_scored_total") +
      counter(metrics, "fraudstream_dead_letters_total") ===
    counter(metrics, "fraudstream_transactions_generated_total");
}

Deno.test("the counters of /metrics after the drain equal the figures of --report", async () => {
  const run = await startDemoRun(["--duration", "3"]);
  try {
    const draining = await run.line(/^run: generation stopped after \d+ transactions; draining$/);
    let last: Metrics | undefined;
    let lastDrained: Metrics | undefined;
    let scrapes = 0;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      let text: string;
      try {
        const response = await fetch(`${run.url}metrics`);
        text = await response.text();
        if (!response.ok) break;
      } catch {
        break; // the server closed: the run is over
      }
      scrapes++;
      last = parsePrometheus(text);
      if (drained(last)) lastDrained = last;
    }
    assert.equal(await run.exited, 0, run.output.join("\n"));
    const report = await run.report();
    assert.equal(report.drained, true, "the run drained");
    assert.equal(report.lost, 0);
    assert.equal(report.duplicates, 0);
    assert.ok((report.generated as number) > 1000, "a real load went through");
    assert.ok(last, `no scrape after '${draining}'`);

    assert.equal(
      counter(last, "fraudstream_transactions_generated_total"),
      report.generated,
      "generated, final since the draining line",
    );
    if (lastDrained) {
      for (const [name, key] of Object.entries(COUNTERS)) {
        assert.equal(counter(lastDrained, name), report[key], `${name} = report ${key}`);
      }
      const lag = lastDrained.get("fraudstream_consumer_lag_records")!.samples;
      assert.equal(lag.length, report.partitions, "a lag per partition");
      assert.ok(lag.every((sample) => sample.value === 0), "no lag once drained");
    } else {
      console.log(
        `none of ${scrapes} scrapes after the draining line saw the drained pipeline before the ` +
          "server closed; comparing the last one as a lower bound of the report",
      );
      for (const [name, key] of Object.entries(COUNTERS)) {
        assert.ok(counter(last, name) <= (report[key] as number), `${name} <= report ${key}`);
      }
    }
  } finally {
    await run.close();
  }
});
