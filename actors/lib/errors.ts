/**
 * Errors meant for the user: `main.ts` prints their message on one line, without a stack trace,
 * and exits with their exit code.
 *
 * @module
 */

/** A failure the user can fix (a missing file, a broker that is down, a corrupt model). Exit 1. */
export class FraudstreamError extends Error {
  override name = "FraudstreamError";
  /** Process exit code for this error. */
  readonly exitCode: number = 1;
}

/** The user stopped the command (Ctrl-C) before it was done; the message says what it left. */
export class InterruptedError extends FraudstreamError {
  override name = "InterruptedError";
  override readonly exitCode: number = 130;
  /** What the command did before the interrupt: `main.ts` writes it as the `--report`, if asked. */
  readonly report?: unknown;

  constructor(message: string, options: { report?: unknown } = {}) {
    super(message);
    this.report = options.report;
  }
}

/**
 * Throws `InterruptedError` with `message` (what the command left) once `signal` is aborted.
 *
 * @example
 * ```ts
 * throwIfInterrupted(signal, "train was interrupted; no model was written");
 * ```
 * @throws {InterruptedError} when `signal` is aborted.
 */
export function throwIfInterrupted(signal: AbortSignal | undefined, message: string): void {
  if (signal?.aborted) throw new InterruptedError(message);
}

/** A wrong command line, flag, setting or value. Exit 2. */
export class UsageError extends FraudstreamError {
  override name = "UsageError";
  override readonly exitCode: number = 2;
}

/** A setting's value is not one it accepts: names the setting, what it expects and what it got. */
export class InvalidValueError extends UsageError {
  override name = "InvalidValueError";

  /** `setting` is how the user wrote it (e.g. `--customers`, `environment variable X`). */
  constructor(setting: string, expected: string, got: string) {
    super(`invalid value for ${setting}: expected ${expected}, got '${got}'`);
  }
}
