/**
 * The encoder a partition actor needs for a model, whichever encoding the model was trained
 * with: fraudstream's (per-card state, snapshots) or the seed's (`spark-seed`: stateless).
 *
 * @module
 */

import { CardStates } from "./card_states.ts";
import type { EncoderSettings } from "./features.ts";
import type { EncoderName } from "./model_file.ts";
import type { Transaction } from "./schema.ts";
import { SEED_ENCODER, SeedEncoder } from "./seed_encoding.ts";

/** Encodes a partition's transactions, in order, for one model. */
export interface RowEncoder {
  /** The model's encoder. */
  readonly name: EncoderName;
  /** Features of `rows` (row-major) and the cards whose state changed. */
  encode(rows: Transaction[]): { features: Float32Array | Float64Array; touched: Set<string> };
  /** Snapshot of a card's state (empty for stateless encoders). */
  snapshot(card: string): Uint8Array;
  /** Restores a card's state from a snapshot. */
  restore(card: string, snapshot: Uint8Array): void;
}

/** The row encoder of a model (`manifest.encoder` of a loaded model). */
export function rowEncoderFor(
  encoder: { name: EncoderName; settings: EncoderSettings },
): RowEncoder {
  if (encoder.name === SEED_ENCODER) {
    const seed = new SeedEncoder();
    return {
      name: encoder.name,
      encode: (rows) => ({ features: seed.encode(rows), touched: new Set() }),
      snapshot: () => new Uint8Array(0),
      restore: () => {},
    };
  }
  const states = new CardStates(encoder.settings);
  return {
    name: encoder.name,
    encode: (rows) => states.encode(rows),
    snapshot: (card) => states.snapshot(card),
    restore: (card, snapshot) => states.restore(card, snapshot),
  };
}
