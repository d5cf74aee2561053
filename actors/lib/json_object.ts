/**
 * Telling a parsed JSON value that is an object (a record of named values) from an array, null or
 * a scalar, before reading its entries.
 *
 * @module
 */

/**
 * Whether `value` is a JSON object: not null, not an array.
 *
 * @example
 * ```ts
 * isJsonObject(JSON.parse('{"a": 1}')); // true
 * isJsonObject(JSON.parse("[1]"));      // false
 * ```
 */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
