/**
 * Errors of the generator that callers react to.
 *
 * @module
 */

import { FraudstreamError, InterruptedError } from "../../lib/errors.ts";

/** The run was stopped by its abort signal before it finished. Exit 130, as for Ctrl-C. */
export class GenerationInterruptedError extends InterruptedError {
  override name = "GenerationInterruptedError";
}

/** A part of the run failed even after its worker was restarted; the files written are incomplete. */
export class GenerationFailedError extends FraudstreamError {
  override name = "GenerationFailedError";
}
