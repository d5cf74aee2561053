/**
 * The messages a partition actor writes: alerts, dead letters of undecodable messages and of
 * repeated transaction ids, and card-state snapshots (score messages: `score_records.ts`).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import type { Transaction } from "../../../model/schema.ts";
import {
  type AlertFields,
  alertFieldsAt,
  type TransactionColumns,
} from "../../../model/columns.ts";
import type { NodeValueSource } from "../../../model/forest/node_values.ts";
import type { BatchReasons, ReasonCode } from "../../../model/reason_codes.ts";
import { boundedReason, excerptFields, rawExcerpt } from "../codec/raw_excerpt.ts";
import type { LogRecord, OutgoingRecord } from "../../log/types.ts";
import { encodeStrings } from "../codec/utf8.ts";
import { JSON_HEADERS } from "../codec/transactions.ts";

const encoder = new TextEncoder();

/** An alert as written to `fraud-alerts` (JSON). */
export interface Alert {
  trans_num: string;
  cc_num: string;
  amt: number;
  category: string;
  merchant: string;
  score: number;
  threshold: number;
  model_version: string;
  /** Event time of the transaction: `trans_date` and `trans_time`, as written by the generator. */
  event_time: string;
  unix_time: number;
  /** When the alert was produced (ISO 8601, UTC). */
  detected_at: string;
  partition: number;
  offset: number;
  /**
   * Reason codes: the features that raised the score most, largest first; their contributions
   * and the base rate add up to the score when all features are counted.
   */
  reasons?: ReasonCode[];
  /** The model's score before any split (contributions are measured from it). */
  reasons_base_rate?: number;
  /** `training`: node fraud shares kept by the model; `children-mean`: estimated from leaves. */
  reasons_node_values?: NodeValueSource;
}

/** The reason codes of one alert and how they were measured. */
export interface ExplainedAlert {
  /** The JSON text of its `ReasonCode[]`, as `BatchReasons` holds it. */
  reasonsJson: string;
  baseRate: number;
  nodeValues: NodeValueSource;
}

/** The reason codes of row `row` of a batch, if it has any. */
export function explainedAlert(
  batch: BatchReasons | undefined,
  row: number,
): ExplainedAlert | undefined {
  const reasonsJson = batch?.rows.get(row);
  return reasonsJson === undefined
    ? undefined
    : { reasonsJson, baseRate: batch!.baseRate, nodeValues: batch!.nodeValues };
}

/** Where a row came from. */
export interface RowSource {
  partition: number;
  offset: number;
}

/** What an alert says besides its transaction's fields. */
export interface AlertDetails {
  score: number;
  threshold: number;
  modelVersion: string;
  /** When the alert was produced, ISO 8601 (one `toISOString` a batch, not one an alert). */
  detectedAt: string;
  source: RowSource;
  /** Its reason codes, when the scorer gave them. */
  explained?: ExplainedAlert;
}

/** The JSON text of the alert of a transaction that scored at or above the threshold. */
export function alertJson(row: AlertFields, details: AlertDetails): string {
  const alert: Alert = {
    trans_num: row.trans_num,
    cc_num: row.cc_num,
    amt: row.amt,
    category: row.category,
    merchant: row.merchant,
    score: Math.round(details.score * 1e6) / 1e6,
    threshold: details.threshold,
    model_version: details.modelVersion,
    event_time: `${row.trans_date}T${row.trans_time}`,
    unix_time: row.unix_time,
    detected_at: details.detectedAt,
    partition: details.source.partition,
    offset: details.source.offset,
  };
  const json = JSON.stringify(alert);
  const explained = details.explained;
  if (!explained) return json;
  // The reasons arrive as JSON text: spliced in where `reasons` and the two fields after it
  // would be written, the same bytes as stringifying the alert with them.
  return `${json.slice(0, -1)},"reasons":${explained.reasonsJson},"reasons_base_rate":${
    JSON.stringify(Math.round(explained.baseRate * 1e6) / 1e6)
  },"reasons_node_values":${JSON.stringify(explained.nodeValues)}}`;
}

/** The JSON text of a message (an alert) and the card number it is keyed by. */
export interface JsonMessage {
  cardNumber: string;
  json: string;
}

/**
 * The JSON messages of a batch (alerts, each keyed by its card number), their texts
 * encoded into one buffer that the messages are views of: one allocation a batch rather than one
 * a message, which cost more than writing the message.
 */
export function jsonRecords(messages: readonly JsonMessage[]): OutgoingRecord[] {
  const { bytes, offsets } = encodeStrings(messages.map((message) => message.json));
  return messages.map((message, i) => ({
    key: message.cardNumber,
    value: bytes.subarray(offsets[i], offsets[i + 1]),
    headers: JSON_HEADERS,
  }));
}

/**
 * The alert records of a scored batch, one for each row at or above the threshold. Their texts
 * are made and encoded here and dropped on return, so a partition actor keeps none of them while
 * its batch commits: kept, they outlived two young collections and were copied into the old
 * generation, alerts' worth of strings a batch.
 */
export function alertRecords(
  columns: TransactionColumns,
  scored: { scores: Float32Array; threshold: number; modelVersion: string; reasons?: BatchReasons },
  source: { partition: number; offsets: Float64Array },
): OutgoingRecord[] {
  const { scores, threshold, modelVersion, reasons } = scored;
  const detectedAt = new Date().toISOString();
  const alerts: JsonMessage[] = [];
  for (let i = 0; i < columns.length; i++) {
    const score = scores[i];
    if (!(score >= threshold)) continue;
    const row = alertFieldsAt(columns, i);
    const details = {
      score,
      threshold,
      modelVersion,
      detectedAt,
      source: { partition: source.partition, offset: source.offsets[i] },
      explained: explainedAlert(reasons, i),
    };
    alerts.push({ cardNumber: row.cc_num, json: alertJson(row, details) });
  }
  return jsonRecords(alerts);
}

/** The dead-letter message of a log record that could not be decoded. */
export function undecodableRecord(
  record: LogRecord,
  details: { topic: string; partition: number; reason: string },
): OutgoingRecord {
  const raw = rawExcerpt(record.value);
  const reason = boundedReason(details.reason);
  return {
    key: record.key,
    value: encoder.encode(JSON.stringify({
      reason,
      source: "consumer",
      topic: details.topic,
      partition: details.partition,
      offset: record.offset,
      raw_base64: Buffer.from(raw.head).toString("base64"),
      ...excerptFields(raw),
    })),
    headers: { reason, source: "consumer" },
  };
}

/** Reason of the dead letter of a row whose transaction id its partition has seen before. */
export const DUPLICATE_REASON = "duplicate transaction id";

/** The dead-letter message of a row whose `trans_num` its partition has seen before (as JSON). */
export function duplicateRecord(
  row: Transaction,
  details: { topic: string; source: RowSource },
): OutgoingRecord {
  const raw = rawExcerpt(encoder.encode(JSON.stringify(row)));
  return {
    key: row.cc_num,
    value: encoder.encode(JSON.stringify({
      reason: DUPLICATE_REASON,
      source: "consumer",
      topic: details.topic,
      partition: details.source.partition,
      offset: details.source.offset,
      trans_num: row.trans_num,
      raw_base64: Buffer.from(raw.head).toString("base64"),
      ...excerptFields(raw),
    })),
    headers: { reason: DUPLICATE_REASON, source: "consumer" },
  };
}

/**
 * The key prefix of the card states of one pipeline (consumer group and input topic): pipelines
 * sharing a card-state topic neither restore nor compact away each other's states.
 */
export function cardStateScope(groupId: string, topic: string): string {
  return `${groupId}/${topic}/`;
}

/** A card-state snapshot, in the card-state partition matching the input partition. */
export function cardStateRecord(
  scope: string,
  card: string,
  state: Uint8Array,
  source: RowSource,
): OutgoingRecord {
  return {
    key: scope + card,
    value: state,
    partition: source.partition,
    headers: { offset: String(source.offset) },
  };
}
