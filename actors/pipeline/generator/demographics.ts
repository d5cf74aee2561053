/**
 * Age and gender of customers from the US population table of GENERATOR.md (ages 15 to 95 in
 * 5-year bands, uniform within a band), and a date of birth that gives that age on a reference
 * day.
 *
 * @module
 */

import { type CivilDate, civilDate, dayNumber } from "./calendar.ts";
import type { Random } from "./random.ts";

/** Share of the population (in percent) per age band and gender: [first age, last age, M, F]. */
const AGE_BANDS: readonly [number, number, number, number][] = [
  [15, 19, 1.12, 1.00],
  [20, 24, 3.68, 3.38],
  [25, 29, 4.23, 3.93],
  [30, 34, 4.20, 3.99],
  [35, 39, 3.95, 3.77],
  [40, 44, 4.30, 4.08],
  [45, 49, 4.56, 4.39],
  [50, 54, 4.74, 4.61],
  [55, 59, 4.74, 4.71],
  [60, 64, 4.07, 4.20],
  [65, 69, 3.17, 3.25],
  [70, 74, 2.22, 2.39],
  [75, 79, 1.53, 1.91],
  [80, 84, 1.19, 1.53],
  [85, 89, 0.89, 1.45],
  [90, 94, 0.89, 1.45],
  [95, 95, 0.18, 0.29],
];

interface Entry {
  gender: "M" | "F";
  firstAge: number;
  lastAge: number;
  cumulative: number;
}

const ENTRIES: readonly Entry[] = (() => {
  let total = 0;
  for (const [, , male, female] of AGE_BANDS) total += male + female;
  const entries: Entry[] = [];
  let running = 0;
  for (const [firstAge, lastAge, male, female] of AGE_BANDS) {
    running += male / total;
    entries.push({ gender: "M", firstAge, lastAge, cumulative: running });
    running += female / total;
    entries.push({ gender: "F", firstAge, lastAge, cumulative: running });
  }
  return entries;
})();

/** Expected share of each gender and age band, for checks against generated data. */
export function expectedAgeGenderShares(): { band: [number, number]; M: number; F: number }[] {
  let total = 0;
  for (const [, , male, female] of AGE_BANDS) total += male + female;
  return AGE_BANDS.map(([first, last, male, female]) => ({
    band: [first, last] as [number, number],
    M: male / total,
    F: female / total,
  }));
}

/** Draws a gender and an age in whole years. */
export function drawAgeGender(random: Random): { gender: "M" | "F"; age: number } {
  const u = random.float();
  let entry = ENTRIES[ENTRIES.length - 1];
  for (const candidate of ENTRIES) {
    if (u < candidate.cumulative) {
      entry = candidate;
      break;
    }
  }
  return { gender: entry.gender, age: random.between(entry.firstAge, entry.lastAge) };
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

const LEAP_YEAR_DAYS = 366;
const LEAP_YEAR_FIRST_DAY = dayNumber(2000, 1, 1);

/**
 * A date of birth, `YYYY-MM-DD`: a random day of the year, in the year that makes the customer
 * `age` years old on `asOf`.
 */
export function drawBirthDate(random: Random, age: number, asOf: CivilDate): string {
  for (;;) {
    const { month, day } = civilDate(LEAP_YEAR_FIRST_DAY + random.below(LEAP_YEAR_DAYS));
    const beforeBirthday = asOf.month < month || (asOf.month === month && asOf.day < day);
    const year = asOf.year - age - (beforeBirthday ? 1 : 0);
    if (month === 2 && day === 29 && !isLeapYear(year)) continue;
    return `${String(year).padStart(4, "0")}-${String(month).padStart(2, "0")}-${
      String(day).padStart(2, "0")
    }`;
  }
}

/** Age in whole years on `on` of someone born on `dob` (`YYYY-MM-DD`). */
export function ageOn(dob: string, on: CivilDate): number {
  const [year, month, day] = dob.split("-").map(Number);
  const beforeBirthday = on.month < month || (on.month === month && on.day < day);
  return on.year - year - (beforeBirthday ? 1 : 0);
}
