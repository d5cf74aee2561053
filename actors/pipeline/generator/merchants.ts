/**
 * The merchant table: 50 company names per category, each prefixed with `fraud_` as in Sparkov's
 * output (every merchant has the prefix, fraudulent or not). Built from a fixed seed, so it is the
 * same reference table in every run, whatever the run's seed.
 *
 * @module
 */

import { CATEGORIES } from "../../../model/schema.ts";
import { fakerDrivenBy } from "./identity.ts";
import { Random, STREAM } from "./random.ts";

/** Merchants per category. */
export const MERCHANTS_PER_CATEGORY = 50;

const TABLE_SEED = 0x5eed_0001;

function buildMerchants(): string[][] {
  const faker = fakerDrivenBy(new Random(STREAM.tables, TABLE_SEED));
  const seen = new Set<string>();
  return CATEGORIES.map(() => {
    const names: string[] = [];
    while (names.length < MERCHANTS_PER_CATEGORY) {
      // Sparkov's double names are written "Kub-Rippin", not "Kub - Rippin".
      const name = `fraud_${faker.company.name().replaceAll(" - ", "-")}`;
      if (name.includes("|") || seen.has(name)) continue;
      seen.add(name);
      names.push(name);
    }
    return names;
  });
}

let shared: string[][] | undefined;

/** Merchant names per category (in `CATEGORIES` order), 50 each, all distinct. */
export function merchants(): readonly (readonly string[])[] {
  shared ??= buildMerchants();
  return shared;
}
