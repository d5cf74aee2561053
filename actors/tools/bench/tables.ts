/**
 * The bench report as Markdown tables, one per section, as printed on stdout and shown in the
 * HTML report.
 *
 * @module
 */

import type { PipelineResult } from "./measures.ts";
import type { Section } from "./plan.ts";
import type { CellReport, RunReport, ScalingReport, Spread } from "./report.ts";

/** A table: a title, what it measures, its header and rows of cells. */
export interface Table {
  section: Section;
  title: string;
  note: string;
  header: string[];
  rows: string[][];
}

/** What the CPU column of every table is. */
const CPU_NOTE = "; µs CPU/tx: the CPU this process used meanwhile (every thread; not the " +
  "Kafka nodes'), a transaction";

/** Titles and explanations of the sections, in the order they are shown. */
export const SECTIONS: Record<Section, { title: string; note: string }> = {
  consumer: {
    title: "Consumer throughput",
    note: "backlog published in one transaction after a warm-up; scored from its commit " +
      "to the last committed batch; worker w scores the partitions p with p % workers = w" +
      CPU_NOTE,
  },
  producer: {
    title: "Producer throughput",
    note: "batch files of 5000 rows published with nothing else running (one transaction " +
      "per file); each producer actor has its own input folder and share of the cards" +
      CPU_NOTE,
  },
  growth: {
    title: "Throughput as data grows",
    note: "the whole pipeline (files -> producer -> log -> consumers) on a burst of files, " +
      "after a warm-up" + CPU_NOTE,
  },
  e2e: {
    title: "End to end",
    note: "burst: files written at once; paced: files every 250 ms at the offered rate " +
      "(default half the burst rate); latency from file written to score committed, paced load; " +
      "with several runs: latency medians over the runs, paced and offered rates of the run of " +
      "median burst throughput; an offered rate above the burst throughput measures a growing " +
      "backlog, not the detection latency (marked in the check column)" + CPU_NOTE +
      " in the burst",
  },
};

/** The tables of a report (sections without cells are left out). */
export function benchTables(report: ScalingReport): Table[] {
  const tables: Table[] = [];
  for (const section of Object.keys(SECTIONS) as Section[]) {
    const cells = report.cells.filter((cell) => cell.section === section);
    if (cells.length === 0) continue;
    const { header, rows } = withRanges(TABLES[section](cells), cells);
    // The load average when each cell started (the machine may be shared), and the verdict.
    tables.push({
      section,
      ...SECTIONS[section],
      header: [...header, "load", "check"],
      rows: rows.map((row, i) => [
        ...row,
        cells[i].load_average.toFixed(1),
        (cells[i].ok ? "ok" : `FAILED: ${cells[i].error}`) + caveat(cells[i]),
      ]),
    });
  }
  return tables;
}

/**
 * What the check column adds to a cell's verdict about its figures: a paced load above the burst
 * throughput, in any of its runs, measured a growing backlog and not a detection latency.
 */
function caveat(cell: CellReport): string {
  const above = cell.runs.filter(pacedAboveBurst).length;
  if (above === 0) return "";
  const runs = cell.runs.length > 1 ? ` in ${above} of ${cell.runs.length} runs` : "";
  return `; paced load above the burst throughput${runs}: its latency is a backlog's`;
}

/** Whether the paced load of a run (e2e) was above the throughput of its burst. */
function pacedAboveBurst(run: RunReport): boolean {
  return (run.details as PipelineResult | undefined)?.paced?.rate_above_burst === true;
}

type TableBody = (cells: CellReport[]) => { header: string[]; rows: string[][] };

/** Headers of the columns that show a median: the spread of each, and its decimals. */
const RANGED: Record<string, { of: (cell: CellReport) => Spread | undefined; digits: number }> = {
  "tx/s": { of: (cell) => cell.spread.throughput, digits: 0 },
  "burst tx/s": { of: (cell) => cell.spread.throughput, digits: 0 },
  "p99 ms": { of: (cell) => cell.spread.latency_p99_ms, digits: 1 },
};

/**
 * When cells ran more than once their figures are medians: a "min..max" column then follows
 * each median column of `RANGED`.
 */
function withRanges(
  table: { header: string[]; rows: string[][] },
  cells: CellReport[],
): { header: string[]; rows: string[][] } {
  if (!cells.some((cell) => cell.repeats > 1)) return table;
  const header: string[] = [];
  const columns: ((row: string[], cell: CellReport) => string)[] = [];
  table.header.forEach((title, i) => {
    header.push(title);
    columns.push((row) => row[i]);
    const ranged = RANGED[title];
    if (!ranged) return;
    header.push("min..max");
    columns.push((_, cell) => {
      const range = cell.details ? ranged.of(cell) : undefined;
      return range
        ? `${range.min.toFixed(ranged.digits)}..${range.max.toFixed(ranged.digits)}`
        : "";
    });
  });
  return {
    header,
    rows: table.rows.map((row, r) => columns.map((column) => column(row, cells[r]))),
  };
}

const integer = (n: number) => String(Math.round(n));
const accounted = (cell: CellReport) =>
  cell.accounting ? [integer(cell.lost), integer(cell.duplicates)] : ["-", "-"];

const TABLES: Record<Section, TableBody> = {
  consumer: (cells) => ({
    header: [
      "transport",
      "partitions",
      "workers",
      "transactions",
      "seconds",
      "tx/s",
      "µs CPU/tx",
      "vs 1x1",
      "start-up ms",
      "lost",
      "duplicates",
    ],
    rows: cells.map((cell) => {
      const base = cells.find((c) =>
        c.transport === cell.transport && c.partitions === 1 && c.workers === 1 && c.details
      );
      const speedup = base && cell.details
        ? `${(cell.throughput / base.throughput).toFixed(2)}x`
        : "";
      const details = cell.details as { startup_ms?: number } | undefined;
      return [
        cell.transport,
        String(cell.partitions),
        String(cell.workers),
        integer(cell.rows),
        cell.seconds.toFixed(2),
        integer(cell.throughput),
        cell.cpu_us_per_row.toFixed(2),
        speedup,
        details?.startup_ms !== undefined ? integer(details.startup_ms) : "",
        ...accounted(cell),
      ];
    }),
  }),
  producer: (cells) => ({
    header: [
      "transport",
      "producers",
      "partitions",
      "transactions",
      "seconds",
      "tx/s",
      "µs CPU/tx",
      "lost",
      "duplicates",
    ],
    rows: cells.map((cell) => [
      cell.transport,
      String(cell.producers),
      String(cell.partitions),
      integer(cell.rows),
      cell.seconds.toFixed(2),
      integer(cell.throughput),
      cell.cpu_us_per_row.toFixed(2),
      ...accounted(cell),
    ]),
  }),
  growth: (cells) => ({
    header: [
      "transport",
      "data",
      "partitions",
      "workers",
      "transactions",
      "seconds",
      "tx/s",
      "µs CPU/tx",
      "lost",
      "duplicates",
    ],
    rows: cells.map((cell) => [
      cell.transport,
      `${cell.growth}x`,
      String(cell.partitions),
      String(cell.workers),
      integer(cell.rows),
      cell.seconds.toFixed(2),
      integer(cell.throughput),
      cell.cpu_us_per_row.toFixed(2),
      ...accounted(cell),
    ]),
  }),
  e2e: (cells) => ({
    header: [
      "transport",
      "encoding",
      "partitions",
      "workers",
      "burst tx/s",
      "µs CPU/tx",
      "paced tx/s",
      "offered tx/s",
      "latency p50 ms",
      "p99 ms",
      "lost",
      "duplicates",
    ],
    rows: cells.map((cell) => {
      const paced = (cell.details as PipelineResult | undefined)?.paced;
      return [
        cell.transport,
        cell.encoding,
        String(cell.partitions),
        String(cell.workers),
        integer(cell.throughput),
        cell.cpu_us_per_row.toFixed(2),
        paced ? integer(paced.throughput) : "",
        paced ? integer(paced.rate) : "",
        cell.latency_ms ? String(cell.latency_ms.p50) : "",
        cell.latency_ms ? String(cell.latency_ms.p99) : "",
        ...accounted(cell),
      ];
    }),
  }),
};

/** A table as aligned Markdown (text columns left, figures right). */
export function markdownTable(table: Pick<Table, "header" | "rows">): string {
  const numeric = table.header.map((_, i) =>
    i > 0 && table.rows.every((row) => /^-?[\d.]*x?$/.test(row[i] ?? ""))
  );
  const widths = table.header.map((title, i) =>
    Math.max(3, title.length, ...table.rows.map((row) => (row[i] ?? "").length))
  );
  const line = (cells: string[]) =>
    `| ${
      cells.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
        .join(" | ")
    } |`;
  const rule = `|${
    widths.map((width, i) => (numeric[i] ? `${"-".repeat(width + 1)}:` : "-".repeat(width + 2)))
      .join("|")
  }|`;
  return [line(table.header), rule, ...table.rows.map(line)].join("\n");
}

/** Everything `bench` prints on stdout: a heading, the tables, and the verdict. */
export function benchText(report: ScalingReport): string {
  const { settings, machine } = report;
  const rows = report.kafka.ran
    ? `${settings.rows.embedded} transactions per run on the embedded log, ` +
      `${settings.rows.kafka} on Kafka`
    : `${settings.rows.embedded} transactions per run`;
  const lines = [
    `fraudstream bench ${report.scenario}: model ${report.model_version}` +
    (report.shadow_model_version ? ` (shadow model ${report.shadow_model_version})` : "") +
    `; ${rows}; ` +
    `${repeatText(settings.repeat)}; ${machine.cores} cores, load average ` +
    `${machine.load_average_start[0].toFixed(2)} at the start, ` +
    `${machine.load_average_end[0].toFixed(2)} at the end; ${report.seconds} s`,
  ];
  if (!report.kafka.ran) lines.push("", `Kafka cells skipped: ${report.kafka.skipped}.`);
  for (const table of benchTables(report)) {
    lines.push("", `## ${table.title}`, "", `(${table.note})`, "", markdownTable(table));
  }
  lines.push("", verdict(report));
  return lines.join("\n");
}

/** How the figures were taken, e.g. "median of 3 runs per cell (min..max beside)". */
export function repeatText(repeat: number): string {
  return repeat > 1 ? `median of ${repeat} runs per cell (min..max beside it)` : "one run per cell";
}

/** One line: did every cell account for every transaction? */
export function verdict(report: ScalingReport): string {
  const cells = report.cells.length;
  const runs = report.cells.reduce((sum, cell) => sum + cell.repeats, 0);
  const interrupted = report.interrupted ? " (interrupted before the last cells)" : "";
  if (report.ok) {
    return `${cells} cells (${runs} runs), every transaction scored exactly once: lost 0, ` +
      `duplicates 0${interrupted}`;
  }
  return `FAILED: ${report.failed_cells} of ${cells} cells failed; lost ${report.lost}, ` +
    `duplicates ${report.duplicates}${interrupted}`;
}
