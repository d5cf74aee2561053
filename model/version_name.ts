/**
 * The rule for version names, of models and data sets alike: each becomes a folder under a root
 * folder, so it is one plain path segment; and what may name a model to score with.
 *
 * @module
 */

import { InvalidValueError } from "../actors/lib/errors.ts";

/** What a version name may hold: one plain folder name. */
const VERSION_NAME = /^[A-Za-z0-9._-]+$/;

/** What a version name is, for messages. */
const VERSION_NAME_RULE =
  "a version name: one folder name of letters, digits, '.', '_' and '-', not '.' or '..'";

function isVersionName(value: string): boolean {
  return VERSION_NAME.test(value) && value !== "." && value !== "..";
}

/**
 * A version name (of a data set or a model), which becomes a folder under a root folder: one
 * plain path segment, so that it can never name the root itself, its parent or a folder elsewhere.
 * `name` is how the user wrote the setting (e.g. `--version`), for the error.
 *
 * @throws {InvalidValueError} naming `name` when `raw` is not one.
 */
export function versionName(raw: string, name: string): string {
  const value = raw.trim();
  if (!isVersionName(value)) throw new InvalidValueError(name, VERSION_NAME_RULE, raw);
  return value;
}

/**
 * A model to score with: `latest`, a folder (any path with a `/`), or a version name. `name` is
 * how the user wrote the setting (e.g. `--model`), for the error.
 *
 * @throws {InvalidValueError} naming `name` when `raw` is none of these.
 */
export function modelChoice(raw: string, name: string): string {
  const value = raw.trim();
  if (value === "latest" || value.includes("/") || isVersionName(value)) return value;
  throw new InvalidValueError(
    name,
    `latest, a folder written with a '/' (e.g. ./NAME), or ${VERSION_NAME_RULE}`,
    raw,
  );
}

/**
 * A model that stays the same for a process's life: a folder (any path with a `/`) or a version
 * name, not `latest`. `name` is how the user wrote the setting (e.g. `--shadow-model`).
 *
 * @throws {InvalidValueError} naming `name` when `raw` is none of these.
 */
export function pinnedModelChoice(raw: string, name: string): string {
  const value = raw.trim();
  if (value !== "latest" && (value.includes("/") || isVersionName(value))) return value;
  throw new InvalidValueError(
    name,
    `a folder written with a '/' (e.g. ./NAME), or ${VERSION_NAME_RULE} (not latest)`,
    raw,
  );
}
