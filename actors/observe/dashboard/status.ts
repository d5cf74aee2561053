/**
 * What a long-running role reports about itself: counters, lag, latency, the actor tree and the
 * latest alerts; before its actors start, only why it is not running yet. The dashboard,
 * `/metrics` and `--report` all read this one snapshot.
 *
 * @module
 */

import type { ActorSnapshot } from "../../runtime/mod.ts";
import { type Histogram, latencyValue } from "../metrics/histogram.ts";
import { maskCardNumber } from "./card_number.ts";
import type { ShadowFigures } from "./shadow_figures.ts";
import type { DriftStatus } from "./drift_status.ts";

/** A recent alert as the dashboard lists it. */
export interface AlertSummary {
  trans_num: string;
  /** Masked (`maskCardNumber`) unless the role shows card numbers (`--show-card-numbers`). */
  cc_num: string;
  amt: number;
  category: string;
  score: number;
  event_time: string;
  detected_at: string;
  model_version: string;
  /** Reason codes: the features that raised the score most, and their values in words. */
  reasons?: { feature: string; contribution: number; text: string }[];
}

/** Cumulative counters; a role fills the ones it has. */
export interface Counters {
  generated?: number;
  produced?: number;
  scored?: number;
  alerts?: number;
  deadLetters?: number;
  /** Input files that changed after they were published (the producer reports each). */
  changedFiles?: number;
}

/** One snapshot of a role. */
export interface RoleStatus {
  role: string;
  /** ms since the epoch. */
  startedAt: number;
  now: number;
  transport: "kafka" | "embedded";
  ready: boolean;
  /**
   * Why the role is not ready: what it waits for before its actors start (Kafka that cannot be
   * reached, say), or actors that crashed or keep failing.
   */
  problems?: string[];
  modelVersion?: string;
  counters: Counters;
  /** Records behind, by partition (consumers). */
  lag: number[];
  /** Detection latency (record appended -> alert committed), in ms. */
  latency?: Histogram;
  /** The role's actors; absent until they started. */
  tree?: ActorSnapshot;
  recentAlerts: AlertSummary[];
  /** The alerting model against the shadow model (consumers with `--shadow-model`). */
  shadow?: ShadowFigures;
  /** Drift of the live traffic against the model's reference (consumers). */
  drift?: DriftStatus;
}

/** What a role measures of itself: the part of its status beyond its name, clock and actors. */
export type RoleFigures = Pick<
  RoleStatus,
  "modelVersion" | "counters" | "lag" | "latency" | "recentAlerts" | "shadow" | "drift"
>;

/** Detection latency over the recent past only (the dashboard's chart). */
export interface RecentLatency {
  /** What the latency histogram recorded over the window. */
  histogram: Histogram;
  windowMs: number;
}

/**
 * The status of a role, as plain JSON for the page (histograms reduced to percentiles):
 * `latencyMs` since the start, `recentLatencyMs` over the recent window when given. A
 * percentile past the histogram's range is the text `> 167772` (see `latencyValue`).
 */
export function statusJson(status: RoleStatus, recent?: RecentLatency): Record<string, unknown> {
  return {
    role: status.role,
    startedAt: status.startedAt,
    now: status.now,
    transport: status.transport,
    ready: status.ready,
    problems: status.problems ?? [],
    modelVersion: status.modelVersion ?? null,
    counters: status.counters,
    lag: status.lag,
    latencyMs: status.latency ? percentiles(status.latency) : null,
    recentLatencyMs: recent
      ? { windowS: recent.windowMs / 1000, ...percentiles(recent.histogram) }
      : null,
    tree: status.tree ?? null,
    recentAlerts: status.recentAlerts,
    shadow: status.shadow ?? null,
    drift: status.drift ?? null,
  };
}

function percentiles(histogram: Histogram) {
  return {
    count: histogram.count,
    p50: latencyValue(histogram.quantile(0.5), 2),
    p90: latencyValue(histogram.quantile(0.9), 2),
    p99: latencyValue(histogram.quantile(0.99), 2),
    max: latencyValue(histogram.max, 2),
  };
}

/** Settings of a `RecentAlerts` list. */
export interface RecentAlertsOptions {
  /** Alerts kept (default 25). */
  size?: number;
  /** Keep full card numbers (a local demo's `--show-card-numbers`); masked by default. */
  showCardNumbers?: boolean;
}

/**
 * Keeps the last alerts, their card numbers masked unless told otherwise. An alert can be given
 * as the function that reads it, called only if the alert is still kept when the list is first
 * read: the consumer commits far more alerts a second than the dashboard shows.
 */
export class RecentAlerts {
  readonly #items: (AlertSummary | (() => AlertSummary))[] = [];
  /** Alerts kept. */
  readonly size: number;
  readonly #showCardNumbers: boolean;
  /** Creates an empty list. */
  constructor(options: RecentAlertsOptions = {}) {
    this.size = options.size ?? 25;
    this.#showCardNumbers = options.showCardNumbers ?? false;
  }
  /** Adds an alert, or the function that reads it, dropping the oldest past the size. */
  add(alert: AlertSummary | (() => AlertSummary)): void {
    this.#items.unshift(typeof alert === "function" ? alert : this.#shown(alert));
    if (this.#items.length > this.size) this.#items.pop();
  }
  /** Newest first (each alert read, and its card number masked, once). */
  list(): AlertSummary[] {
    return this.#items.map((item, i) =>
      typeof item === "function" ? (this.#items[i] = this.#shown(item())) : item
    );
  }
  #shown(alert: AlertSummary): AlertSummary {
    return this.#showCardNumbers ? alert : { ...alert, cc_num: maskCardNumber(alert.cc_num) };
  }
}
