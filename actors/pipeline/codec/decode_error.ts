/**
 * The error of a message that cannot be decoded, whatever its encoding.
 *
 * @module
 */

/** A message could not be decoded; it belongs in the dead-letter topic with this reason. */
export class DecodeError extends Error {
  override name = "DecodeError";
}
