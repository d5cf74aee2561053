/**
 * The bounded copy of raw input that a dead letter carries: at most its first 4 KiB, with the
 * length and SHA-256 of the whole, and a reason of a few hundred characters at most, so that one
 * huge line or message can neither push a dead letter past the broker's message limit nor hide what
 * it was. The producer and the consumer cut their dead letters here, the same way.
 *
 * @module
 */

import { createHash } from "node:crypto";

/** Most bytes of raw input a dead letter carries; the rest is known by its length and hash. */
export const DEAD_LETTER_RAW_BYTES = 4096;

/** Longest reason a dead letter gives, in characters (a reason may quote the input). */
export const DEAD_LETTER_REASON_CHARS = 256;

/** Raw input as a dead letter describes it. */
export interface RawExcerpt {
  /** The input's first `DEAD_LETTER_RAW_BYTES` bytes, or all of it when shorter. */
  head: Uint8Array;
  /** Length of the whole input, in bytes. */
  bytes: number;
  /** SHA-256 of the whole input, in hexadecimal. */
  sha256: string;
}

/** The fields a dead-letter message gives an excerpt besides its head. */
export interface ExcerptFields {
  raw_bytes: number;
  raw_sha256: string;
  /** True when the head is not the whole input. */
  truncated: boolean;
}

/** The excerpt of `raw` (its head is a view of `raw`, not a copy). */
export function rawExcerpt(raw: Uint8Array): RawExcerpt {
  return {
    head: raw.subarray(0, DEAD_LETTER_RAW_BYTES),
    bytes: raw.byteLength,
    sha256: createHash("sha256").update(raw).digest("hex"),
  };
}

/** The length, hash and truncation flag of `excerpt`, as dead-letter messages spell them. */
export function excerptFields(excerpt: RawExcerpt): ExcerptFields {
  return {
    raw_bytes: excerpt.bytes,
    raw_sha256: excerpt.sha256,
    truncated: excerpt.head.byteLength < excerpt.bytes,
  };
}

/** `reason` cut to `DEAD_LETTER_REASON_CHARS` (an ellipsis ends a cut one). */
export function boundedReason(reason: string): string {
  if (reason.length <= DEAD_LETTER_REASON_CHARS) return reason;
  return reason.slice(0, DEAD_LETTER_REASON_CHARS - 1) + "\u2026";
}
