import assert from "node:assert/strict";
import { CardStates } from "../../model/card_states.ts";
import { DEFAULT_ENCODER, FEATURE_COUNT, FEATURES, haversineKm } from "../../model/features.ts";
import type { Transaction } from "../../model/schema.ts";
import { SAMPLE } from "../fixtures/transactions.ts";

const index = (name: string) => FEATURES.findIndex((f) => f.name === name);

function row(overrides: Partial<Transaction>): Transaction {
  return { ...SAMPLE, ...overrides };
}

Deno.test("haversine distance of known places", () => {
  // New York City Hall to Los Angeles City Hall: about 3936 km.
  assert.ok(Math.abs(haversineKm(40.7128, -74.006, 34.0522, -118.2437) - 3936) < 5);
  assert.equal(haversineKm(10, 20, 10, 20), 0);
});

Deno.test("haversine distance of nearby places, by series, is the trigonometric formula's as a float32", () => {
  const RAD = Math.PI / 180;
  const trigonometric = (lat1: number, lon1: number, lat2: number, lon2: number) => {
    const a = Math.sin((lat2 - lat1) * RAD / 2) ** 2 +
      Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin((lon2 - lon1) * RAD / 2) ** 2;
    return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(a)));
  };
  // Deterministic points everywhere on the globe, each with a neighbour up to 6 degrees away
  // (the series' edge is at 5.7) and one far away.
  let seed = 7;
  const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const asFloat32 = new Float32Array(2);
  let largest = 0;
  for (let i = 0; i < 200_000; i++) {
    const lat = -89 + 178 * random();
    const lon = -180 + 360 * random();
    const spread = i % 10 === 0 ? 12 : 2.5;
    const near = [lat + spread * (random() - 0.5), lon + spread * (random() - 0.5)];
    const far = [-89 + 178 * random(), -180 + 360 * random()];
    for (const [lat2, lon2] of [near, far]) {
      const expected = trigonometric(lat, lon, lat2, lon2);
      const actual = haversineKm(lat, lon, lat2, lon2);
      largest = Math.max(largest, Math.abs(actual - expected) / expected);
      asFloat32[0] = expected;
      asFloat32[1] = actual;
      assert.equal(asFloat32[1], asFloat32[0], `(${lat}, ${lon}) to (${lat2}, ${lon2})`);
    }
  }
  assert.ok(largest < 1e-15, `largest relative difference ${largest}`);
  assert.ok(Number.isNaN(haversineKm(Number.NaN, 0, 1, 1)));
});

Deno.test("features of a card's transactions, checked by hand", () => {
  const states = new CardStates(DEFAULT_ENCODER);
  const rows = [
    // Sunday 2023-01-01 09:00, card holder born 1988-03-09: 34 years old.
    row({ trans_date: "2023-01-01", trans_time: "09:00:00", amt: 100, category: "grocery_pos" }),
    // 30 minutes later, at the same merchant location.
    row({ trans_date: "2023-01-01", trans_time: "09:30:00", amt: 50, category: "grocery_pos" }),
    // Next day, 23:15, a bigger amount in another category and place.
    row({
      trans_date: "2023-01-02",
      trans_time: "23:15:00",
      amt: 600,
      category: "shopping_net",
      merch_lat: SAMPLE.merch_lat + 1,
    }),
  ];
  const { features, touched } = states.encode(rows);
  assert.deepEqual([...touched], [SAMPLE.cc_num]);
  const f = (r: number, name: string) => features[r * FEATURE_COUNT + index(name)];

  assert.equal(f(0, "amt"), 100);
  assert.ok(Math.abs(f(0, "log_amt") - Math.log(101)) < 1e-5);
  assert.equal(f(0, "category"), 2, "grocery_pos is the third category");
  assert.equal(f(0, "hour"), 9);
  assert.equal(f(0, "day_of_week"), 6, "2023-01-01 was a Sunday");
  assert.equal(f(0, "age"), 34);
  assert.equal(f(0, "gender"), 0, "F");
  assert.equal(f(0, "city_pop"), 3495);
  const home = haversineKm(SAMPLE.lat, SAMPLE.long, SAMPLE.merch_lat, SAMPLE.merch_long);
  assert.ok(Math.abs(f(0, "distance_home_km") - home) < 1e-3);
  // No history yet.
  assert.equal(f(0, "seconds_since_prev"), 365 * 86_400);
  assert.equal(f(0, "count_24h"), 0);
  assert.equal(f(0, "amount_to_mean"), 1);
  assert.equal(f(0, "distance_prev_km"), -1);
  assert.equal(f(0, "same_half_day_share_7d"), -1);

  // Second: 30 minutes after the first.
  assert.equal(f(1, "seconds_since_prev"), 1800);
  assert.equal(f(1, "count_1h"), 1);
  assert.equal(f(1, "amount_1h"), 100);
  assert.equal(f(1, "count_24h"), 1);
  assert.equal(f(1, "count_7d"), 1);
  assert.equal(f(1, "amount_to_mean"), 0.5);
  assert.equal(f(1, "distance_prev_km"), 0);

  // Third: 37h45m after the second; both earlier ones are past 24 h but within 7 days.
  assert.equal(f(2, "seconds_since_prev"), 37 * 3600 + 45 * 60);
  assert.equal(f(2, "count_1h"), 0);
  assert.equal(f(2, "count_24h"), 0);
  assert.equal(f(2, "count_7d"), 2);
  assert.equal(f(2, "amount_7d"), 150);
  assert.equal(f(2, "amount_to_mean"), 8, "600 against a mean of 75");
  assert.equal(f(2, "night_count_24h"), 0);
  assert.equal(f(2, "same_half_day_share_7d"), 0, "both earlier ones were in the morning");
  assert.equal(f(2, "same_category_share_7d"), 0);
  assert.equal(f(2, "amount_vs_max_7d"), 6, "600 against the largest, 100");
  assert.ok(
    Math.abs(
      f(2, "distance_prev_km") -
        haversineKm(SAMPLE.merch_lat, SAMPLE.merch_long, SAMPLE.merch_lat + 1, SAMPLE.merch_long),
    ) < 1e-3,
  );
});

Deno.test("a snapshot restored into another store gives identical features from then on", () => {
  const cards = ["4263982640269299", "30270432095985"];
  const rows = Array.from({ length: 120 }, (_, i) =>
    row({
      cc_num: cards[i % 2],
      trans_num: i.toString(16).padStart(32, "0"),
      trans_date: `2023-01-${String(1 + Math.floor(i / 12)).padStart(2, "0")}`,
      trans_time: `${String((i * 5) % 24).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}:00`,
      amt: 5 + (i * 37) % 400,
      category: i % 3 ? "misc_net" : "travel",
    }));
  const original = new CardStates(DEFAULT_ENCODER);
  original.encode(rows.slice(0, 70));
  const restored = new CardStates(DEFAULT_ENCODER);
  for (const card of cards) restored.restore(card, original.snapshot(card));
  const a = original.encode(rows.slice(70)).features;
  const b = restored.encode(rows.slice(70)).features;
  assert.deepEqual(b, a);
});

Deno.test("a snapshot for other encoder settings or cut short is refused", () => {
  const states = new CardStates(DEFAULT_ENCODER);
  states.encode([row({})]);
  const snapshot = states.snapshot(SAMPLE.cc_num);
  const other = new CardStates({ ...DEFAULT_ENCODER, historySize: 16 });
  assert.throws(() => other.restore(SAMPLE.cc_num, snapshot), /does not fit this model/);
  assert.throws(() => states.restore(SAMPLE.cc_num, snapshot.subarray(0, 20)), /truncated/);
  assert.throws(
    () => states.restore(SAMPLE.cc_num, snapshot.subarray(0, snapshot.length - 8)),
    /wrong length/,
  );
});
