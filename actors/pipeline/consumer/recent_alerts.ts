/**
 * The dashboard's latest alerts, fed from the consumer's committed batches: every row whose score
 * reached the batch's threshold, once its batch (and with it the alert) is committed. An alert is
 * read out of its batch's columns only when the list is read while it is still kept there (the
 * list holds on to at most that many batches meanwhile).
 *
 * @module
 */

import { alertFieldsAt } from "../../../model/columns.ts";
import type { AlertSummary, RecentAlerts } from "../../observe/dashboard/status.ts";
import type { CommittedBatch, PipelineEmitter } from "../events.ts";
import { alertReasons } from "./alert_reasons.ts";

/** Adds the alerts of every committed batch to `alerts`; returns the function that stops it. */
export function followAlerts(events: PipelineEmitter, alerts: RecentAlerts): () => void {
  return events.on("committed", (batch) => {
    if (batch.alerts === 0) return;
    const detectedAt = Date.now();
    // Only the batch's last `alerts.size` alerts would stay in the list: the others are not read.
    const kept: number[] = [];
    for (let i = batch.rows - 1; i >= 0 && kept.length < alerts.size; i--) {
      if (batch.scores[i] >= batch.threshold) kept.push(i);
    }
    for (const i of kept.reverse()) alerts.add(() => summary(batch, i, detectedAt));
  });
}

/** Row `i` of `batch` as the dashboard lists it. */
function summary(batch: CommittedBatch, i: number, detectedAt: number): AlertSummary {
  const row = alertFieldsAt(batch.columns, i);
  return {
    trans_num: row.trans_num,
    cc_num: row.cc_num,
    amt: row.amt,
    category: row.category,
    score: batch.scores[i],
    event_time: `${row.trans_date}T${row.trans_time}`,
    detected_at: new Date(detectedAt).toISOString(),
    model_version: batch.modelVersion,
    ...alertReasons(batch.reasons, i),
  };
}
