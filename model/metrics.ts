/**
 * How well scores separate fraud from legitimate transactions: precision, recall and F1 at a
 * threshold, average precision (PR-AUC), ROC-AUC, the confusion matrix, alerts per 1,000
 * transactions, the curves, and the choice of a threshold on a validation set.
 *
 * @module
 */

/** Counts at one threshold. */
export interface Confusion {
  truePositives: number;
  falsePositives: number;
  trueNegatives: number;
  falseNegatives: number;
}

/** Figures of a scored, labelled set (field names as written to reports). */
export interface Evaluation {
  rows: number;
  frauds: number;
  threshold: number;
  precision: number;
  recall: number;
  f1: number;
  /** NaN (null in JSON) when the set has no fraud: undefined, not a figure of 0. */
  average_precision: number;
  /** NaN (null in JSON) when the set lacks fraud or legitimate rows: undefined, not 0. */
  roc_auc: number;
  alerts_per_1000: number;
  /** Best recall the curve reaches with precision at least 0.9 (a property of the scores). */
  recall_at_precision_90: number;
  confusion: Confusion;
}

/** Points of the precision-recall and ROC curves (thinned for drawing). */
export interface Curves {
  pr: { recall: number; precision: number }[];
  roc: { fpr: number; tpr: number }[];
}

/** Confusion counts when alerting at `score >= threshold`. */
export function confusionAt(
  scores: Float32Array,
  labels: Uint8Array,
  threshold: number,
): Confusion {
  const c: Confusion = { truePositives: 0, falsePositives: 0, trueNegatives: 0, falseNegatives: 0 };
  for (let i = 0; i < scores.length; i++) {
    const alert = scores[i] >= threshold;
    if (labels[i]) alert ? c.truePositives++ : c.falseNegatives++;
    else alert ? c.falsePositives++ : c.trueNegatives++;
  }
  return c;
}

/** Indices sorted by descending score. */
function descending(scores: Float32Array): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => scores[b] - scores[a]);
  return order;
}

/** Walks the distinct score thresholds from high to low with cumulative counts. */
function sweep(
  scores: Float32Array,
  labels: Uint8Array,
  visit: (threshold: number, tp: number, fp: number) => void,
): { positives: number; negatives: number } {
  const order = descending(scores);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];
  const negatives = labels.length - positives;
  let tp = 0;
  let fp = 0;
  for (let k = 0; k < order.length; k++) {
    const i = order[k];
    if (labels[i]) tp++;
    else fp++;
    if (k + 1 === order.length || scores[order[k + 1]] !== scores[i]) visit(scores[i], tp, fp);
  }
  return { positives, negatives };
}

/** Average precision: the step-wise area under the precision-recall curve; NaN without fraud. */
export function averagePrecision(scores: Float32Array, labels: Uint8Array): number {
  let ap = 0;
  let previousRecall = 0;
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];
  if (positives === 0) return NaN;
  sweep(scores, labels, (_t, tp, fp) => {
    const recall = tp / positives;
    ap += (recall - previousRecall) * (tp / (tp + fp));
    previousRecall = recall;
  });
  return ap;
}

/** Area under the ROC curve (trapezoids; ties count half); NaN when a class is missing. */
export function rocAuc(scores: Float32Array, labels: Uint8Array): number {
  let area = 0;
  let previousTp = 0;
  let previousFp = 0;
  const { positives, negatives } = sweep(scores, labels, (_t, tp, fp) => {
    area += (fp - previousFp) * (tp + previousTp) / 2;
    previousTp = tp;
    previousFp = fp;
  });
  return positives === 0 || negatives === 0 ? NaN : area / (positives * negatives);
}

/** The curves, thinned to at most `points` points each. */
export function curves(scores: Float32Array, labels: Uint8Array, points = 200): Curves {
  const pr: Curves["pr"] = [];
  const roc: Curves["roc"] = [{ fpr: 0, tpr: 0 }];
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];
  const negatives = labels.length - positives;
  sweep(scores, labels, (_t, tp, fp) => {
    pr.push({ recall: positives ? tp / positives : 0, precision: tp / (tp + fp) });
    roc.push({ fpr: negatives ? fp / negatives : 0, tpr: positives ? tp / positives : 0 });
  });
  const thin = <T>(list: T[]) =>
    list.length <= points
      ? list
      : list.filter((_, i) => i % Math.ceil(list.length / points) === 0 || i === list.length - 1);
  return { pr: thin(pr), roc: thin(roc) };
}

/**
 * The alert threshold chosen on a validation set: the lowest one (most fraud caught) whose
 * precision is still at least `minPrecision`; when no threshold reaches that precision, the one
 * with the best F1. Returns 0.5 when the set has no fraud.
 */
export function chooseThreshold(
  scores: Float32Array,
  labels: Uint8Array,
  minPrecision = 0.9,
): number {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];
  if (positives === 0) return 0.5;
  let bestF1 = { f1: -1, threshold: 0.5 };
  let lowestPrecise: number | undefined;
  sweep(scores, labels, (threshold, tp, fp) => {
    const precision = tp / (tp + fp);
    const recall = tp / positives;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    if (f1 > bestF1.f1) bestF1 = { f1, threshold };
    if (precision >= minPrecision) lowestPrecise = threshold;
  });
  return lowestPrecise ?? bestF1.threshold;
}

/** Highest recall on the curve among thresholds whose precision is at least `minPrecision`. */
export function recallAtPrecision(
  scores: Float32Array,
  labels: Uint8Array,
  minPrecision: number,
): number {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];
  if (positives === 0) return 0;
  let best = 0;
  sweep(scores, labels, (_t, tp, fp) => {
    if (tp / (tp + fp) >= minPrecision) best = Math.max(best, tp / positives);
  });
  return best;
}

/** Every figure of a scored, labelled set at `threshold`. */
export function evaluate(scores: Float32Array, labels: Uint8Array, threshold: number): Evaluation {
  const confusion = confusionAt(scores, labels, threshold);
  const { truePositives: tp, falsePositives: fp, falseNegatives: fn } = confusion;
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  return {
    rows: scores.length,
    frauds: tp + fn,
    threshold,
    precision,
    recall,
    f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0,
    average_precision: averagePrecision(scores, labels),
    roc_auc: rocAuc(scores, labels),
    alerts_per_1000: scores.length > 0 ? ((tp + fp) * 1000) / scores.length : 0,
    recall_at_precision_90: recallAtPrecision(scores, labels, 0.9),
    confusion,
  };
}
