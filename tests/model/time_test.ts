import assert from "node:assert/strict";
import { ageInYears, AgeMemo, ageOnDay, daysFromCivil } from "../../model/time.ts";
import { seededRandom } from "../../actors/lib/random.ts";

Deno.test("ages on days: birthdays, leap days, and days before 1970", () => {
  const day = (y: number, m: number, d: number) => daysFromCivil(y, m, d);
  const cases: [number, number, number][] = [
    [day(1990, 5, 17), day(2020, 5, 16), 29],
    [day(1990, 5, 17), day(2020, 5, 17), 30],
    [day(2000, 2, 29), day(2021, 2, 28), 20],
    [day(2000, 2, 29), day(2021, 3, 1), 21],
    [day(1925, 12, 31), day(2019, 1, 1), 93],
    [day(2019, 1, 1), day(2019, 1, 1), 0],
  ];
  const ages = new AgeMemo();
  for (const [dob, on, age] of cases) {
    assert.equal(ageOnDay(dob, on), age);
    // Twice: once computed, once from the table.
    assert.equal(ages.onDay(dob, on), age);
    assert.equal(ages.onDay(dob, on), age);
  }
});

Deno.test("AgeMemo gives ageOnDay's age for any days, also when days share a table entry", () => {
  const random = seededRandom(11);
  const ages = new AgeMemo();
  for (let i = 0; i < 50_000; i++) {
    // Days 16,384 apart share an entry: birth days over 110 years from 1900, transaction days
    // over 33 years from 1990.
    const dob = -25_567 + Math.floor(random() * 40_000);
    const on = 7_305 + Math.floor(random() * 12_000);
    assert.equal(ages.onDay(dob, on), ageOnDay(dob, on), `born ${dob}, on ${on}`);
  }
});

Deno.test("ageOnDay is ageInYears of the dates", () => {
  assert.equal(ageInYears("1990-05-17", "2020-05-16"), 29);
  assert.equal(ageOnDay(daysFromCivil(1990, 5, 17), daysFromCivil(2020, 5, 16)), 29);
});
