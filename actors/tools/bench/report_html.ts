/**
 * The bench report as one self-contained HTML page (inline CSS and SVG, nothing fetched): the
 * tables of every section with their charts, in the style of the model report.
 *
 * @module
 */

import { barsSvg, escapeHtml, REPORT_STYLE } from "../../../model/report_html.ts";
import type { Section } from "./plan.ts";
import type { CellReport, ScalingReport, Spread } from "./report.ts";
import { benchTables, repeatText, type Table, verdict } from "./tables.ts";

const escape = escapeHtml;

const PALETTE = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df", "#bf3989"];

/** A line of a line chart: one value per category (undefined: no point). */
export interface Series {
  name: string;
  values: (number | undefined)[];
  /** Per category, the range of the runs behind the value: drawn as a whisker. */
  ranges?: (Pick<Spread, "min" | "max"> | undefined)[];
}

/** Rounds `value` up to 1, 2 or 5 times a power of ten (an axis maximum). */
function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** Figures on an axis: 12500 -> 12.5k. */
function axisText(value: number): string {
  if (value >= 1e6) return `${+(value / 1e6).toFixed(1)}M`;
  if (value >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  return String(+value.toFixed(1));
}

/**
 * An SVG line chart over categories (evenly spaced), with a y axis from 0, a legend, and
 * min-max whiskers where a series has ranges.
 */
export function lineChartSvg(
  title: string,
  chart: { categories: string[]; series: Series[]; xLabel: string; yLabel: string },
): string {
  const width = 480;
  const height = 300;
  const pad = { left: 56, right: 16, top: 30, bottom: 44 };
  const legendHeight = 16 * chart.series.length;
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const values = chart.series.flatMap((s) => [
    ...s.values.filter((v): v is number => v !== undefined),
    ...(s.ranges ?? []).flatMap((range) => (range ? [range.max] : [])),
  ]);
  const top = niceCeiling(Math.max(0, ...values));
  const n = chart.categories.length;
  const px = (i: number) => pad.left + (n === 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const py = (v: number) => pad.top + plotH - (v / top) * plotH;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((t) => {
    const y = py(t * top).toFixed(1);
    return `<line x1="${pad.left}" x2="${width - pad.right}" y1="${y}" y2="${y}" class="grid"/>` +
      `<text x="${pad.left - 6}" y="${+y + 4}" text-anchor="end">${axisText(t * top)}</text>`;
  }).join("");
  const categories = chart.categories.map((label, i) =>
    `<text x="${px(i).toFixed(1)}" y="${height - pad.bottom + 16}" text-anchor="middle">${
      escape(label)
    }</text>`
  ).join("");
  const lines = chart.series.map((series, s) => {
    const color = PALETTE[s % PALETTE.length];
    const points = series.values.flatMap((v, i) => (v === undefined ? [] : [[px(i), py(v)]]));
    const path = points.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`)
      .join(" ");
    const dots = points.map(([x, y]) =>
      `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${color}"/>`
    ).join("");
    const whiskers = (series.ranges ?? []).map((range, i) => {
      if (!range || series.values[i] === undefined || range.max === range.min) return "";
      const x = px(i);
      const [low, high] = [py(range.min), py(range.max)];
      return `<path d="M${(x - 4).toFixed(1)},${high.toFixed(1)} H${(x + 4).toFixed(1)} ` +
        `M${x.toFixed(1)},${high.toFixed(1)} V${low.toFixed(1)} M${(x - 4).toFixed(1)},` +
        `${low.toFixed(1)} H${
          (x + 4).toFixed(1)
        }" stroke="${color}" stroke-width="1" fill="none"/>`;
    }).join("");
    const legendY = height + 14 + 16 * s;
    return `<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>${dots}${whiskers}` +
      `<rect x="${pad.left}" y="${legendY - 9}" width="12" height="10" fill="${color}"/>` +
      `<text x="${pad.left + 18}" y="${legendY}">${escape(series.name)}</text>`;
  }).join("");
  const total = height + legendHeight + 8;
  return `<svg viewBox="0 0 ${width} ${total}" width="${width}" height="${total}" role="img" aria-label="${
    escape(title)
  }">
<text x="${width / 2}" y="18" text-anchor="middle" class="title">${escape(title)}</text>
${ticks}
<line x1="${pad.left}" y1="${pad.top + plotH}" x2="${width - pad.right}" y2="${
    pad.top + plotH
  }" class="axis"/>
<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${pad.top + plotH}" class="axis"/>
${categories}${lines}
<text x="${pad.left + plotW / 2}" y="${height - 8}" text-anchor="middle">${
    escape(chart.xLabel)
  }</text>
<text x="14" y="${pad.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${
    pad.top + plotH / 2
  })">${escape(chart.yLabel)}</text>
</svg>`;
}

const measured = (cells: CellReport[]) => cells.filter((cell) => cell.details);
const distinct = <T>(items: T[]) => [...new Set(items)];
const thousands = (n: number) => n / 1000;

/** The charts of one section. */
function sectionCharts(section: Section, cells: CellReport[]): string[] {
  const ok = measured(cells);
  if (ok.length === 0) return [];
  switch (section) {
    case "consumer": {
      const partitions = distinct(ok.map((c) => c.partitions)).sort((a, b) => a - b);
      const series = distinct(ok.map((c) => `${c.transport}|${c.workers}`)).map((key) => {
        const [transport, workers] = key.split("|");
        const cells = partitions.map((p) =>
          ok.find((c) =>
            c.transport === transport && String(c.workers) === workers && c.partitions === p
          )
        );
        return {
          name: `${transport}, ${workers} worker${workers === "1" ? "" : "s"}`,
          values: cells.map((c) => c?.throughput),
          ranges: cells.map((c) => c?.spread.throughput),
        };
      });
      return [lineChartSvg("Consumer throughput", {
        categories: partitions.map(String),
        series,
        xLabel: "partitions",
        yLabel: "transactions/s",
      })];
    }
    case "producer":
      return [barsSvg(
        "Producer throughput (thousand transactions/s)",
        ok.map((c) => ({
          label: `${c.transport}, ${c.producers} producer${c.producers === 1 ? "" : "s"}`,
          value: thousands(c.throughput),
        })),
      )];
    case "growth": {
      const factors = distinct(ok.map((c) => c.growth!)).sort((a, b) => a - b);
      const transports = distinct(ok.map((c) => c.transport));
      const of = (transport: string, factor: number) =>
        ok.find((c) => c.transport === transport && c.growth === factor);
      const categories = factors.map((f) => `${f}x`);
      return [
        lineChartSvg("Throughput as data grows", {
          categories,
          series: transports.map((t) => ({
            name: t,
            values: factors.map((f) => of(t, f)?.throughput),
            ranges: factors.map((f) => of(t, f)?.spread.throughput),
          })),
          xLabel: "data (multiple of the smallest)",
          yLabel: "transactions/s",
        }),
      ];
    }
    case "e2e": {
      const label = (c: CellReport) =>
        `${c.transport} ${c.encoding} ${c.partitions}p ${c.workers}w`;
      const latency = ok.filter((c) => c.latency_ms);
      return [
        barsSvg(
          "End-to-end burst throughput (thousand transactions/s)",
          ok.map((c) => ({ label: label(c), value: thousands(c.throughput) })),
        ),
        barsSvg(
          "Detection latency p50, paced load (seconds)",
          latency.map((c) => ({ label: label(c), value: c.latency_ms!.p50 / 1000 })),
        ),
        barsSvg(
          "Detection latency p99, paced load (seconds)",
          latency.map((c) => ({ label: label(c), value: c.latency_ms!.p99 / 1000 })),
        ),
      ];
    }
  }
}

function htmlTable(table: Pick<Table, "header" | "rows">): string {
  const head = table.header.map((h) => `<th>${escape(h)}</th>`).join("");
  const body = table.rows.map((row) =>
    `<tr>${row.map((cell) => `<td>${escape(cell)}</td>`).join("")}</tr>`
  ).join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** The whole report page. */
export function benchReportHtml(report: ScalingReport): string {
  const { machine, settings } = report;
  const sections = benchTables(report).map((table) => {
    const charts = sectionCharts(
      table.section,
      report.cells.filter((cell) => cell.section === table.section),
    );
    return `<h2>${escape(table.title)}</h2>
<p class="note">${escape(table.note)}</p>
${htmlTable(table)}
<div class="charts">${charts.join("\n")}</div>`;
  }).join("\n");
  const kafka = report.kafka.ran
    ? `Kafka cells ran with ${settings.rows.kafka} transactions per run; topics ${
      escape(report.kafka.topics ?? "")
    }.`
    : `Kafka cells skipped: ${escape(report.kafka.skipped ?? "")}.`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fraudstream bench ${
    escape(report.scenario)
  }</title>
<style>
${REPORT_STYLE}
.charts { display: flex; flex-wrap: wrap; gap: 24px; margin-top: 12px; }
.note { color: #57606a; } .verdict { font-weight: 600; }
</style></head><body>
<h1>fraudstream bench ${escape(report.scenario)}</h1>
<p>Started ${escape(report.started_at)}, took ${report.seconds} s. Model ${
    escape(report.model_version)
  }; ${settings.rows.embedded} transactions per run on the embedded log (seed ${settings.seed});
${escape(repeatText(settings.repeat))}; charts show the medians, whiskers the min..max.
${kafka}</p>
<p>Machine: ${machine.cores} cores, ${machine.memory_gb} GB, ${escape(machine.os)}, Deno ${
    escape(machine.deno)
  }; load average ${machine.load_average_start.map((n) => n.toFixed(2)).join(" ")} at the start, ${
    machine.load_average_end.map((n) => n.toFixed(2)).join(" ")
  } at the end (the machine may have been shared).</p>
<p class="verdict">${escape(verdict(report))}</p>
${sections}
<h2>Settings</h2>
${
    htmlTable({
      header: ["setting", "value"],
      rows: Object.entries(settings).map(([key, value]) => [key, JSON.stringify(value)]),
    })
  }
</body></html>
`;
}
