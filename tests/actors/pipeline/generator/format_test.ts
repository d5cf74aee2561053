/**
 * A training set's files in Sparkov's format: names, header, separator, 26 columns, parseable
 * values in range, customer columns consistent with `customers.csv`, and the report's counts.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { generateTrainingSet } from "../../../../actors/pipeline/generator/mod.ts";
import { civilDate, dayNumber } from "../../../../actors/pipeline/generator/calendar.ts";
import { ageOn } from "../../../../actors/pipeline/generator/demographics.ts";
import { isLuhnValid } from "../../../../actors/pipeline/generator/identity.ts";
import { merchants } from "../../../../actors/pipeline/generator/merchants.ts";
import {
  ALL_PROFILE_NAMES,
  PROFILE_NAMES,
  profileFor,
} from "../../../../actors/pipeline/generator/profiles.ts";
import { parseTransactionLine } from "../../../../model/row_validator.ts";
import {
  CATEGORIES,
  COLUMNS,
  CSV_SEPARATOR,
  CUSTOMER_COLUMN_COUNT,
  HEADER,
} from "../../../../model/schema.ts";
import { readCustomers, tempDir, transactionFiles } from "./helpers.ts";

const CUSTOMERS = 60;
const START = "2023-03-01";
const END = "2023-04-15";

Deno.test("a training set is written in Sparkov's file format", async () => {
  const dir = await tempDir();
  try {
    const report = await generateTrainingSet({
      customers: CUSTOMERS,
      start: START,
      end: END,
      seed: 3,
      workers: 2,
      outDir: dir.path,
    });

    // File names: one per (profile, chunk of 12 customers), zero-padded to 2 digits.
    const names = await transactionFiles(dir.path);
    assert.equal(names.length, PROFILE_NAMES.length * 5);
    const expectedNames = new Set<string>();
    for (const profile of PROFILE_NAMES) {
      for (let first = 0; first < CUSTOMERS; first += 12) {
        const pad = (n: number) => String(n).padStart(2, "0");
        expectedNames.add(`${profile}_${pad(first)}-${pad(first + 11)}.csv`);
      }
    }
    assert.deepEqual(new Set(names), expectedNames);
    const everything = [...Deno.readDirSync(dir.path)].map((e) => e.name);
    assert.deepEqual(everything.filter((n) => n.startsWith(".") || n.endsWith(".part")), []);

    // customers.csv: the 16 customer columns of every customer, in order.
    const customerText = await Deno.readTextFile(join(dir.path, "customers.csv"));
    assert.equal(
      customerText.split("\n")[0],
      COLUMNS.slice(0, CUSTOMER_COLUMN_COUNT).join(CSV_SEPARATOR),
    );
    const customers = await readCustomers(dir.path);
    assert.equal(customers.length, CUSTOMERS);
    const asOf = civilDate(dayNumber(2023, 4, 15));
    const byCard = new Map<string, { index: number; fields: string[] }>();
    customers.forEach((fields, index) => {
      assert.equal(fields.length, CUSTOMER_COLUMN_COUNT);
      const [ssn, cc, first, last, gender, street, city, state, zip, lat, long, pop] = fields;
      assert.match(ssn, /^\d{3}-\d{2}-\d{4}$/);
      assert.ok(/^\d{12,19}$/.test(cc) && isLuhnValid(cc), `card ${cc}`);
      for (const text of [first, last, street, city, fields[12]]) assert.ok(text.length > 0);
      assert.ok(gender === "M" || gender === "F");
      assert.match(state, /^[A-Z]{2}$/);
      assert.match(zip, /^\d{5}$/);
      assert.match(lat, /^-?\d+(\.\d{1,4})?$/);
      assert.match(long, /^-?\d+(\.\d{1,4})?$/);
      assert.match(pop, /^\d+$/);
      assert.match(fields[13], /^\d{4}-\d{2}-\d{2}$/);
      assert.match(fields[14], /^\d{1,12}$/);
      const age = ageOn(fields[13], asOf);
      assert.ok(age >= 15 && age <= 95, `age ${age}`);
      const profile = ALL_PROFILE_NAMES[profileFor(gender as "M" | "F", age, Number(pop))];
      assert.equal(fields[15], `${profile}.json`);
      assert.ok(!byCard.has(cc), "card numbers are unique");
      byCard.set(cc, { index, fields });
    });

    // Transaction files.
    const merchantSets = merchants().map((names) => new Set(names));
    const first = Date.UTC(2023, 2, 1);
    const last = Date.UTC(2023, 3, 15);
    const transNums = new Set<string>();
    let rows = 0;
    let frauds = 0;
    let bytes = (await Deno.stat(join(dir.path, "customers.csv"))).size;
    for (const name of names) {
      const text = await Deno.readTextFile(join(dir.path, name));
      bytes += (await Deno.stat(join(dir.path, name))).size;
      assert.ok(text.endsWith("\n"), `${name} ends with a line break`);
      const lines = text.slice(0, -1).split("\n");
      assert.equal(lines[0], HEADER, `${name} starts with the header`);
      const [, from, to] = /_(\d+)-(\d+)\.csv$/.exec(name)!.map(Number);
      const profile = name.replace(/_\d+-\d+\.csv$/, "");
      for (const line of lines.slice(1)) {
        rows++;
        const f = line.split(CSV_SEPARATOR);
        assert.equal(f.length, 26, line);
        const parsed = parseTransactionLine(line);
        assert.ok(!("reason" in parsed), `${"reason" in parsed ? parsed.reason : ""}: ${line}`);
        const customer = byCard.get(f[1]);
        assert.ok(customer, "the card is in customers.csv");
        assert.deepEqual(f.slice(0, CUSTOMER_COLUMN_COUNT), customer.fields);
        assert.ok(customer.index >= from && customer.index <= to, "customer in the file's chunk");
        assert.equal(f[15], `${profile}.json`);

        const [transNum, date, time, unix, category, amt, isFraud, merchant, mLat, mLong] = f
          .slice(16);
        assert.match(transNum, /^[0-9a-f]{32}$/);
        assert.ok(!transNums.has(transNum), "trans_num is unique");
        transNums.add(transNum);
        assert.match(date, /^\d{4}-\d{2}-\d{2}$/);
        assert.match(time, /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/);
        const at = Date.parse(`${date}T${time}Z`);
        assert.ok(at >= first && at < last + 86_400_000, `date ${date} in range`);
        assert.equal(Number(unix), at / 1000, "unix_time is the UTC time of date and time");
        const c = CATEGORIES.indexOf(category as typeof CATEGORIES[number]);
        assert.ok(c >= 0, category);
        assert.match(amt, /^\d+\.\d{2}$/);
        assert.ok(Number(amt) >= 1, `amount ${amt}`);
        assert.ok(isFraud === "0" || isFraud === "1");
        if (isFraud === "1") frauds++;
        assert.ok(merchantSets[c].has(merchant), `${merchant} is a ${category} merchant`);
        assert.match(mLat, /^-?\d+\.\d{6}$/);
        assert.match(mLong, /^-?\d+\.\d{6}$/);
        assert.ok(Math.abs(Number(mLat) - Number(f[9])) <= 1.000001, "merchant within 1 degree");
        assert.ok(Math.abs(Number(mLong) - Number(f[10])) <= 1.000001);
      }
    }
    assert.ok(rows > 1000, `${rows} rows`);
    assert.ok(frauds > 0, "some fraud");
    assert.equal(report.rows, rows);
    assert.equal(report.frauds, frauds);
    assert.equal(report.bytes, bytes);
    assert.equal(report.files, names.length + 1);
    assert.equal(report.customers, CUSTOMERS);
    assert.equal(report.fraud_rate, frauds / rows);
    assert.ok(report.seconds > 0 && report.rows_per_second > 0);
  } finally {
    await dir.cleanup();
  }
});

Deno.test("bad options are usage errors that say what to do", async () => {
  const base = { customers: 10, start: START, end: END, outDir: "/nonexistent/never-written" };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ customers: 0 }, /customers must be/],
    [{ start: "2023-13-01" }, /start '2023-13-01' is not a real calendar day/],
    [{ end: "2023-03-05" }, /at least 9 days/],
    [{ workers: 0 }, /workers must be/],
    [{ fidelity: "exact" }, /fidelity must be 'sparkov' or 'independent'/],
    [{ seed: -1 }, /seed must be/],
  ];
  for (const [change, message] of cases) {
    await assert.rejects(
      generateTrainingSet({ ...base, ...change } as Parameters<typeof generateTrainingSet>[0]),
      (error: Error) => error.name === "UsageError" && message.test(error.message),
      JSON.stringify(change),
    );
  }
});
