/**
 * The fake identity of a customer: names by gender, street address and job title from
 * `@faker-js/faker` (en_US), driven by the generator's own seeded random stream so that a
 * customer's identity depends only on (seed, customer index); and SSN, Luhn-valid card number
 * and account number in the formats Sparkov writes.
 *
 * @module
 */

import { faker as enUsFaker } from "@faker-js/faker/locale/en_US";
import type { Faker, Randomizer } from "@faker-js/faker";
import { Random } from "./random.ts";

/** A faker instance whose every random number comes from `random`. */
export function fakerDrivenBy(random: Random): Faker {
  const randomizer: Randomizer = {
    next: () => random.float(),
    seed: (seed) => random.reseed(...(Array.isArray(seed) ? seed : [seed])),
  };
  // The en_US entry point exports only its instance; its class builds one with our randomizer.
  const FakerClass = enUsFaker.constructor as typeof Faker;
  return new FakerClass({ locale: enUsFaker.rawDefinitions, randomizer });
}

/** The identity columns of a customer. */
export interface Identity {
  ssn: string;
  ccNum: string;
  first: string;
  last: string;
  street: string;
  job: string;
  acctNum: string;
}

/** Card number lengths and their shares in Sparkov's output. */
const CARD_LENGTHS: readonly [length: number, share: number][] = [
  [16, 0.57],
  [13, 0.18],
  [19, 0.10],
  [12, 0.08],
  [15, 0.04],
  [14, 0.03],
];

/** Issuer prefixes per card length (Visa, Mastercard, Discover, JCB, Amex, Diners, Maestro). */
const CARD_PREFIXES: Readonly<Record<number, readonly string[][]>> = {
  16: [
    ["4"],
    ["51", "52", "53", "54", "55", "2221", "2720", "23", "24", "25", "26"],
    ["6011", "65"],
    ["3528", "3589", "353", "354", "355", "356", "357", "358"],
  ],
  13: [["4"]],
  19: [["4"]],
  12: [["5018", "5020", "5038", "56", "57", "58", "6304", "6759", "6761", "6762", "6763"]],
  15: [["34", "37"], ["2131", "1800"]],
  14: [["300", "301", "302", "303", "304", "305", "36", "38"]],
};

/** A Luhn-valid card number of 12 to 19 digits with a real issuer prefix. */
export function drawCardNumber(random: Random): string {
  let u = random.float();
  let length = CARD_LENGTHS[0][0];
  for (const [candidate, share] of CARD_LENGTHS) {
    length = candidate;
    if (u < share) break;
    u -= share;
  }
  const issuers = CARD_PREFIXES[length];
  const prefixes = issuers[random.below(issuers.length)];
  const digits = prefixes[random.below(prefixes.length)].split("").map(Number);
  while (digits.length < length - 1) digits.push(random.below(10));
  digits.push(luhnCheckDigit(digits));
  return digits.join("");
}

/** The digit that makes `digits` followed by it pass the Luhn check. */
export function luhnCheckDigit(digits: readonly number[]): number {
  let sum = 0;
  for (let i = digits.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = digits[i];
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** Whether a digit string passes the Luhn check. */
export function isLuhnValid(number: string): boolean {
  const digits = number.split("").map(Number);
  const check = digits.pop()!;
  return luhnCheckDigit(digits) === check;
}

/** An SSN like `152-88-3969` (area 001-899 but not 666, group 01-99, serial 0001-9999). */
export function drawSsn(random: Random): string {
  let area = random.between(1, 898);
  if (area >= 666) area++;
  const group = random.between(1, 99);
  const serial = random.between(1, 9999);
  return `${String(area).padStart(3, "0")}-${String(group).padStart(2, "0")}-${
    String(serial).padStart(4, "0")
  }`;
}

/** An account number: a uniform integer of up to 12 digits, without leading zeros. */
export function drawAccountNumber(random: Random): string {
  return String(random.below(1_000_000) * 1_000_000 + random.below(1_000_000));
}

/** Draws the identity columns of a customer of the given gender from `random`. */
export class IdentityDrawer {
  readonly #random: Random;
  readonly #faker: Faker;

  /** A drawer that uses `random` (reseed it per customer). */
  constructor(random: Random) {
    this.#random = random;
    this.#faker = fakerDrivenBy(random);
  }

  /** The identity of one customer; consumes `random`. */
  draw(gender: "M" | "F"): Identity {
    const random = this.#random;
    const faker = this.#faker;
    const ssn = drawSsn(random);
    const ccNum = drawCardNumber(random);
    const first = faker.person.firstName(gender === "M" ? "male" : "female");
    const last = faker.person.lastName();
    const street = faker.location.streetAddress(random.float() < 0.5);
    const job = faker.person.jobTitle();
    const acctNum = drawAccountNumber(random);
    return { ssn, ccNum, first, last, street, job, acctNum };
  }
}
