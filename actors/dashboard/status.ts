/**
 * What a long-running role reports about itself: counters, lag, latency, the actor tree and the
 * latest alerts. The dashboard, `/metrics` and `--report` all read this one snapshot.
 *
 * @module
 */

import type { ActorSnapshot } from "../runtime/mod.ts";
import type { Histogram } from "../metrics/histogram.ts";

/** A recent alert as the dashboard lists it. */
export interface AlertSummary {
  trans_num: string;
  cc_num: string;
  amt: number;
  category: string;
  score: number;
  event_time: string;
  detected_at: string;
  model_version: string;
}

/** Cumulative counters; a role fills the ones it has. */
export interface Counters {
  generated?: number;
  produced?: number;
  scored?: number;
  alerts?: number;
  deadLetters?: number;
}

/** One snapshot of a role. */
export interface RoleStatus {
  role: string;
  /** ms since the epoch. */
  startedAt: number;
  now: number;
  transport: "kafka" | "embedded";
  ready: boolean;
  modelVersion?: string;
  counters: Counters;
  /** Records behind, by partition (consumers). */
  lag: number[];
  /** Detection latency (record appended -> alert committed), in ms. */
  latency?: Histogram;
  tree: ActorSnapshot;
  recentAlerts: AlertSummary[];
}

/** Detection latency over the recent past only (the dashboard's chart). */
export interface RecentLatency {
  /** What the latency histogram recorded over the window. */
  histogram: Histogram;
  windowMs: number;
}

/**
 * The status of a role, as plain JSON for the page (histograms reduced to percentiles):
 * `latencyMs` since the start, `recentLatencyMs` over the recent window when given.
 */
export function statusJson(status: RoleStatus, recent?: RecentLatency): Record<string, unknown> {
  return {
    role: status.role,
    startedAt: status.startedAt,
    now: status.now,
    transport: status.transport,
    ready: status.ready,
    modelVersion: status.modelVersion ?? null,
    counters: status.counters,
    lag: status.lag,
    latencyMs: status.latency ? percentiles(status.latency) : null,
    recentLatencyMs: recent
      ? { windowS: recent.windowMs / 1000, ...percentiles(recent.histogram) }
      : null,
    tree: status.tree,
    recentAlerts: status.recentAlerts,
  };
}

function percentiles(histogram: Histogram) {
  return {
    count: histogram.count,
    p50: round(histogram.quantile(0.5)),
    p90: round(histogram.quantile(0.9)),
    p99: round(histogram.quantile(0.99)),
    max: round(histogram.max),
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Keeps the last `size` alerts. */
export class RecentAlerts {
  readonly #items: AlertSummary[] = [];
  /** Creates an empty list keeping at most `size` alerts. */
  constructor(readonly size = 25) {}
  /** Adds an alert, dropping the oldest past the size. */
  add(alert: AlertSummary): void {
    this.#items.unshift(alert);
    if (this.#items.length > this.size) this.#items.pop();
  }
  /** Newest first. */
  list(): AlertSummary[] {
    return [...this.#items];
  }
}
