/**
 * The live comparison of the alerting model with the shadow model (`--shadow-model`): an observer
 * of the `committed` event that counts, over the rows both models scored, each model's alerts
 * (score at or over its own threshold), how often the two agree, and against the labels the
 * stream carries (`is_fraud`) each model's true and false positives and false negatives; since
 * the start and over a recent window. Counts are kept per pair of versions, so a promotion (or a
 * switch with `--model latest`) starts a new pair instead of mixing two models' figures.
 *
 * @module
 */

import type { CommittedBatch, PipelineEmitter } from "../events.ts";
import type {
  ComparisonFigures,
  ModelFigures,
  ShadowFigures,
} from "../../observe/dashboard/shadow_figures.ts";

/** Length of the recent window, in ms (default of `ShadowComparison`). */
const WINDOW_MS = 60_000;

/** A model's counts over some rows. */
interface ModelCounts {
  version: string;
  threshold: number;
  alerts: number;
  truePositives: number;
}

/** Counts of one pair of versions over some rows. */
interface PairCounts {
  rows: number;
  frauds: number;
  agreed: number;
  main: ModelCounts;
  shadow: ModelCounts;
}

/** One second's counts of a pair, for the recent window. */
interface Bucket {
  second: number;
  pair: string;
  counts: PairCounts;
}

/** No counts yet, of the model `version` alerting at `threshold`. */
function modelCounts({ version, threshold }: { version: string; threshold: number }): ModelCounts {
  return { version, threshold, alerts: 0, truePositives: 0 };
}

/** No counts yet, of the pair of models `like` names. */
function emptyCounts(like: { main: ModelCounts; shadow: ModelCounts }): PairCounts {
  return {
    rows: 0,
    frauds: 0,
    agreed: 0,
    main: modelCounts(like.main),
    shadow: modelCounts(like.shadow),
  };
}

function addCounts(into: PairCounts, from: PairCounts): void {
  into.rows += from.rows;
  into.frauds += from.frauds;
  into.agreed += from.agreed;
  into.main.alerts += from.main.alerts;
  into.main.truePositives += from.main.truePositives;
  into.shadow.alerts += from.shadow.alerts;
  into.shadow.truePositives += from.shadow.truePositives;
}

const ratio = (part: number, whole: number) => whole > 0 ? part / whole : null;

function modelFigures(model: ModelCounts, rows: number, frauds: number): ModelFigures {
  return {
    version: model.version,
    threshold: model.threshold,
    alerts: model.alerts,
    truePositives: model.truePositives,
    falsePositives: model.alerts - model.truePositives,
    falseNegatives: frauds - model.truePositives,
    alertRate: ratio(model.alerts, rows),
    precision: ratio(model.truePositives, model.alerts),
    recall: ratio(model.truePositives, frauds),
  };
}

function comparisonFigures(counts: PairCounts): ComparisonFigures {
  return {
    rows: counts.rows,
    frauds: counts.frauds,
    agreed: counts.agreed,
    agreement: ratio(counts.agreed, counts.rows),
    main: modelFigures(counts.main, counts.rows, counts.frauds),
    shadow: modelFigures(counts.shadow, counts.rows, counts.frauds),
  };
}

/**
 * Counts what the alerting and the shadow model make of the same rows, batch by batch.
 *
 * @example
 * ```ts
 * const comparison = new ShadowComparison();
 * const stop = comparison.follow(events);
 * // ... later: comparison.figures()?.current.shadow.precision
 * ```
 */
export class ShadowComparison {
  readonly #pairs = new Map<string, PairCounts>();
  #latest: string | undefined;
  readonly #recent: Bucket[] = [];
  readonly #windowMs: number;
  readonly #now: () => number;

  /** `windowMs`: the recent window (default 60 s); `now`: the clock, in ms. */
  constructor(options: { windowMs?: number; now?: () => number } = {}) {
    this.#windowMs = options.windowMs ?? WINDOW_MS;
    this.#now = options.now ?? Date.now;
  }

  /** Counts the rows of `batch` both models scored (a batch without shadow scores: none). */
  add(batch: CommittedBatch): void {
    const shadow = batch.shadow;
    if (!shadow || batch.rows === 0) return;
    const counts: PairCounts = {
      rows: batch.rows,
      frauds: 0,
      agreed: 0,
      main: modelCounts({ version: batch.modelVersion, threshold: batch.threshold }),
      shadow: modelCounts({ version: shadow.modelVersion, threshold: shadow.threshold }),
    };
    const { scores, threshold, columns } = batch;
    const labels = columns.isFraud;
    for (let i = 0; i < batch.rows; i++) {
      const main = scores[i] >= threshold;
      const other = shadow.scores[i] >= shadow.threshold;
      const fraud = labels[i] === 1;
      if (main === other) counts.agreed++;
      if (fraud) counts.frauds++;
      if (main) {
        counts.main.alerts++;
        if (fraud) counts.main.truePositives++;
      }
      if (other) {
        counts.shadow.alerts++;
        if (fraud) counts.shadow.truePositives++;
      }
    }
    const pair = JSON.stringify([batch.modelVersion, shadow.modelVersion]);
    let total = this.#pairs.get(pair);
    if (!total) this.#pairs.set(pair, total = emptyCounts(counts));
    addCounts(total, counts);
    this.#latest = pair;
    const second = Math.floor(this.#now() / 1000);
    const last = this.#recent.at(-1);
    if (last && last.second === second && last.pair === pair) addCounts(last.counts, counts);
    else this.#recent.push({ second, pair, counts });
    this.#trim();
  }

  /** Counts every `committed` batch of `events`; returns the function that stops it. */
  follow(events: PipelineEmitter): () => void {
    return events.on("committed", (batch) => this.add(batch));
  }

  /** The figures so far; `undefined` before a batch with shadow scores. */
  figures(): ShadowFigures | undefined {
    const latest = this.#latest;
    if (latest === undefined) return undefined;
    this.#trim();
    const total = this.#pairs.get(latest)!;
    const recent = this.#recent.filter((bucket) => bucket.pair === latest);
    const window = emptyCounts(total);
    for (const bucket of recent) addCounts(window, bucket.counts);
    return {
      current: comparisonFigures(total),
      recent: comparisonFigures(window),
      windowS: this.#windowMs / 1000,
      pairs: [...this.#pairs.values()].map(comparisonFigures),
    };
  }

  /** Drops the buckets older than the window. */
  #trim(): void {
    const oldest = Math.floor((this.#now() - this.#windowMs) / 1000);
    while (this.#recent.length > 0 && this.#recent[0].second <= oldest) this.#recent.shift();
  }
}

/** One line of the comparison, for a role's summary. */
export function shadowSummary(figures: ComparisonFigures): string {
  const percent = (value: number | null) => value === null ? "-" : `${(value * 100).toFixed(1)}%`;
  const model = (role: string, m: ModelFigures) =>
    `${role} ${m.version}: ${m.alerts} alerts (${percent(m.alertRate)}), precision ` +
    `${percent(m.precision)}, recall ${percent(m.recall)}`;
  return `shadow comparison over ${figures.rows} transactions (${figures.frauds} labelled fraud): ` +
    `${model("alerting", figures.main)}; ${model("shadow", figures.shadow)}; agreement ` +
    `${percent(figures.agreement)}`;
}
