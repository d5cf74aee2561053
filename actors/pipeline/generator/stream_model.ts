/**
 * The generative model of stream mode: the same customers, profiles and fraud bursts as train
 * mode, but drawn window by window of event time, so a batch never regenerates history.
 *
 * Each stream year (365 days from the start day) plays the part of one Sparkov run: every card
 * draws its transactions per day for the year and, with probability 99/101, one fraud window.
 * The number of a profile's transactions in a window is Poisson with the mean the profile's day
 * weights and part-of-day split give; each is assigned to a card in proportion to its rate. With
 * `sparkov` fidelity, part of day and category follow the day's slice of the year's cumulative
 * table and amounts the mixture of their part of day, as the real output has them.
 *
 * @module
 */

import { DAY_SECONDS } from "./calendar.ts";
import { FRAUD_WINDOW_MARGIN_DAYS, VICTIM_CHANCE } from "./cards.ts";
import type { CustomerCore } from "./customers.ts";
import { ALL_PROFILE_NAMES, FRAUD_PROFILES, LEGIT_PROFILES } from "./profiles.ts";
import { AliasTable, poisson, Random, STREAM } from "./random.ts";
import type { Fidelity } from "./modes.ts";
import {
  drawCents,
  HALF_DAY_SECONDS,
  lookup,
  ProfileSampler,
  TransactionColumns,
} from "./sampler.ts";

/** Days of a stream year. */
export const STREAM_YEAR_DAYS = 365;

/** One transaction of the stream. */
export interface StreamRow {
  /** Seconds since the epoch (UTC). */
  time: number;
  customer: number;
  category: number;
  cents: number;
  fraud: 0 | 1;
}

/** A card's fraud window: the days (day numbers) its fraud fell on. */
interface FraudWindow {
  days: Set<number>;
  /** Last day of the window. */
  until: number;
}

/** Cumulative category weights restricted to a slice [from, to] of the unit interval. */
function sliceMixture(sampler: ProfileSampler, from: number, to: number): Float64Array {
  const sums = sampler.categoryCumulative;
  const masses = new Float64Array(sums.length);
  let previous = 0;
  for (let i = 0; i < sums.length; i++) {
    masses[i] = Math.max(0, Math.min(sums[i], to) - Math.max(previous, from));
    previous = sums[i];
  }
  let total = 0;
  for (const mass of masses) total += mass;
  const cumulative = new Float64Array(sums.length);
  let running = 0;
  for (let i = 0; i < masses.length; i++) {
    running += total > 0 ? masses[i] / total : 1 / masses.length;
    cumulative[i] = running;
  }
  return cumulative;
}

/** The customers of one profile during one stream year. */
interface ProfileYear {
  profile: number;
  sampler: ProfileSampler;
  customers: Int32Array;
  /** Sum over the profile's customers of (transactions per day x (days - 1)). */
  totalRate: number;
  chooser: AliasTable;
  /** Amount-category mixtures of the AM and PM parts (sparkov fidelity). */
  amMixture: Float64Array;
  pmMixture: Float64Array;
}

/** What one stream year needs: per-profile rates and the cards' fraud windows by start day. */
class StreamYear {
  readonly index: number;
  readonly first: number;
  readonly profiles: ProfileYear[] = [];
  /** Customers whose fraud window starts on a day, by day number. */
  readonly fraudStarts = new Map<number, number[]>();

  constructor(index: number, first: number, cores: readonly CustomerCore[], seed: number) {
    this.index = index;
    this.first = first;
    const last = first + STREAM_YEAR_DAYS - 1;
    const random = new Random(0);
    const members = ALL_PROFILE_NAMES.map(() => [] as number[]);
    const rates = ALL_PROFILE_NAMES.map(() => [] as number[]);
    for (const core of cores) {
      random.reseed(seed, core.index, STREAM.streamYear, index);
      const { min, max } = LEGIT_PROFILES.get(ALL_PROFILE_NAMES[core.profile])!.txPerDay;
      const perDay = random.between(min, max);
      if (random.below(VICTIM_CHANCE.of) < VICTIM_CHANCE.below) {
        const start = first + random.between(1, STREAM_YEAR_DAYS - 1 - FRAUD_WINDOW_MARGIN_DAYS);
        const list = this.fraudStarts.get(start) ?? [];
        list.push(core.index);
        this.fraudStarts.set(start, list);
      }
      if (perDay > 0) {
        members[core.profile].push(core.index);
        rates[core.profile].push(perDay * (STREAM_YEAR_DAYS - 1));
      }
    }
    for (let profile = 0; profile < ALL_PROFILE_NAMES.length; profile++) {
      if (members[profile].length === 0) continue;
      const sampler = new ProfileSampler(
        LEGIT_PROFILES.get(ALL_PROFILE_NAMES[profile])!,
        first,
        last,
      );
      const amShare = sampler.profile.amShare;
      this.profiles.push({
        profile,
        sampler,
        customers: Int32Array.from(members[profile]),
        totalRate: rates[profile].reduce((a, b) => a + b, 0),
        chooser: new AliasTable(rates[profile]),
        amMixture: sliceMixture(sampler, 0, amShare),
        pmMixture: sliceMixture(sampler, amShare, 1),
      });
    }
  }
}

/** Draws the stream's transactions window by window; holds only the current year's tables. */
export class StreamModel {
  readonly #cores: readonly CustomerCore[];
  readonly #seed: number;
  readonly #fidelity: Fidelity;
  readonly #startDay: number;
  #year: StreamYear | undefined;
  readonly #windows = new Map<number, FraudWindow>();
  readonly #columns = new TransactionColumns();
  /** Fraud rows drawn ahead of their time, waiting for the window they fall in. */
  readonly #upcoming: StreamRow[] = [];
  #lastEnteredDay = Number.NEGATIVE_INFINITY;

  /** A model for `cores` (the population) whose first stream year starts on `startDay`. */
  constructor(options: {
    cores: readonly CustomerCore[];
    seed: number;
    fidelity: Fidelity;
    startDay: number;
  }) {
    this.#cores = options.cores;
    this.#seed = options.seed;
    this.#fidelity = options.fidelity;
    this.#startDay = options.startDay;
  }

  /**
   * Appends to `out` the transactions with event time in [from, to) (seconds since the epoch),
   * unsorted; `random` decides them.
   */
  draw(from: number, to: number, random: Random, out: StreamRow[]): void {
    let t = from;
    while (t < to) {
      const day = Math.floor(t / DAY_SECONDS);
      const dayEnd = (day + 1) * DAY_SECONDS;
      const end = Math.min(to, dayEnd);
      this.#enterDay(day);
      this.#drawLegit(day, t - day * DAY_SECONDS, end - day * DAY_SECONDS, random, out);
      this.#emitFraud(t, end, out);
      t = end;
    }
  }

  #yearOf(day: number): StreamYear {
    const index = Math.floor((day - this.#startDay) / STREAM_YEAR_DAYS);
    if (this.#year?.index !== index) {
      this.#year = new StreamYear(
        index,
        this.#startDay + index * STREAM_YEAR_DAYS,
        this.#cores,
        this.#seed,
      );
    }
    return this.#year;
  }

  /** On each new day: forget finished fraud windows, draw the bursts that start that day. */
  #enterDay(day: number): void {
    if (day <= this.#lastEnteredDay) return;
    const from = Number.isFinite(this.#lastEnteredDay) ? this.#lastEnteredDay + 1 : day;
    for (let d = from; d <= day; d++) {
      for (const [customer, window] of this.#windows) {
        if (window.until < d) this.#windows.delete(customer);
      }
      const year = this.#yearOf(d);
      for (const customer of year.fraudStarts.get(d) ?? []) this.#drawBurst(year, customer, d);
    }
    this.#lastEnteredDay = day;
  }

  #drawBurst(year: StreamYear, customer: number, start: number): void {
    const core = this.#cores[customer];
    const random = new Random(this.#seed, customer, STREAM.streamYear, year.index, 1);
    const profile = FRAUD_PROFILES.get(ALL_PROFILE_NAMES[core.profile])!;
    const sampler = new ProfileSampler(profile, start, start + 1);
    const count = random.between(profile.txPerDay.min, profile.txPerDay.max);
    const columns = this.#columns;
    columns.clear();
    sampler.draw({
      out: columns,
      count,
      random,
      fidelity: this.#fidelity,
      fraud: true,
      dayBase: 0,
    });
    const days = new Set<number>();
    for (let i = 0; i < columns.length; i++) {
      const day = start + columns.day[i];
      days.add(day);
      this.#upcoming.push({
        time: day * DAY_SECONDS + columns.second[i],
        customer,
        category: columns.category[i],
        cents: columns.cents[i],
        fraud: 1,
      });
    }
    this.#windows.set(customer, { days, until: start + 1 });
  }

  #emitFraud(from: number, to: number, out: StreamRow[]): void {
    let kept = 0;
    for (const row of this.#upcoming) {
      if (row.time >= from && row.time < to) out.push(row);
      else if (row.time >= to) this.#upcoming[kept++] = row;
    }
    this.#upcoming.length = kept;
  }

  /** Legitimate transactions of day `day` between `fromSecond` and `toSecond` past midnight. */
  #drawLegit(
    day: number,
    fromSecond: number,
    toSecond: number,
    random: Random,
    out: StreamRow[],
  ): void {
    const year = this.#yearOf(day);
    const sparkov = this.#fidelity === "sparkov";
    const amLength = Math.max(0, Math.min(toSecond, HALF_DAY_SECONDS) - fromSecond);
    const pmLength = Math.max(0, toSecond - Math.max(fromSecond, HALF_DAY_SECONDS));
    const dayIndex = day - year.first;
    for (const group of year.profiles) {
      const { sampler } = group;
      const sums = sampler.dateCumulative;
      const low = dayIndex > 0 ? sums[dayIndex - 1] : 0;
      const high = sums[dayIndex];
      const dayMass = high - low;
      if (!(dayMass > 0)) continue;
      const amShare = sampler.profile.amShare;
      // Share of the day's transactions in the AM part.
      const amOfDay = sparkov ? Math.max(0, Math.min(high, amShare) - low) / dayMass : amShare;
      const amMass = (amOfDay * amLength) / HALF_DAY_SECONDS;
      const pmMass = ((1 - amOfDay) * pmLength) / HALF_DAY_SECONDS;
      const count = poisson(random, group.totalRate * dayMass * (amMass + pmMass));
      for (let n = 0; n < count; n++) {
        const customer = group.customers[group.chooser.sample(random)];
        if (this.#windows.get(customer)?.days.has(day)) continue;
        const am = random.float() * (amMass + pmMass) < amMass;
        const second = am
          ? fromSecond + random.below(amLength)
          : Math.max(fromSecond, HALF_DAY_SECONDS) + random.below(pmLength);
        let category: number;
        let amountCategory: number;
        if (sparkov) {
          const from = am ? low : Math.max(low, amShare);
          const to = am ? Math.min(high, amShare) : high;
          category =
            sampler.categoryIds[lookup(sampler.categoryCumulative, random.uniform(from, to))];
          amountCategory =
            sampler.categoryIds[lookup(am ? group.amMixture : group.pmMixture, random.float())];
        } else {
          category = sampler.categoryIds[lookup(sampler.categoryCumulative, random.float())];
          amountCategory = category;
        }
        out.push({
          time: day * DAY_SECONDS + second,
          customer,
          category,
          cents: drawCents(random, sampler.amounts[amountCategory]),
          fraud: 0,
        });
      }
    }
  }
}
