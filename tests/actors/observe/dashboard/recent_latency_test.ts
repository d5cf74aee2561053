import assert from "node:assert/strict";
import { Histogram } from "../../../../actors/observe/metrics/histogram.ts";
import { RecentHistogram } from "../../../../actors/observe/metrics/recent_histogram.ts";
import { startStatusServer } from "../../../../actors/observe/dashboard/server.ts";
import type { RoleStatus } from "../../../../actors/observe/dashboard/status.ts";
import { ActorSystem } from "../../../../actors/runtime/mod.ts";
import { parsePrometheus } from "../../../fixtures/prometheus.ts";
import { delay } from "../../../../actors/lib/async.ts";

Deno.test("since: what a histogram recorded after a copy of it was taken", () => {
  const histogram = new Histogram();
  for (let i = 0; i < 100; i++) histogram.record(1000);
  const before = histogram.copy();
  for (let i = 0; i < 10; i++) histogram.record(5);
  const delta = histogram.since(before);
  assert.equal(delta.count, 10);
  assert.equal(delta.sum, 50);
  assert.ok(Math.abs(delta.quantile(0.99) - 5) / 5 < 0.05, `${delta.quantile(0.99)}`);
  assert.ok(delta.max >= 5 && delta.max < 5.3, `the window's own maximum, not 1000: ${delta.max}`);
  assert.equal(histogram.since(histogram.copy()).count, 0);
});

Deno.test("recent window: percentiles of about the last window, not of the whole run", () => {
  const cumulative = new Histogram();
  const recent = new RecentHistogram(10_000);
  // A slow minute, then fast seconds.
  for (let t = 0; t <= 60_000; t += 1000) {
    for (let i = 0; i < 10; i++) cumulative.record(t < 50_000 ? 2000 : 20);
    recent.sample(cumulative, t);
  }
  const window = recent.recent(cumulative);
  assert.equal(window.count, 100, "ten samples of ten values: the last 10 s");
  assert.ok(window.quantile(0.99) < 25, `recent p99 ${window.quantile(0.99)}`);
  assert.ok(cumulative.quantile(0.5) > 1000, "the cumulative p50 still shows the slow minute");
  assert.equal(new RecentHistogram().recent(cumulative).count, cumulative.count, "no sample yet");
});

Deno.test("the server's JSON has recent percentiles; /metrics stays cumulative", async () => {
  const system = await ActorSystem.start({ kind: "supervisor", id: "root", children: [] });
  const latency = new Histogram();
  for (let i = 0; i < 1000; i++) latency.record(900);
  const status = (): RoleStatus => ({
    role: "test",
    startedAt: Date.now() - 1000,
    now: Date.now(),
    transport: "embedded",
    ready: true,
    counters: {},
    lag: [],
    latency,
    tree: system.snapshot(),
    recentAlerts: [],
  });
  const server = startStatusServer({
    host: "127.0.0.1",
    port: 0,
    status,
    intervalMs: 20,
    latencyWindowMs: 1000,
  });
  try {
    await delay(1200); // every copy the window keeps has the slow values
    for (let i = 0; i < 100; i++) latency.record(3);
    await delay(60);
    const json = await (await fetch(`${server.url}api/status`)).json();
    assert.equal(json.recentLatencyMs.windowS, 1);
    assert.equal(json.recentLatencyMs.count, 100);
    assert.ok(json.recentLatencyMs.p99 < 4, JSON.stringify(json.recentLatencyMs));
    assert.equal(json.latencyMs.count, 1100);
    assert.ok(json.latencyMs.p50 > 800);
    const metrics = parsePrometheus(await (await fetch(`${server.url}metrics`)).text());
    const histogram = metrics.get("fraudstream_detection_latency_seconds")!;
    assert.equal(histogram.samples.find((s) => s.labels.le === "+Inf")!.value, 1100);
  } finally {
    await server.close();
    await system.shutdown();
  }
});
