/**
 * Calendar arithmetic on UTC day numbers (days since 1970-01-01) and the profiles' day weights:
 * year weight x day-of-year weight (seasonal windows, else 100) x weekday weight, as GENERATOR.md
 * describes them.
 *
 * @module
 */

import { DEFAULT_DAY_WEIGHT, type Profile, SEASONS } from "./profiles.ts";

/** Milliseconds per day. */
export const DAY_MS = 86_400_000;

/** Seconds per day. */
export const DAY_SECONDS = 86_400;

/** A calendar date. */
export interface CivilDate {
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  day: number;
}

/** Day number (days since 1970-01-01, UTC) of a calendar date. */
export function dayNumber(year: number, month: number, day: number): number {
  return Math.round(Date.UTC(year, month - 1, day) / DAY_MS);
}

/** Calendar date of a day number. */
export function civilDate(dayNum: number): CivilDate {
  const date = new Date(dayNum * DAY_MS);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

/** `YYYY-MM-DD` of a day number. */
export function isoDay(dayNum: number): string {
  return new Date(dayNum * DAY_MS).toISOString().slice(0, 10);
}

/** Weekday of a day number, Monday = 0 .. Sunday = 6. */
export function weekday(dayNum: number): number {
  return (((dayNum + 3) % 7) + 7) % 7;
}

/** Leap year as the profiles' calendar counts it (every fourth year). */
export function isProfileLeapYear(year: number): boolean {
  return year % 4 === 0;
}

function seasonWeight(month: number, day: number): number {
  let weight = DEFAULT_DAY_WEIGHT;
  const key = month * 100 + day;
  for (const season of SEASONS) {
    const from = season.from[0] * 100 + season.from[1];
    const to = season.to[0] * 100 + season.to[1];
    if (key >= from && key <= to) weight = season.weight;
  }
  return weight;
}

/** Day-of-year weight totals of a leap and a common year, for normalising within each. */
const SEASON_TOTALS = (() => {
  let leap = 0;
  let common = 0;
  for (let d = dayNumber(2000, 1, 1); d <= dayNumber(2000, 12, 31); d++) {
    const { month, day } = civilDate(d);
    const weight = seasonWeight(month, day);
    leap += weight;
    if (!(month === 2 && day === 29)) common += weight;
  }
  return { leap, common };
})();

/**
 * Unnormalised weight of each day in `[first, last]` for a profile: year weight (by position of
 * the year in the range) x day-of-year weight (normalised within its year, leap years apart) x
 * weekday weight.
 */
export function dayWeights(profile: Profile, first: number, last: number): Float64Array {
  const weights = new Float64Array(last - first + 1);
  const firstYear = civilDate(first).year;
  for (let d = first; d <= last; d++) {
    const { year, month, day } = civilDate(d);
    const yearWeight = profile.years[year - firstYear] ?? DEFAULT_DAY_WEIGHT;
    const total = isProfileLeapYear(year) ? SEASON_TOTALS.leap : SEASON_TOTALS.common;
    weights[d - first] = yearWeight * (seasonWeight(month, day) / total) *
      profile.weekday[weekday(d)];
  }
  return weights;
}

/** Running sums of `weights / total`, the last one (close to) 1: the table a uniform draw is looked up in. */
export function cumulative(weights: ArrayLike<number>): Float64Array {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i];
  const sums = new Float64Array(weights.length);
  let running = 0;
  for (let i = 0; i < weights.length; i++) {
    running += weights[i] / total;
    sums[i] = running;
  }
  return sums;
}
