/**
 * A feature's value in words, for the reasons of an alert: "amount 18.4x the card's mean so far",
 * "at 02:xx (night), outside the card's usual half day", "merchant 412 km from home". Every
 * feature of the `fraudstream` encoder has its phrase (its windows named from the model's encoder
 * settings); the seed's features (`spark-seed`) and any other are given as `name = value`.
 *
 * @module
 */

import type { EncoderSettings } from "./features.ts";
import { moneyText, wholeText } from "./number_text.ts";
import { CATEGORIES } from "./schema.ts";

/** The feature to describe and the row it is read from. */
export interface FeatureOfRow {
  /** Index of the feature in `names` and `values`. */
  feature: number;
  /** The model's feature names, in the order of `values`. */
  names: readonly string[];
  /** The row's encoded values. */
  values: ArrayLike<number>;
  /** The model's encoder (`fraudstream`, `spark-seed`). */
  encoder: string;
  settings: EncoderSettings;
}

const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
/** `seconds_since_prev` of a card's first transaction. */
const NO_PREVIOUS_SECONDS = 365 * 86_400;

const whole = (v: number) => wholeText(Math.round(v));
const money = moneyText;
const times = (v: number) => `${v >= 100 ? whole(v) : v.toFixed(v < 0.1 ? 2 : 1)}x`;
const percent = (share: number) => `${Math.round(share * 100)}%`;

/** A window length in words: `1 h`, `24 h`, `7 days`, `30 min`. */
export function spanText(seconds: number): string {
  if (seconds >= 2 * 86_400 && seconds % 86_400 === 0) return `${seconds / 86_400} days`;
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/** An elapsed time in words, rounded: `42 s`, `12 min`, `3.5 h`, `4.2 days`. */
function elapsedText(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} days`;
}

/** Reads the row's value of another feature by name (NaN when the model has none). */
type Lookup = (name: string) => number;

/** The phrase of each feature of the `fraudstream` encoder. */
type Phrase = (v: number, windows: readonly string[], get: Lookup) => string;

function amountPhrase(amount: number, get: Lookup): string {
  const ratio = get("amount_to_mean");
  const history = get("seconds_since_prev") < NO_PREVIOUS_SECONDS;
  return `amount ${money(amount)}` +
    (history && Number.isFinite(ratio) ? `, ${times(ratio)} the card's mean so far` : "");
}

function hourPhrase(hour: number, get: Lookup): string {
  const night = hour >= 22 || hour < 4 ? " (night)" : "";
  const at = `at ${String(hour).padStart(2, "0")}:xx${night}`;
  const share = get("same_half_day_share_7d");
  if (!(share >= 0)) return at;
  const usual = share < 0.25 ? "outside the card's usual half day" : "in the card's usual half day";
  return `${at}, ${usual} (${percent(share)} of its earlier transactions)`;
}

/** `windows`: the encoder's three windows in words, then the baseline span ("7 days to 24 h"). */
const PHRASES: Record<string, Phrase> = {
  amt: (v, _, get) => amountPhrase(v, get),
  log_amt: (v) => `amount ${money(Math.expm1(v))} (on a log scale)`,
  category: (v) => `category ${CATEGORIES[v] ?? v}`,
  hour: (v, _, get) => hourPhrase(v, get),
  day_of_week: (v) => `on a ${DAYS[v] ?? `day ${v}`}`,
  age: (v) => `card holder aged ${whole(v)}`,
  gender: (v) => `card holder ${v === 1 ? "male" : "female"}`,
  city_pop: (v) => `holder's city of ${whole(v)} people`,
  distance_home_km: (v) => `merchant ${whole(v)} km from home`,
  seconds_since_prev: (v) =>
    v >= NO_PREVIOUS_SECONDS
      ? "the card's first transaction"
      : `${elapsedText(v)} after the card's previous transaction`,
  count_1h: (v, w) => `${whole(v)} earlier transactions of the card in ${w[0]}`,
  count_24h: (v, w) => `${whole(v)} earlier transactions of the card in ${w[1]}`,
  count_7d: (v, w) => `${whole(v)} earlier transactions of the card in ${w[2]}`,
  amount_1h: (v, w) => `${money(v)} spent by the card in ${w[0]}`,
  amount_24h: (v, w) => `${money(v)} spent by the card in ${w[1]}`,
  amount_7d: (v, w) => `${money(v)} spent by the card in ${w[2]}`,
  amount_to_mean: (v, _, get) =>
    get("seconds_since_prev") < NO_PREVIOUS_SECONDS
      ? `amount ${times(v)} the card's mean so far`
      : "no earlier amount of the card to compare with",
  distance_prev_km: (v) =>
    v < 0
      ? "no previous merchant of the card"
      : `merchant ${whole(v)} km from the card's previous one`,
  count_24h_vs_usual: (v, w) => `${times(v)} the card's usual number of transactions in ${w[1]}`,
  amount_24h_vs_usual: (v, w) => `${times(v)} the card's usual spending in ${w[1]}`,
  night_count_24h: (v, w) => `${whole(v)} night transactions (22:00-04:00) in ${w[1]}`,
  same_half_day_share_7d: (v, w) =>
    v < 0
      ? `no transactions of the card from ${w[3]} ago`
      : `${percent(v)} of the card's transactions from ${w[3]} ago in this half day`,
  amount_vs_max_7d: (v, w) =>
    v < 0
      ? `no amount of the card from ${w[3]} ago to compare with`
      : `amount ${times(v)} the card's largest from ${w[3]} ago`,
  same_category_share_7d: (v, w) =>
    v < 0
      ? `no transactions of the card from ${w[3]} ago`
      : `${percent(v)} of the card's transactions from ${w[3]} ago in this category`,
};

/** Names of the features that have a phrase of their own (the `fraudstream` encoder's). */
export const PHRASED_FEATURES: readonly string[] = Object.keys(PHRASES);

/** A value of a feature without a phrase: `name = value` (a date too for `unix_time`). */
function genericText(name: string, v: number): string {
  if (name === "amt") return `amount ${money(v)}`;
  const shown = Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
  if (name === "unix_time" && Number.isFinite(v)) {
    return `${name} = ${shown} (${new Date(v * 1000).toISOString().slice(0, 19)}Z)`;
  }
  return `${name} = ${shown}`;
}

/** The words of each encoder's windows (an encoder's settings are one object per model). */
const WINDOW_WORDS = new WeakMap<EncoderSettings, readonly string[]>();

/** The encoder's three windows in words, then the baseline span ("7 days to 24 h"). */
function windowWords(settings: EncoderSettings): readonly string[] {
  let words = WINDOW_WORDS.get(settings);
  if (!words) {
    const [w1, w2, w3] = settings.windows;
    words = [
      `the last ${spanText(w1)}`,
      `the last ${spanText(w2)}`,
      `the last ${spanText(w3)}`,
      `${spanText(w3)} to ${spanText(w2)}`,
    ];
    WINDOW_WORDS.set(settings, words);
  }
  return words;
}

/**
 * The value of one feature of a row in words.
 *
 * @example
 * ```ts
 * describeFeature({ feature: 8, names, values, encoder: "fraudstream", settings });
 * // "merchant 412 km from home"
 * ```
 */
export function describeFeature(of: FeatureOfRow): string {
  const name = of.names[of.feature];
  const v = of.values[of.feature];
  const phrase = of.encoder === "fraudstream" ? PHRASES[name] : undefined;
  if (!phrase) return genericText(name, v);
  const windows = windowWords(of.settings);
  const get: Lookup = (other) => {
    const at = of.names.indexOf(other);
    return at < 0 ? Number.NaN : of.values[at];
  };
  return phrase(v, windows, get);
}
