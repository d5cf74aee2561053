/**
 * The transaction record in Sparkov's CSV format: the column order every fraudstream command reads
 * and writes, and the typed record one CSV row becomes.
 *
 * @module
 */

/** Field separator of Sparkov's CSV files. */
export const CSV_SEPARATOR = "|";

/** The 26 columns, in file order. */
export const COLUMNS = [
  "ssn",
  "cc_num",
  "first",
  "last",
  "gender",
  "street",
  "city",
  "state",
  "zip",
  "lat",
  "long",
  "city_pop",
  "job",
  "dob",
  "acct_num",
  "profile",
  "trans_num",
  "trans_date",
  "trans_time",
  "unix_time",
  "category",
  "amt",
  "is_fraud",
  "merchant",
  "merch_lat",
  "merch_long",
] as const;

/** A column name. */
export type Column = typeof COLUMNS[number];

/** The header line of every file (without the line break). */
export const HEADER: string = COLUMNS.join(CSV_SEPARATOR);

/** Number of customer columns (`ssn` .. `profile`) that `customers.csv` holds. */
export const CUSTOMER_COLUMN_COUNT = 16;

/** The 14 merchant categories, in Sparkov's order. */
export const CATEGORIES = [
  "gas_transport",
  "grocery_net",
  "grocery_pos",
  "misc_net",
  "misc_pos",
  "shopping_net",
  "shopping_pos",
  "entertainment",
  "food_dining",
  "health_fitness",
  "home",
  "kids_pets",
  "personal_care",
  "travel",
] as const;

/** A merchant category. */
export type Category = typeof CATEGORIES[number];

/** One transaction, with the customer's fields, as parsed from a CSV row. */
export interface Transaction {
  ssn: string;
  /** Card number as digits (12 to 19); a string because it exceeds 2^53. */
  cc_num: string;
  first: string;
  last: string;
  gender: "M" | "F";
  street: string;
  city: string;
  state: string;
  zip: string;
  lat: number;
  long: number;
  city_pop: number;
  job: string;
  /** `YYYY-MM-DD`. */
  dob: string;
  acct_num: string;
  profile: string;
  /** 32 lowercase hex digits, unique per transaction. */
  trans_num: string;
  /** `YYYY-MM-DD`. */
  trans_date: string;
  /** `HH:MM:SS`. */
  trans_time: string;
  /** Seconds since the epoch (UTC for fraudstream's generator). */
  unix_time: number;
  category: Category;
  amt: number;
  is_fraud: 0 | 1;
  merchant: string;
  merch_lat: number;
  merch_long: number;
}
