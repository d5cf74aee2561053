import assert from "node:assert/strict";
import type { DriftStatus } from "../../../../actors/observe/dashboard/drift_status.ts";
import { DASHBOARD_HTML } from "../../../../actors/observe/dashboard/page.ts";
import { prometheusText } from "../../../../actors/observe/dashboard/prometheus.ts";
import { type RoleStatus, statusJson } from "../../../../actors/observe/dashboard/status.ts";
import { ActorSystem } from "../../../../actors/runtime/mod.ts";
import { parsePrometheus } from "../../../fixtures/prometheus.ts";

const DRIFT: DriftStatus = {
  modelVersion: "v1",
  state: "judging",
  threshold: 0.2,
  windowHours: 168,
  windowRows: 4321,
  sample: 0.25,
  subjects: [
    { name: "category", psi: 6.4, alarm: true },
    { name: "hour", psi: 0.05, alarm: false },
    { name: "score", psi: null, alarm: false },
  ],
};

Deno.test("drift figures: /metrics gauges per judged feature, /api/status as given, the page's panel", async () => {
  const system = await ActorSystem.start({ kind: "supervisor", id: "root", children: [] });
  try {
    const status: RoleStatus = {
      role: "consume",
      startedAt: 0,
      now: 1,
      transport: "embedded",
      ready: true,
      counters: {},
      lag: [],
      tree: system.snapshot(),
      recentAlerts: [],
      drift: DRIFT,
    };
    const metrics = parsePrometheus(prometheusText(status));
    const psi = metrics.get("fraudstream_drift_psi")!;
    assert.equal(psi.type, "gauge");
    // The score is not judged yet: no sample for it.
    assert.deepEqual(
      psi.samples.map((s) => [s.labels.feature, s.labels.model_version, s.labels.role, s.value]),
      [["category", "v1", "consume", 6.4], ["hour", "v1", "consume", 0.05]],
    );
    assert.deepEqual(
      metrics.get("fraudstream_drift_alarm")!.samples.map((s) => [s.labels.feature, s.value]),
      [["category", 1], ["hour", 0]],
    );
    assert.equal(metrics.get("fraudstream_drift_threshold")!.samples[0].value, 0.2);
    assert.equal(metrics.get("fraudstream_drift_window_rows")!.samples[0].value, 4321);
    assert.equal(metrics.get("fraudstream_drift_judging")!.samples[0].value, 1);
    assert.deepEqual(statusJson(status).drift, DRIFT);
    // Without a monitor (the producer): no drift families, null in the JSON.
    const none = { ...status, drift: undefined };
    assert.ok(!prometheusText(none).includes("fraudstream_drift"));
    assert.equal(statusJson(none).drift, null);
    assert.match(DASHBOARD_HTML, /id="drift-panel" hidden/);
    assert.match(DASHBOARD_HTML, /renderDrift\(status\);/);
  } finally {
    await system.shutdown();
  }
});
