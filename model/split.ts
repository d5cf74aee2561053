/**
 * The honest hold-out: split by time AND by card. Cards are drawn into training, validation and
 * test groups; training uses its cards' transactions before a time cut, validation and test use
 * their (unseen) cards' transactions after it. The training cards' later transactions and the
 * held-out cards' earlier ones are used by neither: with 30 % of the cards and of the time held
 * out, training sees about 49 % of the rows, validation 3 % and test 6 %. Every transaction still
 * counts as history for the per-card features. With no hold-out, every row trains.
 *
 * @module
 */

import type { TrainingColumns } from "./csv_columns.ts";

/** What each row is used for. */
export const ROLE = { unused: 0, train: 1, validation: 2, test: 3 } as const;

/** Shares of cards and of time in the split. */
export interface SplitSettings {
  /** Share of cards in the training group (default 0.7). */
  trainCards: number;
  /** Share of cards in the validation group (default 0.1; the rest is the test group). */
  validationCards: number;
  /** Share of transactions (in time order) before the time cut (default 0.7). */
  timeCut: number;
  seed: number;
}

/** Share of the cards and of the time span held out unless told otherwise. */
export const DEFAULT_HOLDOUT = 0.3;

/**
 * The split that holds out `share` of the cards and the last `share` of the time span: a third
 * of the held-out cards validate, two thirds test. A share of 0 trains on every row.
 */
export function holdoutSplit(share: number): Omit<SplitSettings, "seed"> {
  if (!(share >= 0 && share < 1)) throw new RangeError(`hold-out share ${share} is not in [0, 1)`);
  const round = (value: number) => Math.round(value * 1e6) / 1e6;
  return {
    trainCards: round(1 - share),
    validationCards: round(share / 3),
    timeCut: round(1 - share),
  };
}

/** The split every model of this version uses unless told otherwise. */
export const DEFAULT_SPLIT: Omit<SplitSettings, "seed"> = holdoutSplit(DEFAULT_HOLDOUT);

/** A number in [0, 1) from a card number and a seed (FNV-1a), the same on every machine. */
export function cardDraw(card: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < card.length; i++) {
    h ^= card.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 4294967296;
}

/** The role of every row, and the time cut (infinite when no time is held out). */
export function splitRows(
  columns: Pick<TrainingColumns, "length" | "card" | "cards" | "time">,
  settings: SplitSettings,
): { role: Uint8Array; cutTime: number } {
  const n = columns.length;
  const sample = new Float64Array(Math.min(n, 100_000));
  const step = n / Math.max(1, sample.length);
  for (let i = 0; i < sample.length; i++) sample[i] = columns.time[Math.floor(i * step)];
  sample.sort();
  // No time held out: every row is before the cut.
  const cutTime = settings.timeCut >= 1
    ? Number.POSITIVE_INFINITY
    : sample.length
    ? sample[Math.min(sample.length - 1, Math.floor(settings.timeCut * sample.length))]
    : 0;
  const group = new Uint8Array(columns.cards.length);
  columns.cards.forEach((card, id) => {
    const u = cardDraw(card, settings.seed);
    group[id] = u < settings.trainCards
      ? ROLE.train
      : u < settings.trainCards + settings.validationCards
      ? ROLE.validation
      : ROLE.test;
  });
  const role = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const g = group[columns.card[i]];
    const early = columns.time[i] < cutTime;
    role[i] = g === ROLE.train ? (early ? ROLE.train : ROLE.unused) : early ? ROLE.unused : g;
  }
  return { role, cutTime };
}

/** Indices of the rows with role `wanted`, ascending. */
export function rowsWithRole(role: Uint8Array, wanted: number): Uint32Array {
  let count = 0;
  for (let i = 0; i < role.length; i++) if (role[i] === wanted) count++;
  const rows = new Uint32Array(count);
  for (let i = 0, k = 0; i < role.length; i++) if (role[i] === wanted) rows[k++] = i;
  return rows;
}
