/**
 * Customers: each one determined by (seed, customer index) alone. The cheap part (gender, age,
 * date of birth, home place, profile) decides which profile file a customer belongs to; the
 * identity (names, street, job, numbers) is drawn only for the customers a file needs.
 *
 * @module
 */

import { CSV_SEPARATOR } from "../../../model/schema.ts";
import type { CivilDate } from "./calendar.ts";
import { drawAgeGender, drawBirthDate } from "./demographics.ts";
import { type Identity, IdentityDrawer } from "./identity.ts";
import { type Place, places, type PlaceTable } from "./places.ts";
import { ALL_PROFILE_NAMES, profileFor } from "./profiles.ts";
import { Random, STREAM } from "./random.ts";

/** What decides a customer's profile, drawn without Faker. */
export interface CustomerCore {
  index: number;
  gender: "M" | "F";
  /** Age in whole years on the reference day. */
  age: number;
  /** `YYYY-MM-DD`. */
  dob: string;
  /** Index of the home place in the place table. */
  place: number;
  cityPop: number;
  /** Profile number (index in `ALL_PROFILE_NAMES`). */
  profile: number;
}

/** A complete customer: the 16 customer columns. */
export interface Customer extends CustomerCore, Identity {
  home: Place;
  /** Value of the `profile` column, e.g. `adults_2550_female_urban.json`. */
  profileFile: string;
}

/** Draws customers of one run (seed and reference day) by index. */
export class CustomerFactory {
  readonly #seed: number;
  readonly #asOf: CivilDate;
  readonly #places: PlaceTable;
  readonly #coreRandom = new Random(0);
  readonly #identityRandom = new Random(0);
  readonly #identity = new IdentityDrawer(this.#identityRandom);

  /** Customers for `seed`, aged as of `asOf`. */
  constructor(seed: number, asOf: CivilDate, table: PlaceTable = places()) {
    this.#seed = seed;
    this.#asOf = asOf;
    this.#places = table;
  }

  /** The cheap part of customer `index`. */
  core(index: number): CustomerCore {
    const random = this.#coreRandom;
    random.reseed(this.#seed, index, STREAM.core);
    const { gender, age } = drawAgeGender(random);
    const dob = drawBirthDate(random, age, this.#asOf);
    const place = this.#places.sample(random);
    const cityPop = this.#places.cityPop[place];
    return { index, gender, age, dob, place, cityPop, profile: profileFor(gender, age, cityPop) };
  }

  /** The complete customer `index` (from its core, if already drawn). */
  customer(index: number, core: CustomerCore = this.core(index)): Customer {
    this.#identityRandom.reseed(this.#seed, index, STREAM.identity);
    const identity = this.#identity.draw(core.gender);
    return {
      ...core,
      ...identity,
      home: this.#places.place(core.place),
      profileFile: `${ALL_PROFILE_NAMES[core.profile]}.json`,
    };
  }
}

/** The 16 customer columns of a customer, in file order. */
export function customerColumns(customer: Customer): string[] {
  const { home } = customer;
  return [
    customer.ssn,
    customer.ccNum,
    customer.first,
    customer.last,
    customer.gender,
    customer.street,
    home.city,
    home.state,
    home.zip,
    home.lat,
    home.long,
    String(customer.cityPop),
    customer.job,
    customer.dob,
    customer.acctNum,
    customer.profileFile,
  ];
}

/** The customer's line of `customers.csv` (without the line break). */
export function customerLine(customer: Customer): string {
  return customerColumns(customer).join(CSV_SEPARATOR);
}
