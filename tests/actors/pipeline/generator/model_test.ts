/**
 * The pieces of the generative model on their own, with samples large enough for tight
 * tolerances: fraud victims and windows, transactions per card, customers' age, gender and home,
 * card numbers, calendar weights, chunking, dates, and the row encoder.
 */

import assert from "node:assert/strict";
import { UsageError } from "../../../../actors/lib/errors.ts";
import {
  civilDate,
  dayNumber,
  dayWeights,
  weekday,
} from "../../../../actors/pipeline/generator/calendar.ts";
import { CardDrawer, MIN_RANGE_DAYS } from "../../../../actors/pipeline/generator/cards.ts";
import { CustomerFactory } from "../../../../actors/pipeline/generator/customers.ts";
import {
  ageOn,
  expectedAgeGenderShares,
} from "../../../../actors/pipeline/generator/demographics.ts";
import { RowEncoder } from "../../../../actors/pipeline/generator/encoder.ts";
import {
  drawCardNumber,
  drawSsn,
  isLuhnValid,
} from "../../../../actors/pipeline/generator/identity.ts";
import { merchants } from "../../../../actors/pipeline/generator/merchants.ts";
import {
  parseGeneratorDate,
  trainingSetDir,
} from "../../../../actors/pipeline/generator/options.ts";
import { places } from "../../../../actors/pipeline/generator/places.ts";
import { chunkSize, planChunks, planUnits } from "../../../../actors/pipeline/generator/plan.ts";
import {
  ALL_PROFILE_NAMES,
  FRAUD_PROFILES,
  LEGIT_PROFILES,
  profileFor,
} from "../../../../actors/pipeline/generator/profiles.ts";
import { Random } from "../../../../actors/pipeline/generator/random.ts";
import { TransactionColumns } from "../../../../actors/pipeline/generator/sampler.ts";
import { CATEGORIES, CSV_SEPARATOR } from "../../../../model/schema.ts";

const FIRST = dayNumber(2023, 1, 1);
const LAST = dayNumber(2023, 1, 30);

Deno.test("a card becomes a fraud victim with probability 99/101, in a window inside the range", () => {
  const cards = new CardDrawer({ seed: 1, first: FIRST, last: LAST, fidelity: "sparkov" });
  const days = LAST - FIRST + 1;
  const out = new TransactionColumns();
  const n = 20_000;
  let victims = 0;
  for (let i = 0; i < n; i++) {
    const profile = i % 12;
    const frauds = cards.draw(out, i, profile);
    const range = FRAUD_PROFILES.get(ALL_PROFILE_NAMES[profile])!.txPerDay;
    if (frauds === 0) {
      // Not a victim: (days - 1) * k legitimate transactions, k in the profile's range.
      const k = out.length / (days - 1);
      const { min, max } = LEGIT_PROFILES.get(ALL_PROFILE_NAMES[profile])!.txPerDay;
      assert.ok(Number.isInteger(k) && k >= min && k <= max, `k = ${k}`);
      continue;
    }
    victims++;
    assert.ok(frauds >= range.min && frauds <= range.max, `${frauds} fraud transactions`);
    const fraudDays = new Set<number>();
    for (let r = 0; r < frauds; r++) {
      assert.equal(out.fraud[r], 1);
      fraudDays.add(out.day[r]);
    }
    const start = Math.min(...fraudDays);
    assert.ok(start >= 1 && Math.max(...fraudDays) <= start + 1, `fraud days ${[...fraudDays]}`);
    assert.ok(Math.max(...fraudDays) <= days - 1 - 7 + 1, "window starts a week before the end");
    for (let r = frauds; r < out.length; r++) {
      assert.equal(out.fraud[r], 0);
      assert.ok(!fraudDays.has(out.day[r]), "a legit transaction on a fraud day");
    }
  }
  const share = victims / n;
  assert.ok(Math.abs(share - 99 / 101) < 0.005, `victim share ${share}`);
});

Deno.test("ranges shorter than the fraud window's margin are refused", () => {
  assert.throws(
    () =>
      new CardDrawer({
        seed: 1,
        first: FIRST,
        last: FIRST + MIN_RANGE_DAYS - 2,
        fidelity: "sparkov",
      }),
    RangeError,
  );
});

Deno.test("customers' gender and age follow the population table", () => {
  const asOf = civilDate(dayNumber(2023, 12, 31));
  const factory = new CustomerFactory(3, asOf);
  const n = 20_000;
  const counts = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const core = factory.core(i);
    assert.equal(ageOn(core.dob, asOf), core.age, `dob ${core.dob} for age ${core.age}`);
    assert.equal(core.profile, profileFor(core.gender, core.age, core.cityPop));
    const band = core.age >= 95 ? 95 : core.age - (core.age % 5);
    const key = `${band}${core.gender}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let male = 0;
  for (const { band, M, F } of expectedAgeGenderShares()) {
    for (const [gender, share] of [["M", M], ["F", F]] as const) {
      const got = (counts.get(`${band[0]}${gender}`) ?? 0) / n;
      assert.ok(Math.abs(got - share) < 0.005, `ages ${band} ${gender}: ${got} vs ${share}`);
    }
    male += M;
  }
  let males = 0;
  for (const [key, count] of counts) if (key.endsWith("M")) males += count;
  assert.ok(Math.abs(males / n - male) < 0.012, `male share ${males / n} vs ${male}`);
});

Deno.test("homes are drawn by population: about 4.3% rural, mean city_pop about 295,000", () => {
  const table = places();
  assert.ok(table.size > 30_000 && table.size < 36_000, `${table.size} places`);
  let people = 0;
  let rural = 0;
  let weightedPop = 0;
  for (let i = 0; i < table.size; i++) {
    people += table.zipPop[i];
    if (table.cityPop[i] < 2500) rural += table.zipPop[i];
    weightedPop += table.zipPop[i] * table.cityPop[i];
  }
  // The table's own figures (people, not a sample): GENERATOR.md's 4.3% and 295,000, roughly.
  assert.ok(Math.abs(rural / people - 0.043) < 0.01, `rural share ${rural / people}`);
  assert.ok(Math.abs(weightedPop / people / 295_000 - 1) < 0.1, `mean ${weightedPop / people}`);
  const factory = new CustomerFactory(5, civilDate(LAST));
  const n = 20_000;
  let sampledRural = 0;
  let sampledPop = 0;
  for (let i = 0; i < n; i++) {
    const core = factory.core(i);
    if (core.cityPop < 2500) sampledRural++;
    sampledPop += core.cityPop;
  }
  assert.ok(Math.abs(sampledRural / n - rural / people) < 0.005, `sampled ${sampledRural / n}`);
  assert.ok(Math.abs(sampledPop / n / (weightedPop / people) - 1) < 0.1, `${sampledPop / n}`);
});

Deno.test("card numbers are Luhn-valid with Sparkov's mix of lengths; SSNs well formed", () => {
  const random = new Random(9);
  const lengths = new Map<number, number>();
  const n = 20_000;
  for (let i = 0; i < n; i++) {
    const card = drawCardNumber(random);
    assert.ok(/^\d{12,19}$/.test(card) && isLuhnValid(card), card);
    lengths.set(card.length, (lengths.get(card.length) ?? 0) + 1);
    const ssn = drawSsn(random);
    assert.match(ssn, /^\d{3}-\d{2}-\d{4}$/);
    assert.ok(!ssn.startsWith("000") && !ssn.startsWith("666"), ssn);
  }
  for (const [length, share] of [[16, 0.57], [13, 0.18], [19, 0.1], [12, 0.08], [15, 0.04]]) {
    const got = (lengths.get(length) ?? 0) / n;
    assert.ok(Math.abs(got - share) < 0.012, `${length} digits: ${got} vs ${share}`);
  }
  assert.equal(isLuhnValid("4263982640269299"), true);
  assert.equal(isLuhnValid("4263982640269298"), false);
});

Deno.test("day weights: weekday x season x year, as the profile says", () => {
  const profile = LEGIT_PROFILES.get("young_adults_female_rural")!;
  const first = dayNumber(2023, 1, 1);
  const weights = dayWeights(profile, first, dayNumber(2024, 12, 31));
  const w = (y: number, m: number, d: number) => weights[dayNumber(y, m, d) - first];
  // Saturday 250 vs Monday 80, both in the same season window (Jan-Feb, 75).
  assert.equal(weekday(dayNumber(2023, 1, 7)), 5);
  assert.ok(Math.abs(w(2023, 1, 7) / w(2023, 1, 9) - 250 / 80) < 1e-9);
  // Mondays: December window 200 vs an ordinary day 100.
  assert.ok(Math.abs(w(2023, 12, 4) / w(2023, 10, 2) - 2) < 1e-9);
  // Second year weighs 120 against 100 (both Mondays in October, ordinary days); the leap year
  // normalises its day-of-year weights over 366 days.
  const ratio = w(2024, 10, 7) / w(2023, 10, 2);
  assert.ok(ratio > 1.19 && ratio < 1.2, `second-year ratio ${ratio}`);
  // February 29 (a Thursday) is outside the January-February window: 100, not 75.
  assert.equal(weekday(dayNumber(2024, 2, 29)), weekday(dayNumber(2024, 2, 22)));
  assert.ok(Math.abs(w(2024, 2, 29) / w(2024, 2, 22) - 100 / 75) < 1e-9);
});

Deno.test("chunks follow Sparkov's formula with unbounded CPUs; files are named like Sparkov's", () => {
  assert.equal(chunkSize(100), 20);
  assert.equal(chunkSize(1000), 200);
  assert.equal(chunkSize(10_000), 1000);
  assert.equal(chunkSize(3), 1);
  assert.deepEqual(planChunks(7).map((c) => [c.first, c.last]), [
    [0, 0],
    [1, 1],
    [2, 2],
    [
      3,
      3,
    ],
    [4, 4],
    [5, 5],
    [6, 6],
  ]);
  assert.deepEqual(planChunks(100).at(-1), { index: 4, first: 80, last: 99 });
  const units = planUnits(100);
  assert.equal(units.length, 5 * 12);
  assert.ok(units.some((u) => u.file === "adults_50up_male_urban_20-39.csv"));
  assert.equal(planUnits(1000)[0].file, "adults_2550_female_rural_000-199.csv");
  assert.equal(planUnits(1)[0].file, "adults_2550_female_rural_0-0.csv");
});

Deno.test("dates are YYYY-MM-DD or the seed's MM-DD-YYYY; anything else is a usage error", () => {
  assert.equal(parseGeneratorDate("2023-01-31").toISOString(), "2023-01-31T00:00:00.000Z");
  assert.equal(parseGeneratorDate("06-30-2022").toISOString(), "2022-06-30T00:00:00.000Z");
  for (const bad of ["2023-02-30", "2023/01/01", "31-01-2023", "yesterday", ""]) {
    assert.throws(() => parseGeneratorDate(bad, "start"), UsageError, bad);
  }
  assert.throws(() => trainingSetDir("../escape"), UsageError);
  assert.equal(trainingSetDir("v1", "root"), "root/v1");
});

Deno.test("the row encoder writes Sparkov's transaction columns", () => {
  const chunks: Uint8Array[] = [];
  const encoder = new RowEncoder({
    first: dayNumber(2023, 1, 1),
    days: 3,
    sink: (bytes) => chunks.push(bytes.slice()),
  });
  const rows = new TransactionColumns();
  rows.reserve(3);
  const put = (
    i: number,
    day: number,
    second: number,
    cat: number,
    cents: number,
    fraud: number,
  ) => {
    rows.day[i] = day;
    rows.second[i] = second;
    rows.category[i] = cat;
    rows.cents[i] = cents;
    rows.fraud[i] = fraud;
  };
  put(0, 0, 3661, 0, 1005, 1);
  put(1, 2, 86_399, 13, 5, 0);
  put(2, 1, 0, 7, 123_456_789, 0);
  rows.length = 3;
  const prefix = new TextEncoder().encode("a|b|");
  encoder.writeTransactions(prefix, { lat: 0.4, long: -81.1781 }, rows, new Random(1));
  encoder.flush();
  const lines = new TextDecoder().decode(chunks[0]).split("\n");
  assert.equal(lines.length, 4);
  assert.equal(lines[3], "");
  const fields = lines.slice(0, 3).map((line) => line.split(CSV_SEPARATOR));
  for (const f of fields) {
    assert.equal(f.length, 2 + 10);
    assert.match(f[2], /^[0-9a-f]{32}$/);
    assert.ok(merchants()[CATEGORIES.indexOf(f[6] as typeof CATEGORIES[number])].includes(f[9]));
    assert.match(f[10], /^-?\d+\.\d{6}$/);
    assert.match(f[11], /^-\d+\.\d{6}$/);
    assert.ok(Math.abs(Number(f[10]) - 0.4) <= 1 && Math.abs(Number(f[11]) + 81.1781) <= 1);
  }
  assert.deepEqual(fields[0].slice(3, 9), [
    "2023-01-01",
    "01:01:01",
    String(Date.UTC(2023, 0, 1, 1, 1, 1) / 1000),
    "gas_transport",
    "10.05",
    "1",
  ]);
  assert.deepEqual(fields[1].slice(3, 9), [
    "2023-01-03",
    "23:59:59",
    String(Date.UTC(2023, 0, 3, 23, 59, 59) / 1000),
    "travel",
    "0.05",
    "0",
  ]);
  assert.deepEqual(fields[2].slice(3, 9), [
    "2023-01-02",
    "00:00:00",
    String(Date.UTC(2023, 0, 2) / 1000),
    "entertainment",
    "1234567.89",
    "0",
  ]);
});

Deno.test("the row encoder writes times past 2038 and large amounts", () => {
  const chunks: Uint8Array[] = [];
  const encoder = new RowEncoder({
    first: dayNumber(2040, 6, 1),
    days: 1,
    sink: (bytes) => chunks.push(bytes.slice()),
  });
  encoder.writeRow(
    new TextEncoder().encode("p|"),
    { lat: -0.5, long: 179.5 },
    0,
    45_296,
    3,
    987_654_321_012,
    0,
    new Random(2),
  );
  encoder.flush();
  const f = new TextDecoder().decode(chunks[0]).trimEnd().split(CSV_SEPARATOR);
  assert.equal(f.length, 11);
  assert.equal(f[2], "2040-06-01");
  assert.equal(f[3], "12:34:56");
  assert.equal(Number(f[4]), Date.UTC(2040, 5, 1, 12, 34, 56) / 1000);
  assert.ok(Number(f[4]) > 2 ** 31);
  assert.equal(f[6], "9876543210.12");
  assert.match(f[9], /^-?\d\.\d{6}$/);
  assert.match(f[10], /^1\d{2}\.\d{6}$/);
});

Deno.test("the same key gives the same random sequence, another key another one", () => {
  const a = new Random(42, 7, 1);
  const b = new Random(42, 7, 1);
  const c = new Random(42, 8, 1);
  const take = (r: Random) => Array.from({ length: 8 }, () => r.u32());
  const first = take(a);
  assert.deepEqual(first, take(b));
  assert.notDeepEqual(first, take(c));
  const u = new Random(1);
  for (let i = 0; i < 10_000; i++) {
    const x = u.float();
    assert.ok(x >= 0 && x < 1);
  }
});

Deno.test("merchants: 50 distinct names per category, all prefixed fraud_", () => {
  const table = merchants();
  assert.equal(table.length, CATEGORIES.length);
  const all = new Set<string>();
  for (const names of table) {
    assert.equal(names.length, 50);
    for (const name of names) {
      assert.match(name, /^fraud_[^|\n]+$/);
      all.add(name);
    }
  }
  assert.equal(all.size, 50 * CATEGORIES.length);
});
