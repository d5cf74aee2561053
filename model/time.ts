/**
 * Event time of a transaction from its civil date and time (`trans_date`, `trans_time`), never
 * from `unix_time`, whose time zone depends on the machine that generated the data.
 *
 * @module
 */

const SECONDS_PER_DAY = 86_400;

/** Days since 1970-01-01 of a proleptic Gregorian date. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** The proleptic Gregorian `[year, month, day]` of a day number (days since 1970-01-01). */
export function civilFromDays(days: number): [number, number, number] {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** Days since 1970-01-01 of `YYYY-MM-DD`; NaN if malformed. */
export function dayOf(date: string): number {
  if (date.length !== 10 || date[4] !== "-" || date[7] !== "-") return Number.NaN;
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const day = Number(date.slice(8, 10));
  return daysFromCivil(year, month, day);
}

/** Seconds since midnight of `HH:MM:SS`; NaN if malformed. */
export function secondOfDay(time: string): number {
  if (time.length !== 8 || time[2] !== ":" || time[5] !== ":") return Number.NaN;
  return Number(time.slice(0, 2)) * 3600 + Number(time.slice(3, 5)) * 60 + Number(time.slice(6, 8));
}

/** Event time in seconds on the civil clock of the data (as if UTC). */
export function eventSeconds(date: string, time: string): number {
  return dayOf(date) * SECONDS_PER_DAY + secondOfDay(time);
}

/** Day of week, Monday 0 .. Sunday 6, of a day number. */
export function weekdayOf(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/** Whole years from the birth date `dobDate` to `onDate` (both `YYYY-MM-DD`). */
export function ageInYears(dobDate: string, onDate: string): number {
  const by = Number(dobDate.slice(0, 4));
  const bm = Number(dobDate.slice(5, 7));
  const bd = Number(dobDate.slice(8, 10));
  const y = Number(onDate.slice(0, 4));
  const m = Number(onDate.slice(5, 7));
  const d = Number(onDate.slice(8, 10));
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** Whole years from birth day `dob` to day `day` (both day numbers): `ageInYears` of the dates. */
export function ageOnDay(dob: number, day: number): number {
  const [by, bm, bd] = civilFromDays(dob);
  const [y, m, d] = civilFromDays(day);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** Entries of an `AgeMemo`'s table: day numbers 16,384 apart (about 45 years) share one. */
const MEMO_DAYS = 16_384;

/**
 * `ageOnDay` with the civil date of each day number remembered in a direct-mapped table: a
 * stream reads few distinct days (its own dates and its cards' birth dates), and a civil date
 * costs a dozen divisions. A day as `year * 10,000 + month * 100 + day` makes an age one
 * subtraction: the month and day weigh less than a year's 10,000.
 *
 * @example
 * ```ts
 * const ages = new AgeMemo();
 * ages.onDay(daysFromCivil(1990, 5, 17), daysFromCivil(2020, 5, 16)); // 29
 * ```
 */
export class AgeMemo {
  readonly #days = new Int32Array(MEMO_DAYS);
  /** 0 for an empty entry (no date packs to 0: its month and day add at least 101). */
  readonly #dates = new Int32Array(MEMO_DAYS);

  /** Whole years from birth day `dob` to day `day` (day numbers), as `ageOnDay`. */
  onDay(dob: number, day: number): number {
    return Math.floor((this.#date(day) - this.#date(dob)) / 10_000);
  }

  #date(day: number): number {
    const at = day & (MEMO_DAYS - 1);
    if (this.#days[at] === day && this.#dates[at] !== 0) return this.#dates[at];
    const [year, month, date] = civilFromDays(day);
    const packed = year * 10_000 + month * 100 + date;
    // Only whole days whose dates fit the table's 32-bit entries are remembered.
    if ((day | 0) !== day || (packed | 0) !== packed) return packed;
    this.#days[at] = day;
    this.#dates[at] = packed;
    return packed;
  }
}
