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

/** A wrong command line, flag, setting or value. Exit 2. */
export class UsageError extends FraudstreamError {
  override name = "UsageError";
  override readonly exitCode: number = 2;
}

/** A subcommand whose implementation has not landed yet. Exit 3. */
export class NotAvailableError extends FraudstreamError {
  override name = "NotAvailableError";
  override readonly exitCode: number = 3;
  constructor(what: string) {
    super(`${what} is not available yet in this version of fraudstream`);
  }
}
