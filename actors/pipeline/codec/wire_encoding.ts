/**
 * The wire formats of the transactions topic, by name: `json`, one message per transaction,
 * readable by any Kafka tool; `arrow`, one Apache Arrow record batch per message, for throughput.
 *
 * @module
 */

/** Wire formats of the transactions topic. */
export const WIRE_ENCODINGS = ["json", "arrow"] as const;

/** A wire format of the transactions topic. */
export type WireEncoding = typeof WIRE_ENCODINGS[number];
