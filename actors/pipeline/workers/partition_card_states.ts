/**
 * The card states of the partitions a scoring worker computes features for: each partition's
 * table belongs to one incarnation of its partition actor, which restored it (`open`) and is the
 * only one that may encode against it or close it. A worker that restarted holds none: a request
 * for a table it does not hold fails, and its partition actor restores the states again.
 *
 * @module
 */

import type { EncoderSettings } from "../../../model/features.ts";
import { type CardStateEncoder, cardStateEncoder } from "../../../model/row_encoder.ts";

/** The card states of one incarnation of a partition actor. */
export interface CardStatesOwner {
  partition: number;
  /** The partition actor's incarnation (unique among all of them). */
  incarnation: string;
}

/** A request for card states a worker does not hold (it restarted, or a newer owner took them). */
export class CardStatesNotHeldError extends Error {
  override name = "CardStatesNotHeldError";
}

/** Partitions' card-state tables, by partition, each held by one incarnation. */
export class PartitionCardStates {
  readonly #held = new Map<number, { incarnation: string; encoder: CardStateEncoder }>();

  /**
   * A new table for `owner` (replacing any other of its partition), restored from `records` in
   * order; returns the number of cards in them.
   *
   * @throws {StateFormatError} a record that does not fit the settings or the states before it
   * (then the partition holds no table).
   */
  open(owner: CardStatesOwner, settings: EncoderSettings, records: readonly Uint8Array[]): number {
    this.#held.delete(owner.partition);
    const encoder = cardStateEncoder(settings);
    let cards = 0;
    for (const record of records) cards += encoder.restore(record);
    this.#held.set(owner.partition, { incarnation: owner.incarnation, encoder });
    return cards;
  }

  /**
   * The table of `owner`.
   *
   * @throws {CardStatesNotHeldError} when this worker holds no table of that incarnation.
   */
  encoder(owner: CardStatesOwner): CardStateEncoder {
    const held = this.#held.get(owner.partition);
    if (held?.incarnation !== owner.incarnation) {
      throw new CardStatesNotHeldError(
        `this scoring worker holds no card states of partition ${owner.partition} for its actor (the worker restarted, or the partition was restored again since)`,
      );
    }
    return held.encoder;
  }

  /** Drops the table of `owner` (nothing when another incarnation holds the partition's). */
  close(owner: CardStatesOwner): void {
    if (this.#held.get(owner.partition)?.incarnation === owner.incarnation) {
      this.#held.delete(owner.partition);
    }
  }
}
