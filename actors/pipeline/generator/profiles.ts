/**
 * The spending profiles of GENERATOR.md: for each legitimate profile and its fraud counterpart,
 * the transactions per day, the AM:PM split, per category the weight and the amount's mean and
 * standard deviation, and the calendar weights. Also which profile a customer gets.
 *
 * The numbers are carried from GENERATOR.md into the compact tables below (one line per profile,
 * categories in `CATEGORIES` order, `weight/mean/stdev`, `-` for an absent category).
 *
 * @module
 */

import { CATEGORIES } from "../../../model/schema.ts";

const LEGIT_TABLE = `
adults_2550_female_rural | 1-6 | 30:70 | 225/60/15 | 50/50/20 | 150/100/20 | 75/60/150 | 100/50/150 | 110/50/300 | 150/50/250 | 90/50/50 | 100/30/50 | 90/50/50 | 150/50/50 | 135/50/50 | 125/45/50 | 35/50/600
adults_2550_female_urban | 1-6 | 30:70 | 50/70/15 | 100/60/20 | 150/200/20 | 75/100/150 | 100/80/100 | 150/100/200 | 175/100/225 | 100/100/75 | 110/60/40 | 100/60/50 | 150/60/50 | 135/60/50 | 125/55/50 | 35/60/600
adults_2550_male_rural | 1-4 | 45:55 | 50/70/5 | 50/50/5 | 150/100/10 | 30/100/20 | 100/35/5 | 100/95/10 | 100/135/12 | 105/75/7 | 100/60/6 | 90/75/2 | 150/80/8 | 110/50/5 | 50/75/5 | 45/500/50
adults_2550_male_urban | 1-5 | 30:70 | 150/70/15 | 80/50/20 | 150/60/20 | 75/50/150 | 100/60/150 | 100/60/300 | 125/60/300 | 110/60/75 | 110/40/50 | 100/60/50 | 150/60/50 | 110/60/50 | 75/35/50 | 45/60/600
adults_50up_female_rural | 1-4 | 50:50 | 225/60/15 | 15/50/20 | 150/130/20 | 100/60/150 | 65/50/150 | 125/50/150 | 110/50/150 | 120/50/50 | 90/50/50 | 125/50/50 | 150/50/50 | 150/50/50 | 120/50/50 | 60/60/600
adults_50up_female_urban | 0-3 | 60:40 | 150/70/15 | 25/90/20 | 150/90/20 | 50/55/150 | 100/60/150 | 75/80/200 | 150/45/200 | 115/50/75 | 120/80/50 | 80/40/50 | 150/60/50 | 150/80/50 | 120/45/50 | 60/60/600
adults_50up_male_rural | 1-4 | 50:50 | 225/60/15 | 15/50/20 | 150/130/20 | 100/60/150 | 65/50/150 | 125/50/150 | 110/50/150 | 120/50/50 | 90/50/50 | 125/50/50 | 150/50/50 | 150/50/50 | 120/50/50 | 60/60/600
adults_50up_male_urban | 0-3 | 60:40 | 150/70/15 | 25/90/20 | 150/90/20 | 50/55/150 | 100/60/150 | 75/80/200 | 150/45/200 | 115/50/75 | 120/80/50 | 80/40/50 | 150/60/50 | 150/80/50 | 120/45/50 | 60/60/600
leftovers | 0-3 | 50:50 | 100/60/15 | 100/40/20 | 100/50/20 | 100/50/150 | 100/50/150 | 100/50/300 | 100/50/300 | 100/50/50 | 100/30/50 | 100/50/50 | 100/50/50 | 100/50/50 | 100/25/50 | 100/50/600
young_adults_female_rural | 0-6 | 20:80 | 150/60/15 | 80/30/20 | 50/60/20 | 100/120/60 | 100/140/90 | 100/90/120 | 100/150/35 | 130/90/30 | 140/20/50 | 110/40/50 | 50/40/50 | 75/50/50 | 100/35/50 | 35/40/600
young_adults_female_urban | 0-6 | 20:80 | 200/60/15 | 60/40/20 | 75/70/20 | 80/50/150 | 100/50/150 | 125/50/300 | 150/50/300 | 120/50/50 | 120/30/50 | 100/50/50 | 85/50/50 | 125/50/50 | 100/35/50 | 55/50/600
young_adults_male_rural | 0-6 | 20:80 | 150/60/15 | 80/30/20 | 50/60/20 | 100/120/60 | 100/140/90 | 100/90/120 | 100/150/35 | 130/90/30 | 140/20/50 | 110/40/50 | 50/40/50 | 75/50/50 | 100/35/50 | 35/40/600
young_adults_male_urban | 0-6 | 20:80 | 200/60/15 | 60/40/20 | 75/70/20 | 80/50/150 | 100/50/150 | 125/50/300 | 150/50/300 | 120/50/50 | 120/30/50 | 100/50/50 | 85/50/50 | 125/50/50 | 100/35/50 | 55/50/600
`;

const FRAUD_TABLE = `
adults_2550_female_rural | 7-16 | 50:50 | 95/10/2 | 10/8/2 | 200/350/20 | 75/800/80 | 100/800/80 | 200/1000/100 | 200/900/120 | 90/500/50 | 100/120/12 | 90/20/2 | 150/250/25 | 135/20/2 | 125/20/2 | 35/10/1
adults_2550_female_urban | 2-16 | 60:40 | 50/10/2 | 10/12/2 | 150/350/20 | 75/800/80 | 100/8/1 | 150/1000/100 | 175/800/80 | 100/500/50 | 110/120/12 | 100/20/2 | 150/250/25 | 135/20/2 | 125/20/2 | 35/10/1
adults_2550_male_rural | 8-14 | 30:70 | 100/10/2 | 25/10/2 | 300/300/20 | 155/800/80 | 25/8/1 | 300/1000/100 | 100/800/80 | 20/500/50 | 10/120/12 | 5/20/2 | 5/250/25 | 10/20/2 | 15/20/2 | 15/10/1
adults_2550_male_urban | 7-12 | 50:50 | 100/10/2 | 25/10/2 | 300/300/20 | 155/800/80 | 25/8/1 | 300/1000/100 | 100/800/80 | 20/500/50 | 10/120/12 | 5/20/2 | 5/250/25 | 10/20/2 | 15/20/2 | 15/10/1
adults_50up_female_rural | 4-15 | 30:70 | 90/20/2 | 35/15/2 | 300/325/20 | 155/800/80 | 25/50/1 | 285/1000/100 | 115/825/80 | 30/600/50 | 10/120/12 | 5/20/2 | 5/400/25 | 15/5/2 | 35/50/2 | 15/1/1
adults_50up_female_urban | 7-12 | 30:70 | 100/10/2 | 15/10/2 | 275/300/20 | 165/800/80 | 25/8/1 | 280/1000/90 | 150/950/80 | 22/400/40 | 10/120/12 | 5/20/2 | 5/250/25 | 10/20/2 | 15/20/2 | 15/10/1
adults_50up_male_rural | 4-15 | 30:70 | 90/20/2 | 35/15/2 | 300/325/20 | 155/800/80 | 25/50/1 | 285/1000/100 | 115/825/80 | 30/600/50 | 10/120/12 | 5/20/2 | 5/400/25 | 15/5/2 | 35/50/2 | 15/1/1
adults_50up_male_urban | 7-12 | 30:70 | 100/10/2 | 15/10/2 | 275/300/20 | 165/800/80 | 25/8/1 | 280/1000/90 | 150/950/80 | 22/400/40 | 10/120/12 | 5/20/2 | 5/250/25 | 10/20/2 | 15/20/2 | 15/10/1
leftovers | 20-25 | 50:50 | - | - | - | - | - | - | - | - | 100/120/50 | 100/200/50 | - | - | - | -
young_adults_female_rural | 5-19 | 40:60 | 100/10/2 | 25/10/2 | 300/300/20 | 155/800/80 | 25/8/1 | 300/1000/100 | 100/1200/80 | 20/500/50 | 10/120/12 | 5/20/2 | 5/250/25 | 10/20/2 | 15/20/2 | 15/10/1
young_adults_female_urban | 8-16 | 50:50 | 100/10/2 | 25/10/2 | 300/300/20 | 155/800/80 | 25/8/1 | 300/1000/100 | 100/800/80 | 20/500/50 | 10/120/12 | 5/20/2 | 5/250/25 | 10/20/2 | 15/20/2 | 15/10/1
young_adults_male_rural | 5-19 | 40:60 | 100/10/2 | 25/10/2 | 300/300/20 | 155/800/80 | 25/8/1 | 300/1000/100 | 100/1200/80 | 20/500/50 | 10/120/12 | 5/20/2 | 5/250/25 | 10/20/2 | 15/20/2 | 15/10/1
young_adults_male_urban | 8-16 | 50:50 | 100/10/2 | 25/10/2 | 300/300/20 | 155/800/80 | 25/8/1 | 300/1000/100 | 100/800/80 | 20/500/50 | 10/120/12 | 5/20/2 | 5/250/25 | 10/20/2 | 15/20/2 | 15/10/1
`;

/** Calendar weights (Mon..Sun, then years 1..4 of the range), shared by a profile and its fraud profile. */
const CALENDAR_TABLE = `
adults_2550_female_rural | 80 90 100 100 125 150 150 | 100 100 100 100
adults_2550_female_urban | 80 90 100 100 150 175 175 | 100 100 100 100
adults_2550_male_rural | 80 90 100 100 125 150 150 | 100 100 100 100
adults_2550_male_urban | 80 90 100 100 125 150 150 | 100 100 100 100
adults_50up_female_rural | 80 90 100 100 150 175 175 | 100 100 100 100
adults_50up_female_urban | 80 90 100 100 150 175 175 | 100 100 100 100
adults_50up_male_rural | 80 90 100 100 150 175 175 | 100 100 100 100
adults_50up_male_urban | 80 90 100 100 150 175 175 | 100 100 100 100
leftovers | 100 100 100 100 125 175 150 | 100 100 100 100
young_adults_female_rural | 80 80 80 80 200 250 150 | 100 120 140 160
young_adults_female_urban | 60 70 80 90 180 250 175 | 100 100 100 100
young_adults_male_rural | 80 80 80 80 200 250 150 | 100 120 140 160
young_adults_male_urban | 60 70 80 90 180 250 175 | 100 100 100 100
`;

/** A seasonal window of the calendar: month-day to month-day (both included) and its weight. */
export interface Season {
  from: [month: number, day: number];
  to: [month: number, day: number];
  weight: number;
}

/** The seasonal windows every profile uses; all other days weigh 100. */
export const SEASONS: readonly Season[] = [
  { from: [11, 30], to: [12, 31], weight: 200 },
  { from: [1, 1], to: [2, 28], weight: 75 },
  { from: [5, 24], to: [9, 1], weight: 125 },
];

/** Weight of days outside every seasonal window, and of years past the fourth. */
export const DEFAULT_DAY_WEIGHT = 100;

/** One spending profile (legitimate or fraud). */
export interface Profile {
  /** Profile name without extension, e.g. `adults_2550_female_urban`. */
  name: string;
  /** Value of the `profile` column: the name with `.json`, as Sparkov writes it. */
  file: string;
  fraud: boolean;
  /** Transactions per day: one uniform integer draw in [min, max] per customer. */
  txPerDay: { min: number; max: number };
  /** Share of AM transactions, in [0, 1]. */
  amShare: number;
  /** Per category (in `CATEGORIES` order): weight (0 when absent), amount mean and stdev. */
  categories: { weight: number; mean: number; stdev: number }[];
  /** Day-of-week weights, Monday first. */
  weekday: number[];
  /** Weights of the 1st, 2nd, ... year of the range; later years weigh 100. */
  years: number[];
}

function parseNumbers(text: string): number[] {
  return text.trim().split(/\s+/).map(Number);
}

function parseProfiles(table: string, fraud: boolean): Map<string, Profile> {
  const calendars = new Map<string, { weekday: number[]; years: number[] }>();
  for (const line of CALENDAR_TABLE.trim().split("\n")) {
    const [name, weekday, years] = line.split("|").map((cell) => cell.trim());
    calendars.set(name, { weekday: parseNumbers(weekday), years: parseNumbers(years) });
  }
  const profiles = new Map<string, Profile>();
  for (const line of table.trim().split("\n")) {
    const [name, perDay, split, ...cells] = line.split("|").map((cell) => cell.trim());
    const [min, max] = perDay.split("-").map(Number);
    const [am, pm] = split.split(":").map(Number);
    if (cells.length !== CATEGORIES.length) {
      throw new Error(`profile table row '${name}' has ${cells.length} categories`);
    }
    const categories = cells.map((cell) => {
      if (cell === "-") return { weight: 0, mean: 1, stdev: 1 };
      const [weight, mean, stdev] = cell.split("/").map(Number);
      return { weight, mean, stdev };
    });
    const calendar = calendars.get(name)!;
    profiles.set(name, {
      name,
      file: `${name}.json`,
      fraud,
      txPerDay: { min, max },
      amShare: am / (am + pm),
      categories,
      weekday: calendar.weekday,
      years: calendar.years,
    });
  }
  return profiles;
}

/** Legitimate profiles by name. */
export const LEGIT_PROFILES: ReadonlyMap<string, Profile> = parseProfiles(LEGIT_TABLE, false);

/** Fraud profiles by the name of the legitimate profile they replace. */
export const FRAUD_PROFILES: ReadonlyMap<string, Profile> = parseProfiles(FRAUD_TABLE, true);

/**
 * The 12 profiles customers are assigned to, in the order their files are listed; `leftovers`
 * catches customers no rule matches (none, for ages 15 to 95) and gets no file.
 */
export const PROFILE_NAMES = [
  "adults_2550_female_rural",
  "adults_2550_female_urban",
  "adults_2550_male_rural",
  "adults_2550_male_urban",
  "adults_50up_female_rural",
  "adults_50up_female_urban",
  "adults_50up_male_rural",
  "adults_50up_male_urban",
  "young_adults_female_rural",
  "young_adults_female_urban",
  "young_adults_male_rural",
  "young_adults_male_urban",
] as const;

/** Index of the `leftovers` profile in `ALL_PROFILE_NAMES`. */
export const LEFTOVERS = 12;

/** The 12 profiles and `leftovers`, indexed by profile number. */
export const ALL_PROFILE_NAMES: readonly string[] = [...PROFILE_NAMES, "leftovers"];

/** City population from which a place counts as urban. */
export const URBAN_POPULATION = 2500;

/** Profile number (index in `ALL_PROFILE_NAMES`) for a customer's gender, age and city size. */
export function profileFor(gender: "M" | "F", age: number, cityPop: number): number {
  if (!(age >= 15)) return LEFTOVERS;
  const band = age < 25 ? "young_adults" : age < 50 ? "adults_2550" : "adults_50up";
  const sex = gender === "M" ? "male" : "female";
  const area = cityPop >= URBAN_POPULATION ? "urban" : "rural";
  return PROFILE_NAMES.indexOf(`${band}_${sex}_${area}` as typeof PROFILE_NAMES[number]);
}
