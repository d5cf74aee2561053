/**
 * The card states of one partition (online) or of a whole data set (training replay): a fixed-size
 * record per card, encoded to compact bytes for snapshots and restored from them.
 *
 * @module
 */

import {
  emptyState,
  encodeInto,
  type EncoderSettings,
  FEATURE_COUNT,
  featureInput,
  stateLength,
} from "./features.ts";
import type { Transaction } from "./schema.ts";

/** A snapshot that does not fit the encoder settings. */
export class StateFormatError extends Error {
  override name = "StateFormatError";
}

const SNAPSHOT_VERSION = 1;
const HEADER_DOUBLES = 7;
const HISTORY_FIELDS = 3;

/** Card states keyed by card number. */
export class CardStates {
  readonly settings: EncoderSettings;
  readonly #states = new Map<string, Float64Array>();

  /** Creates an empty store for the given encoder settings. */
  constructor(settings: EncoderSettings) {
    this.settings = settings;
  }

  /** Number of cards known. */
  get size(): number {
    return this.#states.size;
  }

  /** The state of `card`, created empty when unknown. */
  get(card: string): Float64Array {
    let state = this.#states.get(card);
    if (!state) this.#states.set(card, state = emptyState(this.settings));
    return state;
  }

  /** Replaces the state of `card` with a snapshot. */
  restore(card: string, snapshot: Uint8Array): void {
    this.#states.set(card, decodeState(snapshot, this.settings));
  }

  /** The snapshot of `card`'s state. */
  snapshot(card: string): Uint8Array {
    return encodeState(this.get(card), this.settings);
  }

  /**
   * Encodes `rows` in order (row-major, `FEATURE_COUNT` values per row), updating the states;
   * returns the features and the cards the rows touched.
   */
  encode(rows: Transaction[]): { features: Float32Array; touched: Set<string> } {
    const features = new Float32Array(rows.length * FEATURE_COUNT);
    const touched = new Set<string>();
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i];
      encodeInto(
        featureInput(row),
        this.get(row.cc_num),
        this.settings,
        features,
        i * FEATURE_COUNT,
      );
      touched.add(row.cc_num);
    }
    return { features, touched };
  }
}

/**
 * Encodes a state compactly: version, history size, the header values, then only the history
 * entries that hold a transaction.
 */
export function encodeState(state: Float64Array, settings: EncoderSettings): Uint8Array {
  const size = settings.historySize;
  const filled = Math.min(state[0], size);
  const bytes = new Uint8Array(4 + HEADER_DOUBLES * 8 + filled * 8 * HISTORY_FIELDS);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, SNAPSHOT_VERSION);
  view.setUint16(2, size);
  for (let i = 0; i < HEADER_DOUBLES; i++) view.setFloat64(4 + i * 8, state[i]);
  let at = 4 + HEADER_DOUBLES * 8;
  for (let i = 0; i < filled; i++) {
    for (let k = 0; k < HISTORY_FIELDS; k++) {
      view.setFloat64(at, state[HEADER_DOUBLES + k * size + i]);
      at += 8;
    }
  }
  return bytes;
}

/** Decodes a snapshot made by `encodeState` with the same settings. */
export function decodeState(bytes: Uint8Array, settings: EncoderSettings): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4 + HEADER_DOUBLES * 8) {
    throw new StateFormatError("card state snapshot is truncated");
  }
  const version = view.getUint16(0);
  const size = view.getUint16(2);
  if (version !== SNAPSHOT_VERSION || size !== settings.historySize) {
    throw new StateFormatError(
      `card state snapshot version ${version} with history ${size} does not fit this model (history ${settings.historySize})`,
    );
  }
  const state = new Float64Array(stateLength(settings));
  for (let i = 0; i < HEADER_DOUBLES; i++) state[i] = view.getFloat64(4 + i * 8);
  const filled = Math.min(state[0], size);
  if (bytes.byteLength !== 4 + HEADER_DOUBLES * 8 + filled * 8 * HISTORY_FIELDS) {
    throw new StateFormatError("card state snapshot has the wrong length");
  }
  let at = 4 + HEADER_DOUBLES * 8;
  for (let i = 0; i < filled; i++) {
    for (let k = 0; k < HISTORY_FIELDS; k++) {
      state[HEADER_DOUBLES + k * size + i] = view.getFloat64(at);
      at += 8;
    }
  }
  return state;
}
