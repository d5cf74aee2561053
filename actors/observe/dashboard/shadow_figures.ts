/**
 * What a consumer with a shadow model (`--shadow-model`) reports of the two models side by side:
 * each one's alerts, alert rate and, from the labels the stream carries (`is_fraud`), precision
 * and recall, and how often the two agree; as the dashboard, `/metrics` and `--report` show it.
 *
 * @module
 */

/** One model's figures over some rows. */
export interface ModelFigures {
  version: string;
  threshold: number;
  /** Rows scored at or over the model's threshold (alerts of the shadow model are never sent). */
  alerts: number;
  /** Alerts on rows labelled fraud. */
  truePositives: number;
  /** Alerts on rows labelled legitimate. */
  falsePositives: number;
  /** Rows labelled fraud without an alert. */
  falseNegatives: number;
  /** `alerts / rows`; `null` without rows. */
  alertRate: number | null;
  /** `truePositives / alerts`; `null` without alerts. */
  precision: number | null;
  /** `truePositives / frauds`; `null` without rows labelled fraud. */
  recall: number | null;
}

/** The alerting model against the shadow model over the same rows. */
export interface ComparisonFigures {
  /** Rows both models scored. */
  rows: number;
  /** Rows labelled fraud. */
  frauds: number;
  /** Rows both models alert on, or neither does. */
  agreed: number;
  /** `agreed / rows`; `null` without rows. */
  agreement: number | null;
  /** The model that alerts. */
  main: ModelFigures;
  /** The shadow model. */
  shadow: ModelFigures;
}

/** The comparison a consumer with a shadow model keeps. */
export interface ShadowFigures {
  /** Since the start, for the pair of versions that scored last. */
  current: ComparisonFigures;
  /** Over the last `windowS` seconds, for the same pair. */
  recent: ComparisonFigures;
  windowS: number;
  /** Since the start, for every pair of versions that scored (a promotion starts a new pair). */
  pairs: ComparisonFigures[];
}

/** What `prometheusText` writes with: a metric family's header and its samples. */
export interface MetricsOut {
  family(name: string, type: "counter" | "gauge", help: string): void;
  sample(name: string, value: number, labels?: Record<string, string | number>): void;
}

/** Writes the comparison's counters (per pair of versions and model) and ratios to `/metrics`. */
export function shadowMetrics(
  out: MetricsOut,
  figures: ShadowFigures,
  labels: Record<string, string>,
): void {
  const pairLabels = (pair: ComparisonFigures) => ({
    ...labels,
    main_version: pair.main.version,
    shadow_version: pair.shadow.version,
  });
  const perPair: [string, "counter" | "gauge", string, (p: ComparisonFigures) => number | null][] =
    [
      [
        "fraudstream_shadow_rows_total",
        "counter",
        "Transactions scored by both the alerting and the shadow model.",
        (p) => p.rows,
      ],
      [
        "fraudstream_shadow_frauds_total",
        "counter",
        "Of those, transactions labelled fraud (is_fraud).",
        (p) => p.frauds,
      ],
      [
        "fraudstream_shadow_agreements_total",
        "counter",
        "Transactions both models alert on, or neither does.",
        (p) => p.agreed,
      ],
      [
        "fraudstream_shadow_agreement_ratio",
        "gauge",
        "Share of the transactions both models agree on.",
        (p) => p.agreement,
      ],
    ];
  const perModel: [string, "counter" | "gauge", string, (m: ModelFigures) => number | null][] = [
    [
      "fraudstream_shadow_alerts_total",
      "counter",
      "Transactions at or over a model's threshold (the shadow model's are never sent).",
      (m) => m.alerts,
    ],
    [
      "fraudstream_shadow_true_positives_total",
      "counter",
      "A model's alerts on transactions labelled fraud.",
      (m) => m.truePositives,
    ],
    [
      "fraudstream_shadow_false_positives_total",
      "counter",
      "A model's alerts on transactions labelled legitimate.",
      (m) => m.falsePositives,
    ],
    [
      "fraudstream_shadow_false_negatives_total",
      "counter",
      "Transactions labelled fraud a model does not alert on.",
      (m) => m.falseNegatives,
    ],
    [
      "fraudstream_shadow_alert_rate",
      "gauge",
      "A model's alerts per transaction.",
      (m) => m.alertRate,
    ],
    [
      "fraudstream_shadow_precision",
      "gauge",
      "A model's alerts that are fraud.",
      (m) => m.precision,
    ],
    ["fraudstream_shadow_recall", "gauge", "Frauds a model alerts on.", (m) => m.recall],
  ];
  for (const [name, type, help, pick] of perPair) {
    out.family(name, type, help);
    for (const pair of figures.pairs) {
      const value = pick(pair);
      if (value !== null) out.sample(name, value, pairLabels(pair));
    }
  }
  for (const [name, type, help, pick] of perModel) {
    out.family(name, type, help);
    for (const pair of figures.pairs) {
      for (const model of ["main", "shadow"] as const) {
        const value = pick(pair[model]);
        if (value !== null) out.sample(name, value, { ...pairLabels(pair), model });
      }
    }
  }
}
