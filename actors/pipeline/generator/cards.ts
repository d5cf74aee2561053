/**
 * All transactions of one card over the run's date range (train mode): the fraud burst of a
 * victim first, then the legitimate transactions, without those on the fraud dates.
 *
 * @module
 */

import { DAY_SECONDS } from "./calendar.ts";
import { ALL_PROFILE_NAMES, FRAUD_PROFILES, LEGIT_PROFILES } from "./profiles.ts";
import { Random, STREAM } from "./random.ts";
import type { Fidelity } from "./modes.ts";
import { ProfileSampler, type TransactionColumns } from "./sampler.ts";

/** Chance that a card becomes a fraud victim: 99 in 101. */
export const VICTIM_CHANCE = { below: 99, of: 101 } as const;

/** The fraud window starts at most this many days before the end of the range. */
export const FRAUD_WINDOW_MARGIN_DAYS = 7;

/** Smallest date range (in days, both ends included) a training set can cover. */
export const MIN_RANGE_DAYS = FRAUD_WINDOW_MARGIN_DAYS + 2;

/** Draws the transactions of cards over one date range. */
export class CardDrawer {
  readonly #seed: number;
  readonly #first: number;
  readonly #days: number;
  readonly #fidelity: Fidelity;
  readonly #random = new Random(0);
  readonly #legit = new Map<number, ProfileSampler>();
  readonly #fraud = new Map<string, ProfileSampler>();

  /** Cards of `seed` from day number `first` to `last`, both included. */
  constructor(options: { seed: number; first: number; last: number; fidelity: Fidelity }) {
    if (options.last - options.first + 1 < MIN_RANGE_DAYS) {
      throw new RangeError(`a date range needs at least ${MIN_RANGE_DAYS} days`);
    }
    this.#seed = options.seed;
    this.#first = options.first;
    this.#days = options.last - options.first + 1;
    this.#fidelity = options.fidelity;
  }

  /** Seconds since the epoch of the range's first day at midnight UTC. */
  get firstDayEpoch(): number {
    return this.#first * DAY_SECONDS;
  }

  /**
   * Replaces the content of `out` with the transactions of customer `index` of profile number
   * `profile`, and returns how many of them are fraud.
   */
  draw(out: TransactionColumns, index: number, profile: number): number {
    const random = this.#random;
    random.reseed(this.#seed, index, STREAM.transactions);
    const name = ALL_PROFILE_NAMES[profile];
    const days = this.#days;
    out.clear();

    let frauds = 0;
    let fraudDayA = -1;
    let fraudDayB = -1;
    if (random.below(VICTIM_CHANCE.of) < VICTIM_CHANCE.below) {
      const offset = random.between(1, days - 1 - FRAUD_WINDOW_MARGIN_DAYS);
      const sampler = this.#fraudSampler(name, offset);
      const { min, max } = sampler.profile.txPerDay;
      frauds = random.between(min, max);
      sampler.draw({
        out,
        count: frauds,
        random,
        fidelity: this.#fidelity,
        fraud: true,
        dayBase: offset,
      });
      for (let i = 0; i < frauds; i++) {
        if (out.day[i] === offset) fraudDayA = offset;
        else fraudDayB = offset + 1;
      }
    }

    const sampler = this.#legitSampler(profile, name);
    const { min, max } = sampler.profile.txPerDay;
    const count = (days - 1) * random.between(min, max);
    const start = out.length;
    sampler.draw({ out, count, random, fidelity: this.#fidelity, fraud: false, dayBase: 0 });
    if (frauds > 0) dropDays(out, start, fraudDayA, fraudDayB);
    return frauds;
  }

  #legitSampler(profile: number, name: string): ProfileSampler {
    let sampler = this.#legit.get(profile);
    if (!sampler) {
      sampler = new ProfileSampler(
        LEGIT_PROFILES.get(name)!,
        this.#first,
        this.#first + this.#days - 1,
      );
      this.#legit.set(profile, sampler);
    }
    return sampler;
  }

  #fraudSampler(name: string, offset: number): ProfileSampler {
    const key = `${name}:${offset}`;
    let sampler = this.#fraud.get(key);
    if (!sampler) {
      const first = this.#first + offset;
      sampler = new ProfileSampler(FRAUD_PROFILES.get(name)!, first, first + 1);
      this.#fraud.set(key, sampler);
    }
    return sampler;
  }
}

/** Removes the transactions from `start` on whose day is `a` or `b`, keeping the order. */
function dropDays(out: TransactionColumns, start: number, a: number, b: number): void {
  const { day, second, category, cents, fraud } = out;
  let kept = start;
  for (let i = start; i < out.length; i++) {
    const d = day[i];
    if (d === a || d === b) continue;
    if (kept !== i) {
      day[kept] = d;
      second[kept] = second[i];
      category[kept] = category[i];
      cents[kept] = cents[i];
      fraud[kept] = fraud[i];
    }
    kept++;
  }
  out.length = kept;
}
