/**
 * The encoder a partition actor needs for a model, whichever encoding the model was trained
 * with: fraudstream's (per-card state, snapshots) or the seed's (`spark-seed`: stateless); for
 * transactions as objects (`rowEncoderFor`) or as column batches (`columnEncoderFor`, card states
 * in a typed table, saved as binary records).
 *
 * @module
 */

import { applyCardStates, encodeCardStates, slotRange } from "./card_state_records.ts";
import { CardStates } from "./card_states.ts";
import { CardTable } from "./card_table.ts";
import type { TransactionColumns } from "./columns.ts";
import { type EncoderSettings, FEATURE_COUNT } from "./features.ts";
import type { EncoderName } from "./model_file.ts";
import type { Transaction } from "./schema.ts";
import { SEED_ENCODER, SEED_FEATURE_COUNT, SeedEncoder } from "./seed_encoding.ts";

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

/** Encodes a partition's column batches, in order, for one model. */
export interface ColumnEncoder {
  /** The model's encoder. */
  readonly name: EncoderName;
  /** Features per row. */
  readonly featureCount: number;
  /** Features of `columns` (row-major; 64-bit for the seed's encoding), card states advanced. */
  encode(columns: TransactionColumns): Float32Array | Float64Array;
  /**
   * The states of the cards changed since the last call, as one record (`card_state_records.ts`;
   * empty for stateless encoders), then forgotten.
   */
  takeChanges(): Uint8Array;
  /** Every card's state, in records of at most `cardsPerRecord` cards (none when stateless). */
  snapshot(cardsPerRecord: number): Uint8Array[];
  /** Applies a record of `takeChanges` or `snapshot`, in the order they were made. */
  restore(record: Uint8Array): void;
}

/** The column encoder of a model (`manifest.encoder` of a loaded model). */
export function columnEncoderFor(
  encoder: { name: EncoderName; settings: EncoderSettings },
): ColumnEncoder {
  if (encoder.name === SEED_ENCODER) {
    const seed = new SeedEncoder();
    return {
      name: encoder.name,
      featureCount: SEED_FEATURE_COUNT,
      encode: (columns) => {
        const out = new Float64Array(columns.length * SEED_FEATURE_COUNT);
        seed.encodeColumns(columns, out);
        return out;
      },
      takeChanges: () => new Uint8Array(0),
      snapshot: () => [],
      restore: () => {},
    };
  }
  const table = new CardTable(encoder.settings);
  return {
    name: encoder.name,
    featureCount: FEATURE_COUNT,
    encode: (columns) => {
      const out = new Float32Array(columns.length * FEATURE_COUNT);
      table.encode(columns, out);
      return out;
    },
    takeChanges: () => {
      const record = encodeCardStates(table, table.touched());
      table.clearTouched();
      return record;
    },
    snapshot: (cardsPerRecord) => {
      if (!(cardsPerRecord >= 1)) {
        throw new RangeError(`a snapshot record holds at least 1 card, not ${cardsPerRecord}`);
      }
      const records: Uint8Array[] = [];
      for (let from = 0; from < table.size; from += cardsPerRecord) {
        const to = Math.min(table.size, from + cardsPerRecord);
        records.push(encodeCardStates(table, slotRange(from, to)));
      }
      return records;
    },
    restore: (record) => {
      applyCardStates(table, record);
    },
  };
}
