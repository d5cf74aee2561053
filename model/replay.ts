/**
 * Training-side feature computation: replays every card's history in event-time order through
 * the same `encodeInto` the online scorer uses, producing one feature column per feature.
 *
 * @module
 */

import type { TrainingColumns } from "./csv_columns.ts";
import {
  blankFeatureInput,
  emptyState,
  encodeInto,
  type EncoderSettings,
  FEATURE_COUNT,
  type FeatureInput,
} from "./features.ts";

/** Row indices ordered by card, then event time (stable for equal times). */
export function cardTimeOrder(columns: TrainingColumns): Uint32Array {
  const n = columns.length;
  const cards = columns.cards.length;
  const starts = new Uint32Array(cards + 1);
  for (let i = 0; i < n; i++) starts[columns.card[i] + 1]++;
  for (let c = 0; c < cards; c++) starts[c + 1] += starts[c];
  const next = starts.slice(0, cards);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[next[columns.card[i]]++] = i;
  const time = columns.time;
  for (let c = 0; c < cards; c++) {
    const slice = order.subarray(starts[c], starts[c + 1]);
    let sorted = true;
    for (let i = 1; i < slice.length; i++) {
      if (time[slice[i]] < time[slice[i - 1]]) {
        sorted = false;
        break;
      }
    }
    if (!sorted) {
      const copy = Array.from(slice).sort((a, b) => time[a] - time[b] || a - b);
      slice.set(copy);
    }
  }
  return order;
}

/**
 * Feature columns (`FEATURE_COUNT` arrays of `columns.length`, in row order) computed by replaying
 * each card's transactions in time order.
 */
export function replayFeatures(
  columns: TrainingColumns,
  settings: EncoderSettings,
  order: Uint32Array = cardTimeOrder(columns),
): Float32Array[] {
  const n = columns.length;
  const features = Array.from({ length: FEATURE_COUNT }, () => new Float32Array(n));
  const row = new Float32Array(FEATURE_COUNT);
  let state = emptyState(settings);
  let currentCard = -1;
  const input: FeatureInput = blankFeatureInput();
  for (let k = 0; k < n; k++) {
    const i = order[k];
    if (columns.card[i] !== currentCard) {
      currentCard = columns.card[i];
      state = emptyState(settings);
    }
    input.amt = columns.amt[i];
    input.category = columns.category[i];
    input.time = columns.time[i];
    input.hour = columns.hour[i];
    input.weekday = columns.weekday[i];
    input.age = columns.age[i];
    input.gender = columns.gender[i];
    input.cityPop = columns.cityPop[i];
    input.lat = columns.lat[i];
    input.long = columns.long[i];
    input.merchLat = columns.merchLat[i];
    input.merchLong = columns.merchLong[i];
    encodeInto(input, state, settings, row, 0);
    for (let f = 0; f < FEATURE_COUNT; f++) features[f][i] = row[f];
  }
  return features;
}
