/**
 * The features of one transaction: stateless ones from the transaction itself and per-card ones
 * from the card's own history. One implementation serves training (replaying each card's history
 * in time order) and online scoring (a partition actor's card states), so they cannot drift apart.
 *
 * No absolute time, no generator label (`profile`), no identifier is a feature.
 *
 * @module
 */

import { CATEGORIES, type Transaction } from "./schema.ts";
import { ageInYears, dayOf, secondOfDay, weekdayOf } from "./time.ts";

/** How the trainer treats a feature. */
export type FeatureKind = "numeric" | "categorical";

/** One feature of the model's input. */
export interface FeatureSpec {
  name: string;
  kind: FeatureKind;
  /** Number of values of a categorical feature (values are 0 .. cardinality-1). */
  cardinality?: number;
  description: string;
}

/** Every feature, in the order of the encoded vector. */
export const FEATURES: readonly FeatureSpec[] = [
  { name: "amt", kind: "numeric", description: "amount" },
  { name: "log_amt", kind: "numeric", description: "natural log of 1 + amount" },
  {
    name: "category",
    kind: "categorical",
    cardinality: CATEGORIES.length,
    description: "merchant category",
  },
  { name: "hour", kind: "numeric", description: "hour of day of the transaction (0-23)" },
  { name: "day_of_week", kind: "numeric", description: "Monday 0 .. Sunday 6" },
  { name: "age", kind: "numeric", description: "card holder's age in years at the transaction" },
  { name: "gender", kind: "categorical", cardinality: 2, description: "F 0, M 1" },
  { name: "city_pop", kind: "numeric", description: "population of the holder's city" },
  { name: "distance_home_km", kind: "numeric", description: "holder's home to merchant, km" },
  {
    name: "seconds_since_prev",
    kind: "numeric",
    description: "time since the card's previous transaction (a year when none)",
  },
  { name: "count_1h", kind: "numeric", description: "card's transactions in the previous hour" },
  { name: "count_24h", kind: "numeric", description: "card's transactions in the previous 24 h" },
  { name: "count_7d", kind: "numeric", description: "card's transactions in the previous 7 days" },
  { name: "amount_1h", kind: "numeric", description: "card's spending in the previous hour" },
  { name: "amount_24h", kind: "numeric", description: "card's spending in the previous 24 h" },
  { name: "amount_7d", kind: "numeric", description: "card's spending in the previous 7 days" },
  {
    name: "amount_to_mean",
    kind: "numeric",
    description: "amount divided by the card's mean amount so far (1 when none)",
  },
  {
    name: "distance_prev_km",
    kind: "numeric",
    description: "distance from the card's previous merchant, km (-1 when none)",
  },
  {
    name: "count_24h_vs_usual",
    kind: "numeric",
    description: "card's transactions in the previous 24 h over its usual number per day",
  },
  {
    name: "amount_24h_vs_usual",
    kind: "numeric",
    description: "card's spending in the previous 24 h over its usual spending per day",
  },
  {
    name: "night_count_24h",
    kind: "numeric",
    description: "card's transactions between 22:00 and 04:00 in the previous 24 h",
  },
  {
    name: "same_half_day_share_7d",
    kind: "numeric",
    description:
      "share of the card's transactions from 7 days to 24 h ago in the same half day (AM/PM) as this one (-1 when none)",
  },
  {
    name: "amount_vs_max_7d",
    kind: "numeric",
    description: "amount over the card's largest amount from 7 days to 24 h ago (-1 when none)",
  },
  {
    name: "same_category_share_7d",
    kind: "numeric",
    description:
      "share of the card's transactions from 7 days to 24 h ago in this category (-1 when none)",
  },
];

/** Number of features. */
export const FEATURE_COUNT = FEATURES.length;

/** Settings of the per-card history; part of a model's encoder settings. */
export interface EncoderSettings {
  /** Recent transactions a card remembers for its windows (exact up to this many in 7 days). */
  historySize: number;
  /** Window lengths, in seconds. */
  windows: readonly [number, number, number];
}

/** The encoder settings models are trained with. */
export const DEFAULT_ENCODER: EncoderSettings = {
  historySize: 48,
  windows: [3600, 86_400, 7 * 86_400],
};

const NO_PREVIOUS_SECONDS = 365 * 86_400;
const CATEGORY_INDEX = new Map<string, number>(CATEGORIES.map((c, i) => [c, i]));
const EARTH_RADIUS_KM = 6371.0088;
const RAD = Math.PI / 180;

/**
 * Largest half-angle difference, in radians, whose sine and arcsine `distanceKm` takes from their
 * series: about 640 km apart in latitude or longitude.
 */
const SERIES_HALF_ANGLE = 0.05;

/** `sin(x)` for `|x| <= SERIES_HALF_ANGLE`: its Taylor series to `x^7` (next term < 1e-16 x). */
function sinOfSmall(x: number): number {
  const x2 = x * x;
  return x + x * x2 * (-1 / 6 + x2 * (1 / 120 + x2 * (-1 / 5040)));
}

/**
 * `asin(y)` for `y <= 0.071` (the root of the largest `a` `distanceKm` takes from the series): its
 * Taylor series to `y^11` (the next term is under 3e-16 y).
 */
function asinOfSmall(y: number): number {
  const y2 = y * y;
  return y +
    y * y2 * (1 / 6 + y2 * (3 / 40 + y2 * (5 / 112 + y2 * (35 / 1152 + y2 * (63 / 2816)))));
}

/**
 * Great-circle distance in km (the haversine formula), given the cosines of both latitudes. Two
 * points less than `SERIES_HALF_ANGLE` apart (a merchant near its customer, or near the card's last
 * merchant) take the half-angle sines and the arcsine from their series, about half the time of
 * the library's functions and within 6e-16 of them (the same value once stored as a feature, a
 * float32); other points take the library's.
 */
function distanceKm(
  lat1: number,
  lon1: number,
  lat2: number,
  lon2: number,
  cosines: { lat1: number; lat2: number },
): number {
  const halfLat = (lat2 - lat1) * RAD / 2;
  const halfLon = (lon2 - lon1) * RAD / 2;
  if (Math.abs(halfLat) <= SERIES_HALF_ANGLE && Math.abs(halfLon) <= SERIES_HALF_ANGLE) {
    const sinLat = sinOfSmall(halfLat);
    const sinLon = sinOfSmall(halfLon);
    const a = sinLat * sinLat + cosines.lat1 * cosines.lat2 * (sinLon * sinLon);
    return 2 * EARTH_RADIUS_KM * asinOfSmall(Math.sqrt(a));
  }
  const a = Math.sin(halfLat) ** 2 + cosines.lat1 * cosines.lat2 * Math.sin(halfLon) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** Great-circle distance in km. */
export function haversineKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  return distanceKm(lat1, lon1, lat2, lon2, {
    lat1: Math.cos(lat1 * RAD),
    lat2: Math.cos(lat2 * RAD),
  });
}

/** The fields of a transaction the features are computed from, already parsed. */
export interface FeatureInput {
  amt: number;
  /** Index in `CATEGORIES`. */
  category: number;
  /** Event time in seconds on the data's civil clock. */
  time: number;
  hour: number;
  weekday: number;
  age: number;
  /** F 0, M 1. */
  gender: number;
  cityPop: number;
  lat: number;
  long: number;
  merchLat: number;
  merchLong: number;
}

/** A feature input of zeros, to be filled row by row by a column-wise encoder. */
export function blankFeatureInput(): FeatureInput {
  return {
    amt: 0,
    category: 0,
    time: 0,
    hour: 0,
    weekday: 0,
    age: 0,
    gender: 0,
    cityPop: 0,
    lat: 0,
    long: 0,
    merchLat: 0,
    merchLong: 0,
  };
}

/** Parses the feature fields of a transaction; throws a reason string's Error if invalid. */
export function featureInput(row: Transaction): FeatureInput {
  const day = dayOf(row.trans_date);
  const second = secondOfDay(row.trans_time);
  const category = CATEGORY_INDEX.get(row.category);
  if (category === undefined || !Number.isFinite(day) || !Number.isFinite(second)) {
    throw new Error(`transaction ${row.trans_num} has an invalid category, date or time`);
  }
  return {
    amt: row.amt,
    category,
    time: day * 86_400 + second,
    hour: Math.floor(second / 3600),
    weekday: weekdayOf(day),
    age: ageInYears(row.dob, row.trans_date),
    gender: row.gender === "M" ? 1 : 0,
    cityPop: row.city_pop,
    lat: row.lat,
    long: row.long,
    merchLat: row.merch_lat,
    merchLong: row.merch_long,
  };
}

/**
 * Layout of a card's state, a fixed-size record of `stateLength` values: the header values at
 * these indices (`HEADER` of them), then the `historySize` remembered transactions as three runs
 * (their times, their amounts, their category indices), a ring whose next entry is at `HEAD`.
 */
export const STATE = {
  /** Transactions seen. */
  COUNT: 0,
  /** Their total amount. */
  SUM: 1,
  /** Event time of the last one (NaN before the first). */
  LAST_TIME: 2,
  /** Merchant latitude and longitude of the last one. */
  LAST_LAT: 3,
  LAST_LONG: 4,
  /** Ring index the next transaction is written at (`COUNT` modulo `historySize`). */
  HEAD: 5,
  /** Event time of the first one. */
  FIRST_TIME: 6,
  /** Header values; the history starts here. */
  HEADER: 7,
  /** Per remembered transaction: time, amount, category. */
  HISTORY_FIELDS: 3,
} as const;

/** Length of one card's state record for the given settings. */
export function stateLength(settings: EncoderSettings): number {
  return STATE.HEADER + STATE.HISTORY_FIELDS * settings.historySize;
}

/** A fresh (empty) card state. */
export function emptyState(settings: EncoderSettings): Float64Array {
  const state = new Float64Array(stateLength(settings));
  state[STATE.LAST_TIME] = Number.NaN;
  return state;
}

/**
 * Writes the features of `input` into `out` at `offset` (the card's state as it was before this
 * transaction), then adds the transaction to the state: the `stateLength(settings)` values of
 * `state` from `stateAt` (a card's own array, or its slot in a table of many cards' states).
 */
export function encodeInto(
  input: FeatureInput,
  state: Float64Array,
  settings: EncoderSettings,
  out: Float32Array,
  offset: number,
  stateAt = 0,
): void {
  const size = settings.historySize;
  const history = stateAt + STATE.HEADER;
  const count = state[stateAt + STATE.COUNT];
  const sum = state[stateAt + STATE.SUM];
  const [w1, w2, w3] = settings.windows;
  let c1 = 0, c2 = 0, c3 = 0, a1 = 0, a2 = 0, a3 = 0, night = 0, sameHalf = 0, max7 = 0;
  let sameCategory = 0, baseline = 0;
  const pm = input.hour >= 12;
  const now = input.time;
  const category = input.category;
  const amounts = history + size;
  const categories = history + 2 * size;
  const filled = Math.min(count, size);
  for (let i = 0; i < filled; i++) {
    const time = state[history + i];
    const age = now - time;
    if (age < 0 || age >= w3) continue;
    const amount = state[amounts + i];
    c3++;
    a3 += amount;
    // Second of the day: `time % 86_400` without the remainder of two doubles (a call to fmod,
    // a fifth of the features of a card with a full week), the same value for every time. The
    // hours are compared as seconds (hour >= 12: second >= 43,200).
    const second = time - Math.trunc(time / 86_400) * 86_400;
    if (age >= w2) {
      // The card's baseline: its days before the last 24 hours.
      baseline++;
      if (amount > max7) max7 = amount;
      if ((second >= 12 * 3600) === pm) sameHalf++;
      if (state[categories + i] === category) sameCategory++;
    } else {
      c2++;
      a2 += amount;
      if (second >= 22 * 3600 || second < 4 * 3600) night++;
      if (age < w1) {
        c1++;
        a1 += amount;
      }
    }
  }
  // The card's usual pace: transactions and spending per day since its first transaction.
  const days = count > 0
    ? Math.max(1, (input.time - state[stateAt + STATE.FIRST_TIME]) / 86_400)
    : 1;
  out[offset] = input.amt;
  out[offset + 1] = Math.log1p(input.amt);
  out[offset + 2] = input.category;
  out[offset + 3] = input.hour;
  out[offset + 4] = input.weekday;
  out[offset + 5] = input.age;
  out[offset + 6] = input.gender;
  out[offset + 7] = input.cityPop;
  // The merchant's latitude is in both distances: its cosine is taken once.
  const cosMerchLat = Math.cos(input.merchLat * RAD);
  out[offset + 8] = distanceKm(input.lat, input.long, input.merchLat, input.merchLong, {
    lat1: Math.cos(input.lat * RAD),
    lat2: cosMerchLat,
  });
  const lastTime = state[stateAt + STATE.LAST_TIME];
  out[offset + 9] = count > 0 ? Math.max(0, input.time - lastTime) : NO_PREVIOUS_SECONDS;
  out[offset + 10] = c1;
  out[offset + 11] = c2;
  out[offset + 12] = c3;
  out[offset + 13] = a1;
  out[offset + 14] = a2;
  out[offset + 15] = a3;
  out[offset + 16] = count > 0 && sum > 0 ? input.amt / (sum / count) : 1;
  const lastLat = state[stateAt + STATE.LAST_LAT];
  out[offset + 17] = count > 0
    ? distanceKm(lastLat, state[stateAt + STATE.LAST_LONG], input.merchLat, input.merchLong, {
      lat1: Math.cos(lastLat * RAD),
      lat2: cosMerchLat,
    })
    : -1;
  out[offset + 18] = count > 0 ? c2 / Math.max(count / days, 0.1) : 0;
  out[offset + 19] = count > 0 && sum > 0 ? a2 / (sum / days) : 0;
  out[offset + 20] = night;
  out[offset + 21] = baseline > 0 ? sameHalf / baseline : -1;
  out[offset + 22] = baseline > 0 && max7 > 0 ? input.amt / max7 : -1;
  out[offset + 23] = baseline > 0 ? sameCategory / baseline : -1;

  const head = state[stateAt + STATE.HEAD];
  state[history + head] = input.time;
  state[history + size + head] = input.amt;
  state[history + 2 * size + head] = input.category;
  state[stateAt + STATE.HEAD] = (head + 1) % size;
  state[stateAt + STATE.COUNT] = count + 1;
  state[stateAt + STATE.SUM] = sum + input.amt;
  state[stateAt + STATE.LAST_TIME] = input.time;
  state[stateAt + STATE.LAST_LAT] = input.merchLat;
  state[stateAt + STATE.LAST_LONG] = input.merchLong;
  if (count === 0) state[stateAt + STATE.FIRST_TIME] = input.time;
}
