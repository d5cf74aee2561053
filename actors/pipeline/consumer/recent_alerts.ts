/**
 * The dashboard's latest alerts, fed from the consumer's committed batches: every row whose score
 * reached the batch's threshold, once its batch (and with it the alert) is committed. Only those
 * rows are read out of the batch's columns.
 *
 * @module
 */

import { transactionAt } from "../../../model/columns.ts";
import type { RecentAlerts } from "../../observe/dashboard/status.ts";
import type { PipelineEmitter } from "../events.ts";
import { alertReasons } from "./alert_reasons.ts";

/** Adds the alerts of every committed batch to `alerts`; returns the function that stops it. */
export function followAlerts(events: PipelineEmitter, alerts: RecentAlerts): () => void {
  return events.on("committed", (batch) => {
    if (batch.alerts === 0) return;
    const detectedAt = new Date().toISOString();
    for (let i = 0; i < batch.rows; i++) {
      const score = batch.scores[i];
      if (score < batch.threshold) continue;
      const row = transactionAt(batch.columns, i);
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
