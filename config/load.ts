/**
 * Resolves the command line into one typed, frozen `Config`: defaults, then the `.env` file, then
 * the environment, then flags, each overriding the last. Every bad input becomes a `UsageError`
 * naming the setting.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { parse as parseDotenv } from "dotenv";
import { type CommandSpec, findCommand } from "./commands.ts";
import type { Config } from "./config.ts";
import { checkFlagScope } from "./flag_scope.ts";
import { UsageError } from "../actors/lib/errors.ts";
import { isSwitch, type SettingKey, SETTINGS } from "./settings.ts";

/** What the command line asks for: help, the version, or a command to run with its config. */
export type Invocation =
  | { kind: "help"; command?: CommandSpec }
  | { kind: "version" }
  | { kind: "run"; command: CommandSpec; config: Config };

/** Where `loadConfig` reads from; tests pass their own. */
export interface ConfigSources {
  /** Environment variables (default: the process environment). */
  env?: Record<string, string | undefined>;
  /** Reads a text file, or returns undefined if it does not exist (default: from disk). */
  readFile?: (path: string) => string | undefined;
}

/** Settings every command accepts as flags. */
const COMMON_FLAGS: SettingKey[] = ["envFile"];

/** Parses `args` (without the program name) into an invocation. */
export function loadConfig(args: string[], sources: ConfigSources = {}): Invocation {
  const [name, ...rest] = args;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    const topic = name === "help" && rest[0] ? findCommand(rest[0]) : undefined;
    return { kind: "help", command: topic };
  }
  if (name === "--version" || name === "-V") return { kind: "version" };
  const command = findCommand(name);
  if (!command) {
    const what = name.startsWith("-") ? `unknown option '${name}'` : `unknown command '${name}'`;
    throw new UsageError(`${what}; run 'fraudstream --help' for the list of commands`);
  }
  const flagKeys = [...COMMON_FLAGS, ...command.flags];
  const parsed = parseCommandLine(command, flagKeys, rest);
  if (parsed.help) return { kind: "help", command };

  const env = sources.env ?? Deno.env.toObject();
  const readFile = sources.readFile ?? readTextFileIfExists;
  const dotenv = readEnvFile(parsed.flags["env-file"] as string | undefined, env, readFile);

  const values: Record<string, unknown> = {};
  const given: SettingKey[] = [];
  const flagged: SettingKey[] = [];
  for (const key of Object.keys(SETTINGS) as SettingKey[]) {
    const flag = flagKeys.includes(key) ? parsed.flags[SETTINGS[key].flag] : undefined;
    if (flag !== undefined) flagged.push(key);
    const variable = SETTINGS[key].env;
    if (
      flag !== undefined ||
      (variable && (env[variable] !== undefined || dotenv.values[variable] !== undefined))
    ) given.push(key);
    values[key] = resolveSetting(key, {
      flag,
      env,
      dotenv: dotenv.values,
      envFilePath: dotenv.path,
      commandDefault: command.defaults?.[key],
    });
  }
  values.command = command.name;
  values.args = Object.freeze(parsed.positionals);
  values.given = Object.freeze(given);
  values.flags = Object.freeze(flagged);
  const config = Object.freeze(values) as unknown as Config;
  checkFlagScope(command, config);
  return { kind: "run", command, config };
}

/**
 * The env file's path and values: the one `--env-file` or the environment names (which must
 * exist), else `.env` if there is one. A line the dotenv parser would skip (no `=`, a key with a
 * space) is refused rather than left out, and the file cannot name another env file.
 */
function readEnvFile(
  flag: string | undefined,
  env: Record<string, string | undefined>,
  readFile: (path: string) => string | undefined,
): { path: string; values: Record<string, string> } {
  const spec = SETTINGS.envFile;
  const fromEnv = env[spec.env!];
  const who = flag !== undefined ? `--${spec.flag}` : `environment variable ${spec.env}`;
  const chosen = flag ?? fromEnv;
  const path = chosen === undefined ? spec.default : spec.parse(chosen, who);
  const text = readFile(path);
  if (text === undefined) {
    if (chosen !== undefined) throw new UsageError(`${who}: file '${path}' not found`);
    return { path, values: {} };
  }
  const line = unparsedLine(text);
  if (line !== undefined) {
    throw new UsageError(
      `${path} line ${line}: expected KEY=value (or a # comment), got '${
        text.replace(/\r\n?/g, "\n").split("\n")[line - 1].trim().slice(0, 80)
      }'`,
    );
  }
  const values = parseDotenv(text);
  if (values[spec.env!] !== undefined) {
    throw new UsageError(
      `${spec.env} in ${path}: an env file cannot name another (it is read once chosen); set ` +
        `it in the environment or with --${spec.flag}`,
    );
  }
  return { path, values };
}

/**
 * dotenv's line pattern (npm:dotenv 18, `lib/main.js`): what it matches is what it reads, and
 * nothing else of the file.
 */
const DOTENV_LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/mg;

/** The number of the first line of `text` that dotenv would skip (not blank, not a comment). */
function unparsedLine(text: string): number | undefined {
  const lines = text.replace(/\r\n?/g, "\n");
  let read = 0;
  const skipped = (from: number, to: number): number | undefined => {
    const gap = lines.slice(from, to).split("\n");
    const index = gap.findIndex((line) => line.trim() !== "" && !line.trim().startsWith("#"));
    if (index < 0) return undefined;
    return lines.slice(0, from).split("\n").length + index;
  };
  for (const match of lines.matchAll(DOTENV_LINE)) {
    const found = skipped(read, match.index);
    if (found !== undefined) return found;
    read = Math.max(read, match.index + match[0].length);
  }
  return skipped(read, lines.length);
}

function resolveSetting(
  key: SettingKey,
  sources: {
    flag: string | boolean | undefined;
    env: Record<string, string | undefined>;
    dotenv: Record<string, string>;
    envFilePath: string;
    commandDefault: unknown;
  },
): unknown {
  const spec = SETTINGS[key];
  if (typeof sources.flag === "boolean") return sources.flag;
  if (sources.flag !== undefined) return spec.parse(sources.flag, `--${spec.flag}`);
  if (spec.env && sources.env[spec.env] !== undefined) {
    return spec.parse(sources.env[spec.env]!, `environment variable ${spec.env}`);
  }
  if (spec.env && sources.dotenv[spec.env] !== undefined) {
    return spec.parse(sources.dotenv[spec.env], `${spec.env} in ${sources.envFilePath}`);
  }
  return sources.commandDefault !== undefined ? sources.commandDefault : spec.default;
}

function parseCommandLine(
  command: CommandSpec,
  flagKeys: SettingKey[],
  args: string[],
): {
  help: boolean;
  flags: Record<string, string | boolean | undefined>;
  positionals: Record<string, string>;
} {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const key of flagKeys) {
    options[SETTINGS[key].flag] = { type: isSwitch(key) ? "boolean" : "string" };
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: negativeValuesJoined(args, options),
      options,
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(describeParseError(command, error));
  }
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  if (flags.help) return { help: true, flags, positionals: {} };
  const positionals: Record<string, string> = {};
  const given = parsed.positionals;
  if (given.length > command.positionals.length) {
    throw new UsageError(
      `'${command.name}' got an unexpected argument '${given[command.positionals.length]}'; ` +
        `run 'fraudstream ${command.name} --help'`,
    );
  }
  command.positionals.forEach((spec, index) => {
    const value = given[index];
    if (value === undefined) {
      if (spec.required) {
        const choices = spec.choices ? ` (${spec.choices.join(", ")})` : "";
        throw new UsageError(`'${command.name}' needs a ${spec.name}${choices}`);
      }
      return;
    }
    if (spec.choices && !spec.choices.includes(value)) {
      throw new UsageError(
        `unknown ${spec.name} '${value}' for '${command.name}'; expected one of ${
          spec.choices.join(", ")
        }`,
      );
    }
    positionals[spec.name] = value;
  });
  return { help: false, flags, positionals };
}

/**
 * `--flag -5` as `--flag=-5` for a flag that takes a value: a negative number after it is its
 * value (which the setting then checks), where `parseArgs` would read it as a flag.
 */
function negativeValuesJoined(
  args: string[],
  options: Record<string, { type: "string" | "boolean" }>,
): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--") return joined.concat(args.slice(i));
    const next = args[i + 1];
    if (
      arg.startsWith("--") && options[arg.slice(2)]?.type === "string" &&
      next !== undefined && /^-\.?\d/.test(next)
    ) {
      joined.push(`${arg}=${next}`);
      i++;
    } else joined.push(arg);
  }
  return joined;
}

function describeParseError(command: CommandSpec, error: unknown): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const hint = `run 'fraudstream ${command.name} --help'`;
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? "?";
    return `unknown flag '${flag}' for '${command.name}'; ${hint}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && /does not take an argument/.test(message)) {
    const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? "a switch";
    return `${flag} takes no value (it is a switch: give it or leave it out); ${hint}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const flag = /'(-[^' ]+)/.exec(message)?.[1] ?? "a flag";
    return `${flag} needs a value; ${hint}`;
  }
  return `${message.split("\n")[0]}; ${hint}`;
}

function readTextFileIfExists(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new UsageError(`cannot read '${path}': ${(error as Error).message}`);
  }
}
