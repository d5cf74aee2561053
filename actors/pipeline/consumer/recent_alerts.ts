/**
 * The dashboard's latest alerts, fed from the consumer's committed batches: every row whose score
 * reached the batch's threshold, once its batch (and with it the alert) is committed. Only the
 * alerts the list keeps are read out of the batch's columns.
 *
 * @module
 */

import { alertFieldsAt } from "../../../model/columns.ts";
import type { RecentAlerts } from "../../observe/dashboard/status.ts";
import type { PipelineEmitter } from "../events.ts";
import { alertReasons } from "./alert_reasons.ts";

/** Adds the alerts of every committed batch to `alerts`; returns the function that stops it. */
export function followAlerts(events: PipelineEmitter, alerts: RecentAlerts): () => void {
  return events.on("committed", (batch) => {
    if (batch.alerts === 0) return;
    const detectedAt = new Date().toISOString();
    // Only the batch's last `alerts.size` alerts would stay in the list: the others are not read.
    const kept: number[] = [];
    for (let i = batch.rows - 1; i >= 0 && kept.length < alerts.size; i--) {
      if (batch.scores[i] >= batch.threshold) kept.push(i);
    }
    for (const i of kept.reverse()) {
      const score = batch.scores[i];
      const row = alertFieldsAt(batch.columns, i);
      alerts.add({
        trans_num: row.trans_num,
        cc_num: row.cc_num,
        amt: row.amt,
        category: row.category,
        score,
        event_time: `${row.trans_date}T${row.trans_time}`,
        detected_at: detectedAt,
        model_version: batch.modelVersion,
        ...alertReasons(batch.reasons, i),
      });
    }
  });
}
