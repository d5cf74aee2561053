/**
 * The training report as one self-contained HTML page with SVG pictures: precision-recall and
 * ROC curves, the confusion matrix, feature importance, and the figures of the test part (or,
 * for a model trained on every row, a statement that there are none).
 *
 * @module
 */

import type { Curves, Evaluation } from "./metrics.ts";
import type { ModelManifest } from "./model_file.ts";

/** Text made safe for HTML content and attribute values. */
export const escapeHtml = (text: string): string =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll(
    '"',
    "&quot;",
  );
const escape = escapeHtml;

/** The style every fraudstream report page starts from (pages add their own rules). */
export const REPORT_STYLE =
  `body { font: 14px/1.5 system-ui, sans-serif; margin: 24px; color: #1b1f24; }
h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
table { border-collapse: collapse; } th, td { padding: 3px 10px; text-align: left; border-bottom: 1px solid #ddd; }
td { font-variant-numeric: tabular-nums; }
svg text { font-size: 11px; fill: #333; } svg .title { font-size: 13px; font-weight: 600; }
svg .axis { stroke: #333; } svg .grid { stroke: #eee; }
svg .bar { fill: #1f6feb; }`;

/** An SVG line chart of points in the unit square. */
export function curveSvg(
  title: string,
  points: { x: number; y: number }[],
  labels: { x: string; y: string },
  options: { diagonal?: boolean } = {},
): string {
  const size = 320;
  const pad = 40;
  const plot = size - 2 * pad;
  const px = (x: number) => pad + x * plot;
  const py = (y: number) => size - pad - y * plot;
  const path = points.map((p, i) => `${i ? "L" : "M"}${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`)
    .join(" ");
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((t) =>
      `<text x="${px(t)}" y="${size - pad + 16}" text-anchor="middle">${t}</text>` +
      `<text x="${pad - 6}" y="${py(t) + 4}" text-anchor="end">${t}</text>` +
      `<line x1="${pad}" x2="${size - pad}" y1="${py(t)}" y2="${py(t)}" class="grid"/>`
    )
    .join("");
  return `<svg viewBox="0 0 ${size} ${size}" width="${size}" height="${size}" role="img" aria-label="${
    escape(title)
  }">
<text x="${size / 2}" y="18" text-anchor="middle" class="title">${escape(title)}</text>
${ticks}
<line x1="${pad}" y1="${size - pad}" x2="${size - pad}" y2="${size - pad}" class="axis"/>
<line x1="${pad}" y1="${pad}" x2="${pad}" y2="${size - pad}" class="axis"/>
${
    options.diagonal
      ? `<line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(1)}" class="diag"/>`
      : ""
  }
<path d="${path}" class="curve"/>
<text x="${size / 2}" y="${size - 6}" text-anchor="middle">${escape(labels.x)}</text>
<text x="12" y="${size / 2}" text-anchor="middle" transform="rotate(-90 12 ${size / 2})">${
    escape(labels.y)
  }</text>
</svg>`;
}

/** An SVG horizontal bar chart. */
export function barsSvg(title: string, bars: { label: string; value: number }[]): string {
  const width = 520;
  const row = 20;
  const left = 160;
  const height = 30 + bars.length * row;
  const max = Math.max(1e-9, ...bars.map((b) => b.value));
  const items = bars.map((bar, i) => {
    const y = 28 + i * row;
    const w = ((width - left - 60) * bar.value) / max;
    return `<text x="${left - 6}" y="${y + 13}" text-anchor="end">${escape(bar.label)}</text>` +
      `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${row - 6}" class="bar"/>` +
      `<text x="${left + w + 4}" y="${y + 13}">${bar.value.toFixed(3)}</text>`;
  }).join("");
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${
    escape(title)
  }">
<text x="${width / 2}" y="16" text-anchor="middle" class="title">${
    escape(title)
  }</text>${items}</svg>`;
}

/** The confusion matrix as an SVG grid. */
export function confusionSvg(evaluation: Evaluation): string {
  const c = evaluation.confusion;
  const cells = [
    [c.trueNegatives, c.falsePositives],
    [c.falseNegatives, c.truePositives],
  ];
  const total = c.trueNegatives + c.falsePositives + c.falseNegatives + c.truePositives || 1;
  const size = 110;
  const rects = cells.flatMap((line, r) =>
    line.map((value, col) => {
      const x = 120 + col * size;
      const y = 40 + r * size;
      const shade = Math.round(240 - 200 * Math.sqrt(value / total));
      return `<rect x="${x}" y="${y}" width="${size - 4}" height="${
        size - 4
      }" fill="rgb(${shade},${shade},255)"/>` +
        `<text x="${x + size / 2 - 2}" y="${
          y + size / 2
        }" text-anchor="middle" class="cell">${value}</text>`;
    })
  ).join("");
  return `<svg viewBox="0 0 360 280" width="360" height="280" role="img" aria-label="confusion matrix">
<text x="180" y="16" text-anchor="middle" class="title">Confusion matrix (test part)</text>
<text x="${120 + size / 2}" y="34" text-anchor="middle">predicted legit</text>
<text x="${120 + size * 1.5}" y="34" text-anchor="middle">predicted fraud</text>
<text x="110" y="${40 + size / 2}" text-anchor="end">actual legit</text>
<text x="110" y="${40 + size * 1.5}" text-anchor="end">actual fraud</text>
${rects}</svg>`;
}

/** How the report says where the threshold comes from. */
const THRESHOLD_FROM = {
  validation: "chosen on the validation part (the lowest with precision at least 0.9 there, " +
    "else the one with the best F1)",
  given: "given by --threshold",
  default: "the default, as no validation part with fraud chose one",
} as const;

/** The whole report page. */
export function modelReportHtml(input: {
  manifest: Omit<ModelManifest, "format" | "format_version" | "forest">;
  /** Where the threshold comes from. */
  thresholdFrom: keyof typeof THRESHOLD_FROM;
  /** Figures of the hold-out; absent when the model was trained on every row. */
  heldOut?: { test: Evaluation; validation: Evaluation; curves: Curves };
}): string {
  const { manifest, heldOut } = input;
  const figure = (label: string, value: number, digits = 4) =>
    `<tr><th>${escape(label)}</th><td>${
      Number.isNaN(value) ? "n/a (the part lacks a class)" : value.toFixed(digits)
    }</td></tr>`;
  const importance = barsSvg(
    "Feature importance",
    (manifest.importance ?? []).map((i) => ({ label: i.feature, value: i.importance })),
  );
  const split = (manifest.data?.split ?? {}) as { holdout?: number; cut_day?: string | null };
  const share = (value: number | undefined) => `${Math.round((value ?? 0) * 100)}%`;
  const holdoutText = heldOut
    ? `Held out: ${share(split.holdout)} of the cards and the time from ${
      escape(String(split.cut_day))
    } on. The model was trained on the other cards' rows before that day only; the held-out
cards' rows from that day on are the validation part (a third of those cards) and the test part
(the rest): cards and a time span the training never saw. The other rows served only as card
history.`
    : `No hold-out (--holdout none): the model was trained on every row, so no figures are
claimed here; measure the same settings with a hold-out, or run fraudstream evaluate on other
data.`;
  let figures = "";
  if (heldOut) {
    const { test, validation, curves } = heldOut;
    const pr = curveSvg(
      "Precision-recall (test part)",
      curves.pr.map((p) => ({ x: p.recall, y: p.precision })),
      { x: "recall", y: "precision" },
    );
    const roc = curveSvg(
      "ROC (test part)",
      curves.roc.map((p) => ({ x: p.fpr, y: p.tpr })),
      { x: "false positive rate", y: "true positive rate" },
      { diagonal: true },
    );
    figures = `<h2>Test part</h2>
<table>
<tr><th>rows</th><td>${test.rows}</td></tr><tr><th>frauds</th><td>${test.frauds}</td></tr>
${figure("precision", test.precision)}${figure("recall", test.recall)}${figure("F1", test.f1)}
${figure("average precision (PR-AUC)", test.average_precision)}${figure("ROC-AUC", test.roc_auc)}
${figure("alerts per 1,000 transactions", test.alerts_per_1000, 2)}
</table>
<h2>Validation part</h2>
<table>
<tr><th>rows</th><td>${validation.rows}</td></tr><tr><th>frauds</th><td>${validation.frauds}</td></tr>
${figure("precision", validation.precision)}${figure("recall", validation.recall)}
${figure("average precision", validation.average_precision)}
</table>
<h2>Pictures</h2>
<div class="charts">${pr}${roc}${confusionSvg(test)}${importance}</div>`;
  } else {
    figures = `<h2>Pictures</h2>
<div class="charts">${importance}</div>`;
  }
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fraudstream model ${
    escape(manifest.version)
  }</title>
<style>
${REPORT_STYLE}
.charts { display: flex; flex-wrap: wrap; gap: 24px; }
svg .cell { font-size: 18px; } svg .curve { fill: none; stroke: #1f6feb; stroke-width: 2; }
svg .diag { stroke: #bbb; stroke-dasharray: 4 4; }
</style></head><body>
<h1>fraudstream model ${escape(manifest.version)}</h1>
<p>Trained ${
    escape(manifest.created_at)
  } with ${manifest.params.numTrees} trees of depth ${manifest.params.maxDepth}.
Threshold ${manifest.threshold.toFixed(4)}, ${THRESHOLD_FROM[input.thresholdFrom]}.</p>
<p>${holdoutText}</p>
${figures}
<h2>Data</h2>
<pre>${escape(JSON.stringify(manifest.data ?? {}, null, 2))}</pre>
<h2>Training parameters</h2>
<pre>${escape(JSON.stringify(manifest.params, null, 2))}</pre>
</body></html>
`;
}
