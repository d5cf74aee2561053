/**
 * Drawing the transactions of one profile over one date range: date, part of day (AM/PM),
 * category, time and amount, in either fidelity.
 *
 * - `sparkov` reproduces the real output of Sparkov v1.0: one uniform number per transaction
 *   decides its date, part of day and category together (each looked up in its own cumulative
 *   table: dates in chronological order, AM before PM, categories in table order), and amounts,
 *   drawn per category, end up shuffled among the transactions of the same part of day.
 * - `independent` draws date, part of day, category and amount independently, as the profiles
 *   intend.
 *
 * @module
 */

import { CATEGORIES } from "../../../model/schema.ts";
import { cumulative, dayWeights } from "./calendar.ts";
import type { Profile } from "./profiles.ts";
import type { Fidelity } from "./modes.ts";
import { gamma, gammaFromMoments, type GammaSpec, type Random, shuffleRange } from "./random.ts";

/** Seconds in half a day: the length of the AM and PM parts. */
export const HALF_DAY_SECONDS = 43_200;

/** Share of fraud transactions whose hours are narrowed to 0-3 (AM) or 22-23 (PM). */
export const FRAUD_NIGHT_SHARE = 0.8;

/** Transactions drawn for one customer, column by column. */
export class TransactionColumns {
  /** Day index within the run's date range. */
  day = new Int32Array(1024);
  /** Seconds since midnight. */
  second = new Int32Array(1024);
  /** Category index in `CATEGORIES`. */
  category = new Uint8Array(1024);
  /** Amount in cents. */
  cents = new Int32Array(1024);
  /** 1 for fraud. */
  fraud = new Uint8Array(1024);
  /** Number of transactions held. */
  length = 0;

  /** Makes room for `extra` more transactions. */
  reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.day.length) return;
    let capacity = this.day.length;
    while (capacity < needed) capacity *= 2;
    const grow = <T extends Int32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old.subarray(0, this.length));
      return next;
    };
    this.day = grow(this.day, (n) => new Int32Array(n));
    this.second = grow(this.second, (n) => new Int32Array(n));
    this.category = grow(this.category, (n) => new Uint8Array(n));
    this.cents = grow(this.cents, (n) => new Int32Array(n));
    this.fraud = grow(this.fraud, (n) => new Uint8Array(n));
  }

  /** Removes every transaction. */
  clear(): void {
    this.length = 0;
  }
}

/** Lookup tables of one profile over one date range. */
export class ProfileSampler {
  readonly profile: Profile;
  /** First day (day number) of the range. */
  readonly first: number;
  /** Number of days in the range, both ends included. */
  readonly days: number;
  /** Cumulative day weights, chronological. */
  readonly dateCumulative: Float64Array;
  /** Cumulative category weights of the categories with a weight, in table order. */
  readonly categoryCumulative: Float64Array;
  /** Category index of each entry of `categoryCumulative`. */
  readonly categoryIds: Uint8Array;
  /** Amount distribution per category index. */
  readonly amounts: GammaSpec[];
  #scratch = new Float64Array(1024);

  /** Tables for `profile` from day number `first` to `last`, both included. */
  constructor(profile: Profile, first: number, last: number) {
    this.profile = profile;
    this.first = first;
    this.days = last - first + 1;
    this.dateCumulative = cumulative(dayWeights(profile, first, last));
    const sums = cumulative(profile.categories.map((c) => c.weight));
    const ids = CATEGORIES.map((_, i) => i).filter((i) => profile.categories[i].weight > 0);
    this.categoryCumulative = Float64Array.from(ids, (i) => sums[i]);
    this.categoryIds = Uint8Array.from(ids);
    this.amounts = profile.categories.map((c) => gammaFromMoments(c.mean, c.stdev));
  }

  /**
   * Appends `count` transactions to `out`, their days counted from `dayBase` (the day index of
   * this sampler's first day within the run's range).
   */
  draw(options: {
    out: TransactionColumns;
    count: number;
    random: Random;
    fidelity: Fidelity;
    fraud: boolean;
    dayBase: number;
  }): void {
    const { out, count, random, fidelity, fraud, dayBase } = options;
    if (count <= 0) return;
    out.reserve(count);
    if (this.#scratch.length < count) this.#scratch = new Float64Array(count * 2);
    const keys = this.#scratch.subarray(0, count);
    for (let i = 0; i < count; i++) keys[i] = random.float();
    keys.sort();

    const dates = this.dateCumulative;
    const lastDate = dates.length - 1;
    const categories = this.categoryCumulative;
    const lastCategory = categories.length - 1;
    const ids = this.categoryIds;
    const amShare = this.profile.amShare;
    const sparkov = fidelity === "sparkov";
    const start = out.length;
    const { day, second, category, cents, fraud: fraudColumn } = out;
    let d = 0;
    let c = 0;
    let amCount = 0;
    for (let i = 0; i < count; i++) {
      const key = keys[i];
      while (d < lastDate && key > dates[d]) d++;
      let am: boolean;
      let cat: number;
      if (sparkov) {
        while (c < lastCategory && key > categories[c]) c++;
        cat = ids[c];
        am = key <= amShare;
      } else {
        cat = ids[lookup(categories, random.float())];
        am = random.float() < amShare;
      }
      if (am) amCount++;
      const row = start + i;
      day[row] = dayBase + d;
      second[row] = drawSecond(random, am, fraud);
      category[row] = cat;
      cents[row] = drawCents(random, this.amounts[cat]);
      fraudColumn[row] = fraud ? 1 : 0;
    }
    out.length = start + count;
    if (sparkov) {
      // Sorted keys put every AM transaction before every PM one.
      shuffleRange(random, cents, start, start + amCount);
      shuffleRange(random, cents, start + amCount, start + count);
    }
  }
}

/** Index of the first entry of a cumulative table that is at least `u` (the last one if none). */
export function lookup(sums: Float64Array, u: number): number {
  const last = sums.length - 1;
  let i = 0;
  while (i < last && u > sums[i]) i++;
  return i;
}

/** Seconds since midnight for an AM or PM transaction (fraud hours mostly at night). */
export function drawSecond(random: Random, am: boolean, fraud: boolean): number {
  if (fraud && random.between(1, 100) > 100 - FRAUD_NIGHT_SHARE * 100) {
    return am ? random.below(4 * 3600) : 22 * 3600 + random.below(2 * 3600);
  }
  return am ? random.below(HALF_DAY_SECONDS) : HALF_DAY_SECONDS + random.below(HALF_DAY_SECONDS);
}

/** An amount in cents: a Gamma draw, or uniform in [1, 10) when the draw is under 1.00. */
export function drawCents(random: Random, spec: GammaSpec): number {
  let amount = gamma(random, spec);
  if (amount < 1) amount = random.uniform(1, 10);
  return Math.round(amount * 100);
}
