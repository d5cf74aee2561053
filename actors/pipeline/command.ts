/**
 * What every subcommand implementation receives and returns.
 *
 * @module
 */

import type { Config } from "../../config/config.ts";

/** Facilities a running subcommand gets from `main.ts`. */
export interface CommandContext {
  /** Aborted when the user interrupts (SIGINT, SIGTERM): stop cleanly and report. */
  signal: AbortSignal;
  /** A progress or status line on stderr; silent with `--quiet`. */
  status(line: string): void;
  /** A result line on stdout. */
  print(line: string): void;
  /**
   * Registers a synchronous cleanup to run if the process has to exit without a clean stop (a
   * second interrupt, or a stop that outlasts its grace time), when no `finally` runs any more;
   * returns the function that unregisters it.
   */
  onForcedExit(cleanup: () => void): () => void;
}

/** The outcome of a subcommand: its exit code and the summary written by `--report`. */
export interface CommandOutcome {
  exitCode: number;
  report?: unknown;
}

/** The implementation of one subcommand. */
export type CommandHandler = (config: Config, ctx: CommandContext) => Promise<CommandOutcome>;

/** A signal that aborts when `signal` does or after `seconds` (never, for 0). */
export function stopAfter(signal: AbortSignal, seconds: number): AbortSignal {
  if (seconds <= 0) return signal;
  return AbortSignal.any([signal, AbortSignal.timeout(Math.round(seconds * 1000))]);
}

/**
 * Where a role's dashboard listens (`--ui-host`, `--ui-port`; a negative port: none), and whether
 * the user chose the port (a taken default gives way to a free one; a taken choice is an error).
 */
export function dashboardAddress(
  config: Config,
): { host: string; port: number; portChosen: boolean } {
  return { host: config.uiHost, port: config.uiPort, portChosen: config.given.includes("uiPort") };
}
