/**
 * `/metrics`: a role's status in the Prometheus text exposition format (version 0.0.4).
 *
 * @module
 */

import type { ActorSnapshot } from "../../runtime/mod.ts";
import type { RoleStatus } from "./status.ts";
import { shadowMetrics } from "./shadow_figures.ts";
import { driftFamilies } from "./drift_status.ts";

/** Upper bounds of the latency histogram buckets, in seconds. */
export const LATENCY_BUCKETS_S = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll('"', '\\"');
}

function labels(pairs: Record<string, string | number>): string {
  const parts = Object.entries(pairs).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

class Exposition {
  readonly lines: string[] = [];
  family(name: string, type: "counter" | "gauge" | "histogram", help: string): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  }
  sample(name: string, value: number, labelPairs: Record<string, string | number> = {}): void {
    this.lines.push(`${name}${labels(labelPairs)} ${Number.isFinite(value) ? value : 0}`);
  }
}

function actors(tree: ActorSnapshot): ActorSnapshot[] {
  return [tree, ...(tree.children ?? []).flatMap(actors)];
}

/** Renders the status as Prometheus text. */
export function prometheusText(status: RoleStatus): string {
  const out = new Exposition();
  const role = { role: status.role };
  out.family("fraudstream_up", "gauge", "1 while the role runs and is connected to its log.");
  out.sample("fraudstream_up", status.ready ? 1 : 0, role);
  out.family(
    "fraudstream_start_time_seconds",
    "gauge",
    "Start time of the role, seconds since the epoch.",
  );
  out.sample("fraudstream_start_time_seconds", status.startedAt / 1000, role);

  const counters: [keyof RoleStatus["counters"], string, string][] = [
    ["generated", "fraudstream_transactions_generated_total", "Transactions generated."],
    ["produced", "fraudstream_transactions_produced_total", "Transactions published to the log."],
    ["scored", "fraudstream_transactions_scored_total", "Transactions scored and committed."],
    ["alerts", "fraudstream_alerts_total", "Alerts published."],
    ["deadLetters", "fraudstream_dead_letters_total", "Rows or messages sent to the dead letters."],
    [
      "changedFiles",
      "fraudstream_input_files_changed_total",
      "Input files that changed after they were published.",
    ],
  ];
  for (const [key, name, help] of counters) {
    const value = status.counters[key];
    if (value === undefined) continue;
    out.family(name, "counter", help);
    out.sample(name, value, role);
  }

  if (status.lag.length > 0) {
    out.family(
      "fraudstream_consumer_lag_records",
      "gauge",
      "Records behind the end of a partition.",
    );
    status.lag.forEach((lag, partition) => {
      if (lag !== undefined) {
        out.sample("fraudstream_consumer_lag_records", lag, { ...role, partition });
      }
    });
  }

  if (status.latency) {
    const name = "fraudstream_detection_latency_seconds";
    out.family(name, "histogram", "Time from a transaction's append to the commit of its score.");
    const cumulative = status.latency.cumulative(LATENCY_BUCKETS_S.map((s) => s * 1000));
    LATENCY_BUCKETS_S.forEach((bound, i) =>
      out.sample(`${name}_bucket`, cumulative[i], { ...role, le: bound })
    );
    out.sample(`${name}_bucket`, status.latency.count, { ...role, le: "+Inf" });
    out.sample(`${name}_sum`, status.latency.sum / 1000, role);
    out.sample(`${name}_count`, status.latency.count, role);
  }

  if (status.shadow) shadowMetrics(out, status.shadow, role);
  for (const family of status.drift ? driftFamilies(status.drift) : []) {
    out.family(family.name, family.type, family.help);
    for (const { labels, value } of family.samples) {
      out.sample(family.name, value, { ...role, ...labels });
    }
  }

  // No actor samples before the role's actors start: the families are there, empty.
  const all = status.tree ? actors(status.tree) : [];
  const perActor: [string, "counter" | "gauge", string, (a: ActorSnapshot) => number][] = [
    [
      "fraudstream_actor_messages_in_total",
      "counter",
      "Messages accepted into an actor's mailbox.",
      (a) => a.in,
    ],
    ["fraudstream_actor_messages_out_total", "counter", "Messages an actor emitted.", (a) => a.out],
    [
      "fraudstream_actor_processed_total",
      "counter",
      "Messages an actor handled.",
      (a) => a.processed,
    ],
    ["fraudstream_actor_errors_total", "counter", "Crashes of an actor.", (a) => a.errors],
    ["fraudstream_actor_restarts_total", "counter", "Restarts of an actor.", (a) => a.restarts],
    [
      "fraudstream_actor_dead_letters_total",
      "counter",
      "Messages an actor failed twice.",
      (a) => a.deadLetters,
    ],
    [
      "fraudstream_actor_mailbox_depth",
      "gauge",
      "Messages waiting in an actor's mailbox.",
      (a) => a.mailboxDepth,
    ],
    [
      "fraudstream_actor_processing_seconds_total",
      "counter",
      "Time an actor spent handling messages.",
      (a) => a.processingMs.total / 1000,
    ],
  ];
  for (const [name, type, help, pick] of perActor) {
    out.family(name, type, help);
    for (const actor of all) {
      // A supervisor's counts are its children's sums; only its own restarts are its own.
      if (actor.kind === "supervisor" && name !== "fraudstream_actor_restarts_total") continue;
      out.sample(name, pick(actor), { ...role, actor: actor.path, kind: actor.kind });
    }
  }
  return out.lines.join("\n") + "\n";
}
