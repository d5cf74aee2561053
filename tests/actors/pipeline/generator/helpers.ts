/**
 * Helpers shared by the generator tests: temporary folders, reading generated files, and the
 * statistics the tests compare with GENERATOR.md.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { type Fidelity, generateTrainingSet } from "../../../../actors/pipeline/generator/mod.ts";
import { CATEGORIES, COLUMNS, CSV_SEPARATOR } from "../../../../model/schema.ts";

/** A fresh temporary folder, removed by the returned `cleanup`. */
export async function tempDir(prefix = "fraudstream-gen-"): Promise<{
  path: string;
  cleanup: () => Promise<void>;
}> {
  const path = await Deno.makeTempDir({ prefix });
  return { path, cleanup: () => Deno.remove(path, { recursive: true }).catch(() => {}) };
}

/** Names of the transaction files in `dir` (every `.csv` but `customers.csv`), sorted. */
export async function transactionFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".csv") && entry.name !== "customers.csv") {
      names.push(entry.name);
    }
  }
  return names.sort();
}

/** Every file of `dir` with its bytes, by name (for byte-for-byte comparisons). */
export async function folderBytes(dir: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile) files.set(entry.name, await Deno.readFile(join(dir, entry.name)));
  }
  return files;
}

/** Settings of the small training sets that determinism tests compare byte for byte. */
export const SMALL_SET = { customers: 80, start: "2023-01-01", end: "2023-02-28" };

/**
 * Generates into a temporary folder (`SMALL_SET`, or other dates); returns the report and every
 * file's bytes.
 */
export async function generateSmallSet(
  options: {
    seed: number;
    workers: number;
    fidelity: Fidelity;
    crashInFile?: string;
    start?: string;
    end?: string;
  },
) {
  const dir = await tempDir();
  try {
    const report = await generateTrainingSet({ ...SMALL_SET, ...options, outDir: dir.path });
    return { report, files: await folderBytes(dir.path) };
  } finally {
    await dir.cleanup();
  }
}

/** Asserts that two folders hold the same files with the same bytes. */
export function assertSameFiles(
  a: Map<string, Uint8Array>,
  b: Map<string, Uint8Array>,
  what: string,
) {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), `${what}: same file names`);
  for (const [name, bytes] of a) {
    assert.ok(bytes.length > 0, `${name} is not empty`);
    assert.deepEqual(b.get(name), bytes, `${what}: ${name} differs`);
  }
}

const COLUMN = Object.fromEntries(COLUMNS.map((name, i) => [name, i])) as Record<
  typeof COLUMNS[number],
  number
>;

/** Running count, mean and variance. */
export class Moments {
  n = 0;
  #mean = 0;
  #m2 = 0;

  add(x: number): void {
    this.n++;
    const delta = x - this.#mean;
    this.#mean += delta / this.n;
    this.#m2 += delta * (x - this.#mean);
  }

  get mean(): number {
    return this.#mean;
  }

  get stdev(): number {
    return this.n > 1 ? Math.sqrt(this.#m2 / (this.n - 1)) : 0;
  }
}

/** Statistics of a set of generated transactions. */
export class TransactionStats {
  rows = 0;
  frauds = 0;
  /** Row counts per category, legit and fraud. */
  readonly categories = {
    legit: new Map<string, number>(),
    fraud: new Map<string, number>(),
  };
  /** Amount moments per category, legit and fraud. */
  readonly amounts = {
    legit: new Map<string, Moments>(),
    fraud: new Map<string, Moments>(),
  };
  /** Row counts per profile (name without `.json`), legit and fraud. */
  readonly profileRows = { legit: new Map<string, number>(), fraud: new Map<string, number>() };
  /** Row counts per category and profile, legit and fraud. */
  readonly profileCategoryRows = {
    legit: new Map<string, Map<string, number>>(),
    fraud: new Map<string, Map<string, number>>(),
  };
  /** Months (`YYYY-MM`) in which each category occurs (legit rows). */
  readonly categoryMonths = new Map<string, Set<string>>();
  /** Amount moments per (profile, category) of legit rows. */
  readonly profileAmounts = new Map<string, Moments>();
  /** Row counts per hour of day, legit and fraud. */
  readonly hours = { legit: new Array(24).fill(0), fraud: new Array(24).fill(0) };
  /** AM and total row counts per year (legit rows). */
  readonly amByYear = new Map<number, { am: number; all: number }>();
  /** Years in which each category occurs (legit rows). */
  readonly categoryYears = new Map<string, Set<number>>();
  /** Cards seen, and cards with at least one fraud row. */
  readonly cards = new Set<string>();
  readonly fraudCards = new Set<string>();
  /** Distinct fraud days per card. */
  readonly fraudDays = new Map<string, Set<string>>();
  /** Sample of amounts (every row), legit and fraud, for medians. */
  readonly amountValues = { legit: [] as number[], fraud: [] as number[] };
  /** Transaction numbers seen (for uniqueness). */
  readonly transNums = new Set<string>();
  duplicateTransNums = 0;

  /** Adds one parsed row (its 26 fields). */
  add(f: string[]): void {
    this.rows++;
    const fraud = f[COLUMN.is_fraud] === "1";
    const kind = fraud ? "fraud" : "legit";
    const category = f[COLUMN.category];
    const amount = Number(f[COLUMN.amt]);
    const hour = Number(f[COLUMN.trans_time].slice(0, 2));
    const year = Number(f[COLUMN.trans_date].slice(0, 4));
    const card = f[COLUMN.cc_num];
    if (fraud) this.frauds++;
    this.categories[kind].set(category, (this.categories[kind].get(category) ?? 0) + 1);
    let moments = this.amounts[kind].get(category);
    if (!moments) this.amounts[kind].set(category, moments = new Moments());
    moments.add(amount);
    this.hours[kind][hour]++;
    this.amountValues[kind].push(amount);
    this.cards.add(card);
    const profile = f[COLUMN.profile].replace(".json", "");
    this.profileRows[kind].set(profile, (this.profileRows[kind].get(profile) ?? 0) + 1);
    let byProfile = this.profileCategoryRows[kind].get(category);
    if (!byProfile) this.profileCategoryRows[kind].set(category, byProfile = new Map());
    byProfile.set(profile, (byProfile.get(profile) ?? 0) + 1);
    if (fraud) {
      this.fraudCards.add(card);
      let days = this.fraudDays.get(card);
      if (!days) this.fraudDays.set(card, days = new Set());
      days.add(f[COLUMN.trans_date]);
    } else {
      const key = `${f[COLUMN.profile]}|${category}`;
      let pm = this.profileAmounts.get(key);
      if (!pm) this.profileAmounts.set(key, pm = new Moments());
      pm.add(amount);
      const entry = this.amByYear.get(year) ?? { am: 0, all: 0 };
      entry.all++;
      if (hour < 12) entry.am++;
      this.amByYear.set(year, entry);
      let months = this.categoryMonths.get(category);
      if (!months) this.categoryMonths.set(category, months = new Set());
      months.add(f[COLUMN.trans_date].slice(0, 7));
      let years = this.categoryYears.get(category);
      if (!years) this.categoryYears.set(category, years = new Set());
      years.add(year);
    }
    const transNum = f[COLUMN.trans_num];
    if (this.transNums.has(transNum)) this.duplicateTransNums++;
    this.transNums.add(transNum);
  }

  /** Share of rows of `kind` in each category. */
  categoryShares(kind: "legit" | "fraud"): Map<string, number> {
    let total = 0;
    for (const n of this.categories[kind].values()) total += n;
    return new Map(CATEGORIES.map((c) => [c, (this.categories[kind].get(c) ?? 0) / total]));
  }

  /** Share of rows of `kind` with hours 22:00 to 03:59. */
  nightShare(kind: "legit" | "fraud"): number {
    const h = this.hours[kind];
    const total = h.reduce((a: number, b: number) => a + b, 0);
    return (h[22] + h[23] + h[0] + h[1] + h[2] + h[3]) / total;
  }
}

/** Reads every transaction file of `dir` into statistics. */
export async function readStats(dir: string): Promise<TransactionStats> {
  const stats = new TransactionStats();
  for (const name of await transactionFiles(dir)) {
    const text = await Deno.readTextFile(join(dir, name));
    const lines = text.split("\n");
    for (let i = 1; i < lines.length; i++) {
      if (lines[i] === "") continue;
      stats.add(lines[i].split(CSV_SEPARATOR));
    }
  }
  return stats;
}

/** The customer lines of `customers.csv` in `dir`, split into fields. */
export async function readCustomers(dir: string): Promise<string[][]> {
  const text = await Deno.readTextFile(join(dir, "customers.csv"));
  return text.split("\n").slice(1).filter((line) => line !== "").map((line) =>
    line.split(CSV_SEPARATOR)
  );
}

/** ln Γ(x) for x > 0 (Lanczos approximation). */
function logGamma(x: number): number {
  const g = 7;
  const c = [
    0.99999999999980993,
    676.5203681218851,
    -1259.1392167224028,
    771.32342877765313,
    -176.61502916214059,
    12.507343278686905,
    -0.13857109526572012,
    9.9843695780195716e-6,
    1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = c[0];
  for (let i = 1; i < g + 2; i++) sum += c[i] / (z + i);
  const t = z + g + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Regularized lower incomplete gamma P(a, x). */
export function gammaP(a: number, x: number): number {
  if (x <= 0) return 0;
  const front = Math.exp(-x + a * Math.log(x) - logGamma(a));
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 10_000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-15) break;
    }
    return sum * front;
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  let b = x + 1 - a;
  let c = 1e300;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (Math.abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return 1 - front * h;
}

/**
 * Mean and standard deviation of a profile amount: Gamma with the given mean and stdev, where a
 * draw under 1.00 is replaced by a uniform draw in [1, 10] (as GENERATOR.md describes).
 */
export function amountMoments(mean: number, stdev: number): { mean: number; stdev: number } {
  const k = (mean * mean) / (stdev * stdev);
  const theta = (stdev * stdev) / mean;
  const below = gammaP(k, 1 / theta);
  const first = k * theta * (1 - gammaP(k + 1, 1 / theta)) + below * 5.5;
  const second = k * (k + 1) * theta * theta * (1 - gammaP(k + 2, 1 / theta)) + below * 37;
  return { mean: first, stdev: Math.sqrt(Math.max(0, second - first * first)) };
}
