import assert from "node:assert/strict";
import { DEFAULT_ENCODER, FEATURE_COUNT, FEATURES } from "../../model/features.ts";
import { describeFeature, PHRASED_FEATURES, spanText } from "../../model/reason_text.ts";
import { SEED_ENCODER, SEED_FEATURES } from "../../model/seed_encoding.ts";

const NAMES = FEATURES.map((f) => f.name);

/** A row of the fraudstream features with the given values (0 elsewhere). */
function row(values: Record<string, number>): Float32Array {
  const out = new Float32Array(FEATURE_COUNT);
  for (const [name, value] of Object.entries(values)) {
    const f = NAMES.indexOf(name);
    assert.ok(f >= 0, name);
    out[f] = value;
  }
  return out;
}

const text = (name: string, values: Float32Array, settings = DEFAULT_ENCODER) =>
  describeFeature({
    feature: NAMES.indexOf(name),
    names: NAMES,
    values,
    encoder: "fraudstream",
    settings,
  });

Deno.test("every feature of the fraudstream encoder has a phrase of its own", () => {
  assert.deepEqual([...PHRASED_FEATURES].sort(), [...NAMES].sort());
  const values = row({ seconds_since_prev: 90, amount_to_mean: 2, distance_prev_km: 3 });
  for (const name of NAMES) {
    const phrase = text(name, values);
    assert.ok(!phrase.includes(" = "), `${name}: ${phrase}`);
    assert.ok(!/undefined|NaN/.test(phrase), `${name}: ${phrase}`);
  }
});

Deno.test("values in words: amount against the card's mean, hour, distances, windows", () => {
  const card = row({
    amt: 918.4,
    amount_to_mean: 18.4,
    seconds_since_prev: 3000,
    hour: 2,
    same_half_day_share_7d: 0.05,
    distance_home_km: 412.3,
    distance_prev_km: -1,
    count_24h: 7,
    amount_7d: 1234.5,
    category: 5,
    amount_vs_max_7d: -1,
  });
  assert.equal(text("amt", card), "amount 918.40, 18.4x the card's mean so far");
  assert.equal(text("amount_to_mean", card), "amount 18.4x the card's mean so far");
  assert.equal(
    text("hour", card),
    "at 02:xx (night), outside the card's usual half day (5% of its earlier transactions)",
  );
  assert.equal(text("distance_home_km", card), "merchant 412 km from home");
  assert.equal(text("distance_prev_km", card), "no previous merchant of the card");
  assert.equal(text("seconds_since_prev", card), "50 min after the card's previous transaction");
  assert.equal(text("count_24h", card), "7 earlier transactions of the card in the last 24 h");
  assert.equal(text("amount_7d", card), "1,234.50 spent by the card in the last 7 days");
  assert.equal(text("category", card), "category shopping_net");
  assert.equal(
    text("amount_vs_max_7d", card),
    "no amount of the card from 7 days to 24 h ago to compare with",
  );
  // A card's first transaction has no mean to compare with.
  const first = row({ amt: 20, amount_to_mean: 1, seconds_since_prev: 365 * 86_400 });
  assert.equal(text("amt", first), "amount 20.00");
  assert.equal(text("seconds_since_prev", first), "the card's first transaction");
  // Windows are named from the model's encoder settings.
  const settings = { historySize: 48, windows: [1800, 2 * 86_400, 14 * 86_400] as const };
  assert.equal(
    text("count_1h", card, settings),
    "0 earlier transactions of the card in the last 30 min",
  );
  assert.equal(
    text("same_half_day_share_7d", card, settings),
    "5% of the card's transactions from 14 days to 2 days ago in this half day",
  );
  assert.deepEqual([3600, 86_400, 604_800, 45].map(spanText), ["1 h", "24 h", "7 days", "45 s"]);
});

Deno.test("the seed's features are given as name = value", () => {
  const values = Float64Array.from([123456, 654321, 5000, 11, 22, 33, 1_371_816_865, 44, 12.5, 55]);
  const of = (name: string) =>
    describeFeature({
      feature: SEED_FEATURES.indexOf(name as typeof SEED_FEATURES[number]),
      names: SEED_FEATURES,
      values,
      encoder: SEED_ENCODER,
      settings: DEFAULT_ENCODER,
    });
  assert.equal(of("state"), "state = 654321");
  assert.equal(of("amt"), "amount 12.50");
  assert.equal(of("unix_time"), "unix_time = 1371816865 (2013-06-21T12:14:25Z)");
  for (const name of SEED_FEATURES) assert.ok(of(name).length > 0);
});
