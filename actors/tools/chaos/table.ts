/**
 * The reliability table: one row per chaos scenario with the figures of its report, as Markdown
 * (for the README) — the seed's reliability table, measured.
 *
 * @module
 */

import type { ScenarioReport } from "./harness.ts";

/** A scenario that could not run here, and why. */
export interface SkippedScenario {
  scenario: string;
  skipped: string;
}

const HEADER = [
  "scenario",
  "transport",
  "sent",
  "scored",
  "dead letters",
  "lost",
  "unpublished",
  "duplicated",
  "restarts",
  "recovery (ms)",
  "tx/s before",
  "during",
  "after",
];

/** The log a scenario ran on, with its Kafka client: `embedded`, `kafka (platformatic)`. */
export function transportName(report: ScenarioReport): string {
  return report.kafka_client ? `${report.transport} (${report.kafka_client})` : report.transport;
}

/** Formats reports (and skipped scenarios) as a Markdown table. */
export function chaosTable(rows: (ScenarioReport | SkippedScenario)[]): string {
  const lines = [
    `| ${HEADER.join(" | ")} |`,
    `|${HEADER.map((_, i) => (i < 2 ? "---" : "---:")).join("|")}|`,
  ];
  for (const row of rows) {
    if ("skipped" in row) {
      lines.push(`| ${row.scenario} | skipped: ${row.skipped} |${" |".repeat(HEADER.length - 2)}`);
      continue;
    }
    const cells = [
      row.scenario,
      transportName(row),
      row.sent,
      row.scored,
      row.dead_letters,
      row.lost,
      row.unpublished,
      row.duplicated,
      row.restarts,
      row.recovery_ms ?? "-",
      row.throughput_before,
      row.throughput_during,
      row.throughput_after,
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}
