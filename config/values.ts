/**
 * Parsers that turn the raw text of a setting (from a flag, the environment or a `.env` file) into
 * a typed value, or throw an `InvalidValueError` that names the setting and what it expects.
 *
 * @module
 */

import { InvalidValueError } from "../actors/lib/errors.ts";

/** Turns raw text into a value; `name` is how the user wrote the setting (e.g. `--customers`). */
export type Parser<T> = (raw: string, name: string) => T;

/** A whole number within bounds. */
export function integer(options: { min?: number; max?: number } = {}): Parser<number> {
  const { min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER } = options;
  const expected = describeRange("an integer", min, max);
  return (raw, name) => {
    const text = raw.trim().replaceAll("_", "");
    if (!/^[-+]?\d+$/.test(text)) throw new InvalidValueError(name, expected, raw);
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidValueError(name, expected, raw);
    }
    return value;
  };
}

/** A finite number within bounds. */
export function decimal(options: { min?: number; max?: number } = {}): Parser<number> {
  const { min = -Number.MAX_VALUE, max = Number.MAX_VALUE } = options;
  const expected = describeRange("a number", min, max);
  return (raw, name) => {
    const text = raw.trim();
    const value = Number(text);
    if (text === "" || !Number.isFinite(value) || value < min || value > max) {
      throw new InvalidValueError(name, expected, raw);
    }
    return value;
  };
}

function describeRange(what: string, min: number, max: number): string {
  const hasMin = min > -Number.MAX_VALUE && min > Number.MIN_SAFE_INTEGER;
  const hasMax = max < Number.MAX_VALUE && max < Number.MAX_SAFE_INTEGER;
  if (hasMin && hasMax) return `${what} from ${min} to ${max}`;
  if (hasMin) return `${what} >= ${min}`;
  if (hasMax) return `${what} <= ${max}`;
  return what;
}

/** `true`/`false` (also `1`/`0`, `yes`/`no`, `on`/`off`). */
export const boolean: Parser<boolean> = (raw, name) => {
  const text = raw.trim().toLowerCase();
  if (["true", "1", "yes", "on"].includes(text)) return true;
  if (["false", "0", "no", "off"].includes(text)) return false;
  throw new InvalidValueError(name, "true or false", raw);
};

/** Non-empty text. */
export const text: Parser<string> = (raw, name) => {
  if (raw.trim() === "") throw new InvalidValueError(name, "a non-empty value", raw);
  return raw.trim();
};

/** A Kafka topic name: 1 to 249 of letters, digits, `.`, `_` and `-`, not `.` or `..`. */
export const topicName: Parser<string> = (raw, name) => {
  const value = raw.trim();
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(value) || value === "." || value === "..") {
    throw new InvalidValueError(
      name,
      "a Kafka topic name (1 to 249 letters, digits, '.', '_' or '-'; not '.' or '..')",
      raw,
    );
  }
  return value;
};

/** One of a fixed set of words. */
export function oneOf<const T extends string>(choices: readonly T[]): Parser<T> {
  return (raw, name) => {
    const value = raw.trim() as T;
    if (!choices.includes(value)) {
      throw new InvalidValueError(name, `one of ${choices.join(", ")}`, raw);
    }
    return value;
  };
}

/** A comma-separated list of non-empty items. */
export const list: Parser<string[]> = (raw, name) => {
  const items = raw.split(",").map((item) => item.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidValueError(name, "a comma-separated list", raw);
  return items;
};

/** A comma-separated list of `host:port` addresses. */
export const brokerList: Parser<string[]> = (raw, name) => {
  const items = list(raw, name);
  for (const item of items) {
    const match = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(item);
    if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
      throw new InvalidValueError(name, "host:port[,host:port...]", raw);
    }
  }
  return items;
};

/**
 * A calendar date as `YYYY-MM-DD` (or the seed's `MM-DD-YYYY`), returned as `YYYY-MM-DD`.
 */
export const calendarDate: Parser<string> = (raw, name) => {
  const textValue = raw.trim();
  let match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(textValue);
  let year: number, month: number, day: number;
  if (match) {
    [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  } else {
    match = /^(\d{2})-(\d{2})-(\d{4})$/.exec(textValue);
    if (!match) throw new InvalidValueError(name, "a date YYYY-MM-DD (or MM-DD-YYYY)", raw);
    [month, day, year] = [Number(match[1]), Number(match[2]), Number(match[3])];
  }
  const date = new Date(Date.UTC(year, month - 1, day));
  if (
    date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day
  ) {
    throw new InvalidValueError(name, "a real calendar date", raw);
  }
  return date.toISOString().slice(0, 10);
};

/** A TCP port number, 0 for any free port, or `off` (returned as -1). */
export const port: Parser<number> = (raw, name) => {
  if (raw.trim().toLowerCase() === "off") return -1;
  return integer({ min: 0, max: 65535 })(raw, name);
};

/** A file path ending in one of `extensions` (compared without case). */
export function fileWithExtension(extensions: readonly string[]): Parser<string> {
  return (raw, name) => {
    const value = text(raw, name);
    const lower = value.toLowerCase();
    if (!extensions.some((extension) => lower.endsWith(extension))) {
      throw new InvalidValueError(name, `a file name ending in ${extensions.join(" or ")}`, raw);
    }
    return value;
  };
}
