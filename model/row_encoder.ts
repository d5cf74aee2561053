/**
 * The encoder a partition actor needs for a model, whichever encoding the model was trained
 * with: fraudstream's (per-card state in a typed table, saved as binary records) or the seed's
 * (`spark-seed`: stateless), over column batches.
 *
 * @module
 */

import {
  applyCardStates,
  encodeCardAppends,
  encodeCardStates,
  slotRange,
} from "./card_state_records.ts";
import { CardTable } from "./card_table.ts";
import type { TransactionColumns } from "./columns.ts";
import type { FeatureColumns } from "./feature_columns.ts";
import { type EncoderSettings, FEATURE_COUNT } from "./features.ts";
import type { EncoderName } from "./model_file.ts";
import { SEED_ENCODER, SEED_FEATURE_COUNT, SeedEncoder } from "./seed_encoding.ts";

/** Encodes a partition's column batches, in order, for one model. */
export interface ColumnEncoder {
  /** The model's encoder. */
  readonly name: EncoderName;
  /** Features per row. */
  readonly featureCount: number;
  /** Features of `columns` (row-major; 64-bit for the seed's encoding), card states advanced. */
  encode(columns: TransactionColumns): Float32Array | Float64Array;
  /**
   * What the batches since the last call added to the cards they changed, in records
   * (`card_state_records.ts`) of at most `cardsPerRecord` cards (none when no card changed, or the
   * encoder is stateless), then forgotten.
   */
  takeChanges(cardsPerRecord: number): Uint8Array[];
  /** Every card's state, in records of at most `cardsPerRecord` cards (none when stateless). */
  snapshot(cardsPerRecord: number): Uint8Array[];
  /**
   * Applies a record of `takeChanges` or `snapshot`, in the order they were made; returns the
   * number of cards in it.
   */
  restore(record: Uint8Array): number;
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
      takeChanges: () => [],
      snapshot: () => [],
      restore: () => 0,
    };
  }
  return { name: encoder.name, featureCount: FEATURE_COUNT, ...cardStateEncoder(encoder.settings) };
}

/** Features from the cards' histories, kept in a typed table (fraudstream's encoder). */
export interface CardStateEncoder {
  /** Features of `columns` (row-major), card states advanced. */
  encode(columns: FeatureColumns): Float32Array;
  /** As `ColumnEncoder.takeChanges`. */
  takeChanges(cardsPerRecord: number): Uint8Array[];
  /** As `ColumnEncoder.snapshot`. */
  snapshot(cardsPerRecord: number): Uint8Array[];
  /** As `ColumnEncoder.restore`. */
  restore(record: Uint8Array): number;
}

/** The encoder of fraudstream's features, with its cards' states in a `CardTable`. */
export function cardStateEncoder(settings: EncoderSettings): CardStateEncoder {
  const table = new CardTable(settings);
  return {
    encode: (columns) => {
      const out = new Float32Array(columns.length * FEATURE_COUNT);
      table.encode(columns, out);
      return out;
    },
    takeChanges: (cardsPerRecord) => {
      checkCardsPerRecord(cardsPerRecord);
      const touched = table.touched();
      const countsBefore = table.countsBefore();
      const records: Uint8Array[] = [];
      for (let from = 0; from < touched.length; from += cardsPerRecord) {
        const to = from + cardsPerRecord;
        records.push(
          encodeCardAppends(table, touched.subarray(from, to), countsBefore.subarray(from, to)),
        );
      }
      table.clearTouched();
      return records;
    },
    snapshot: (cardsPerRecord) => {
      checkCardsPerRecord(cardsPerRecord);
      const records: Uint8Array[] = [];
      for (let from = 0; from < table.size; from += cardsPerRecord) {
        const to = Math.min(table.size, from + cardsPerRecord);
        records.push(encodeCardStates(table, slotRange(from, to)));
      }
      return records;
    },
    restore: (record) => applyCardStates(table, record),
  };
}

function checkCardsPerRecord(cardsPerRecord: number): void {
  if (!(cardsPerRecord >= 1)) {
    throw new RangeError(`a card-state record holds at least 1 card, not ${cardsPerRecord}`);
  }
}
