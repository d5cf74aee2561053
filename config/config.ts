/**
 * The configuration a command runs with: every setting, resolved and typed, plus the chosen
 * subcommand, its positional arguments, and which settings the user gave.
 *
 * @module
 */

import type { SettingKey, Settings } from "./settings.ts";

/** Settings plus the chosen subcommand and its positional arguments. */
export interface Config extends Settings {
  /** The subcommand. */
  readonly command: string;
  /** Positional arguments by name (e.g. `scenario`). */
  readonly args: Readonly<Record<string, string>>;
  /** The settings given by a flag, the environment or the `.env` file (not defaults). */
  readonly given: readonly SettingKey[];
  /**
   * The settings given as flags on this command line: what the user asked this command for, as
   * opposed to the environment and the `.env` file, which every command shares.
   */
  readonly flags: readonly SettingKey[];
}
