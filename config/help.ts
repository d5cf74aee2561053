/**
 * `--help` texts, generated from the command and settings tables.
 *
 * @module
 */

import { COMMANDS, type CommandSpec } from "./commands.ts";
import { scopeHelp } from "./flag_scope.ts";
import { type SettingKey, SETTINGS } from "./settings.ts";

/** Version of the program, printed by `fraudstream --version`. */
export const VERSION = "0.1.0";

/** The top-level help: what fraudstream is and its subcommands. */
export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = [
    "fraudstream: online fraud detection on card transactions",
    "",
    "Usage: fraudstream <command> [arguments] [flags]",
    "",
    "Commands:",
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    "",
    "Run 'fraudstream <command> --help' for a command's flags. Settings come from defaults, then",
    "the .env file, then environment variables, then flags, each overriding the last.",
  ];
  return lines.join("\n");
}

/** Help of one subcommand: usage, arguments, flags with their environment variables. */
export function commandHelp(command: CommandSpec): string {
  const positionals = command.positionals
    .map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`))
    .join(" ");
  const lines = [
    `fraudstream ${command.name}: ${command.summary}`,
    "",
    `Usage: fraudstream ${command.name}${positionals ? ` ${positionals}` : ""} [flags]`,
  ];
  for (const positional of command.positionals) {
    lines.push("", `${positional.name}: ${positional.help}`);
    if (positional.choices) lines.push(`  one of: ${positional.choices.join(", ")}`);
  }
  const keys: SettingKey[] = [...command.flags, "envFile"];
  const left = keys.map((key) => {
    const spec = SETTINGS[key];
    return spec.arg ? `--${spec.flag} ${spec.arg}` : `--${spec.flag}`;
  });
  const width = Math.max(...left.map((text) => text.length));
  lines.push("", "Flags:");
  keys.forEach((key, index) => {
    const spec = SETTINGS[key];
    const fallback = command.defaults?.[key] ?? spec.default;
    const details = [
      spec.env ? `env ${spec.env}` : "",
      fallback !== undefined && fallback !== "" && !spec.secret ? `default ${fallback}` : "",
    ].filter(Boolean).join(", ");
    const help = command.flagHelp?.[key] ?? spec.help;
    const scope = scopeHelp(command.flagScope, key);
    const notes = [scope, details].filter(Boolean).join("; ");
    lines.push(`  ${left[index].padEnd(width)}  ${help}${notes ? ` (${notes})` : ""}`);
  });
  lines.push(`  ${"--help".padEnd(width)}  show this help`);
  lines.push("", "Examples:", ...command.examples.map((example) => `  ${example}`));
  return lines.join("\n");
}

/**
 * The configuration reference as a Markdown table: every setting with its flag, environment
 * variable, default (and the commands whose own default differs, e.g. "`100` (run: `1000`)"),
 * the commands that take it, and its meaning (and what it does in the commands that say it
 * their own way). The README's copy is checked against this.
 */
export function settingsReference(): string {
  const lines = [
    "| flag | environment | default | commands | meaning |",
    "|---|---|---|---|---|",
  ];
  const cell = (text: string) => text.replaceAll("|", "\\|");
  for (const [key, spec] of Object.entries(SETTINGS)) {
    const commands = COMMANDS.filter((c) => c.flags.includes(key as SettingKey)).map((c) => c.name);
    const value = Array.isArray(spec.default) ? spec.default.join(",") : spec.default;
    const fallback = "defaultText" in spec && spec.defaultText
      ? spec.defaultText
      : value === undefined || value === "" || spec.secret
      ? ""
      : `\`${value}\``;
    const own = COMMANDS.flatMap((c) =>
      c.flags.includes(key as SettingKey) && c.defaults?.[key as SettingKey] !== undefined
        ? [`${c.name}: \`${c.defaults[key as SettingKey]}\``]
        : []
    );
    const defaults = own.length > 0 ? `${fallback} (${own.join(", ")})` : fallback;
    const flag = spec.arg ? `--${spec.flag} ${spec.arg}` : `--${spec.flag}`;
    lines.push(
      `| \`${cell(flag)}\` | ${spec.env ? `\`${spec.env}\`` : ""} | ${cell(defaults)} | ${
        key === "envFile" ? "all" : commands.join(", ")
      } | ${cell(meaning(key as SettingKey))} |`,
    );
  }
  return lines.join("\n");
}

/**
 * A setting's help, followed by what it does in the commands that say it their own way, commands
 * that say the same grouped: "help: generate: this; consume, run: that".
 */
function meaning(key: SettingKey): string {
  const byText = new Map<string, string[]>();
  for (const command of COMMANDS) {
    const text = command.flags.includes(key) ? command.flagHelp?.[key] : undefined;
    if (text !== undefined) byText.set(text, [...(byText.get(text) ?? []), command.name]);
  }
  const own = [...byText].map(([text, names]) => `${names.join(", ")}: ${text}`);
  return own.length > 0 ? `${SETTINGS[key].help}: ${own.join("; ")}` : SETTINGS[key].help;
}

if (import.meta.main) console.log(settingsReference());
