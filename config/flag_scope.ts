/**
 * Flags that only some values of one argument use: `generate --rate` is for `--mode stream`,
 * `model --threshold` for `import-spark`, `chaos --brokers` for the scenarios that run in one
 * process. A command declares them (`CommandSpec.flagScope`); a flag given on the command line
 * with a value that does not use it is refused at start-up, instead of being silently ignored,
 * and `--help` says where each one applies. Settings from the environment or a `.env` file are
 * shared by every command and value, so only flags count.
 *
 * @module
 */

import { UsageError } from "../actors/lib/errors.ts";
import type { Config } from "./config.ts";
import { type SettingKey, SETTINGS } from "./settings.ts";

/** The flags of a command that only some values of one of its arguments use. */
export interface FlagScope {
  /** The argument: a positional's name (`action`), or a setting's key (`mode`). */
  argument: string;
  /** How the argument is written before its value, if it is a flag (`--mode`). */
  flag?: string;
  /** Per flag, the argument's values that use it. */
  uses: Partial<Record<SettingKey, readonly string[]>>;
  /** Why a value uses none of some flags, if there is more to say (a scenario's own cluster). */
  note?: (value: string) => string | undefined;
}

/** A value of the scope's argument as the user writes it: `--mode stream`, `promote`. */
function written(scope: FlagScope, value: string): string {
  return scope.flag ? `${scope.flag} ${value}` : value;
}

/**
 * What `--help` adds to a scoped flag's line: where it applies (`only --mode stream`, `only for
 * import-spark`), or nothing for a flag the scope does not restrict.
 *
 * @example
 * ```ts
 * scopeHelp({ argument: "mode", flag: "--mode", uses: { rate: ["stream"] } }, "rate");
 * // "only --mode stream"
 * ```
 */
export function scopeHelp(scope: FlagScope | undefined, key: SettingKey): string | undefined {
  const values = scope?.uses[key];
  if (!values) return undefined;
  return scope!.flag ? `only ${scope!.flag} ${values.join(", ")}` : `only for ${values.join(", ")}`;
}

/**
 * Refuses flags given on the command line that the value of the command's scoped argument does
 * not use.
 *
 * @throws {UsageError} naming the flags, the value, and where a lone flag applies.
 */
export function checkFlagScope(
  command: { name: string; flagScope?: FlagScope },
  config: Config,
): void {
  const scope = command.flagScope;
  if (!scope) return;
  const value = config.args[scope.argument] ?? String(config[scope.argument as SettingKey]);
  const stray = config.flags.filter((key) => scope.uses[key]?.includes(value) === false);
  if (stray.length === 0) return;
  const names = stray.map((key) => `--${SETTINGS[key].flag}`);
  const usedBy = (key: SettingKey) =>
    scope.uses[key]!.map((used) => `${command.name} ${written(scope, used)}`).join(" or ");
  const note = scope.note?.(value);
  const groups = Map.groupBy(stray, usedBy);
  const why = note !== undefined
    ? ` (${note})`
    : groups.size === 1
    ? `: ${stray.length === 1 ? "it is" : "they are"} for ${[...groups.keys()][0]}`
    : ` (${stray.map((key, i) => `${names[i]} is for ${usedBy(key)}`).join("; ")})`;
  throw new UsageError(
    `${command.name} ${written(scope, value)} does not use ${names.join(", ")}${why}; leave ` +
      `${stray.length === 1 ? "it" : "them"} out`,
  );
}
