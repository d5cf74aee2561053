/**
 * A partition's card states on the compacted `card-state` topic, as deltas and snapshots: each
 * committed batch writes what it added to the cards it changed (its delta: their new totals and the
 * transactions added, `card_state_records.ts`), and every `SNAPSHOT_EVERY_DELTAS` delta records or
 * `SNAPSHOT_EVERY_MS` a batch writes the states of all the partition's cards instead (a snapshot).
 * A restore applies the latest complete snapshot and the deltas written after it, each to the
 * states it was made from (a delta that does not follow them is refused).
 *
 * Keys (after the pipeline's card-state scope) and headers:
 *
 * | record | key | headers |
 * |---|---|---|
 * | snapshot chunk `i` of `n` | `snapshot/<i>` | `epoch`, `chunks` (`n`), `offset` |
 * | delta number `seq` | `delta/<seq>` | `epoch`, `offset` |
 *
 * Every snapshot starts a new epoch (the first snapshot is epoch 1; epoch 0 starts from no card),
 * written whole in the batch's transaction; deltas are numbered from 0 in each epoch, and a
 * restarted partition goes on with the restored epoch's next number. So
 * compaction, which keeps the last record of each key, keeps at most about
 * `SNAPSHOT_EVERY_DELTAS` delta keys and the chunk keys of the largest snapshot, and the restore
 * reads the records as compaction would leave them: per key the last one, then the highest epoch
 * whose snapshot chunks are all there, its chunks, and that epoch's deltas in order; records of
 * older epochs are ignored. Keys of other forms (the per-card records of older fraudstream
 * versions, the seen-id segments) are not card-state records here: the partition actor restores
 * the seen ids itself, and ignores the old per-card records.
 *
 * @module
 */

import type { OutgoingRecord } from "../../log/types.ts";

/** Delta records after which a batch writes a snapshot instead of its delta. */
export const SNAPSHOT_EVERY_DELTAS = 256;
/** Time after which a batch writes a snapshot instead of its delta, in ms. */
export const SNAPSHOT_EVERY_MS = 30_000;

/** When a partition writes a snapshot (the constants above, unless a test asks otherwise). */
export interface SnapshotPolicy {
  /** Delta records of an epoch after which the next batch writes a snapshot. */
  everyDeltas: number;
  /** Time since the last snapshot (or the restore) after which it does, in ms. */
  everyMs: number;
}

/** The snapshot policy of the running pipeline. */
export const SNAPSHOT_POLICY: SnapshotPolicy = {
  everyDeltas: SNAPSHOT_EVERY_DELTAS,
  everyMs: SNAPSHOT_EVERY_MS,
};

/** Where a partition's card-state records stand: the current epoch and its next delta number. */
export interface CardStatePosition {
  epoch: number;
  seq: number;
}

const SNAPSHOT_KEY = "snapshot/";
const DELTA_KEY = "delta/";

/** Card-state records that contradict each other, or a header that cannot be read. */
export class CardStateLogError extends Error {
  override name = "CardStateLogError";
}

/** A record read back, as `CardStateRestore` keeps it. */
interface Kept {
  epoch: number;
  /** Chunks of its snapshot (snapshot records only). */
  chunks: number;
  value: Uint8Array;
}

/**
 * The card-state records of one partition read back in offset order, reduced to what to apply:
 * `add` each record, then `finish`.
 */
export class CardStateRestore {
  readonly #snapshots = new Map<number, Kept>();
  readonly #deltas = new Map<number, Kept>();

  /**
   * Takes a record whose key, after the pipeline's scope, is `key`; returns false, taking
   * nothing, when the key is not a snapshot or delta key.
   *
   * @throws {CardStateLogError} a snapshot or delta record whose headers cannot be read.
   */
  add(key: string, value: Uint8Array, headers: Record<string, string>): boolean {
    const snapshot = key.startsWith(SNAPSHOT_KEY);
    if (!snapshot && !key.startsWith(DELTA_KEY)) return false;
    const index = count(key.slice(snapshot ? SNAPSHOT_KEY.length : DELTA_KEY.length));
    if (index === undefined) return false;
    const epoch = count(headers.epoch);
    const chunks = snapshot ? count(headers.chunks) : 0;
    if (epoch === undefined || chunks === undefined || (snapshot && index >= chunks)) {
      throw new CardStateLogError(
        `card-state record '${key}' has unreadable headers (epoch '${headers.epoch}'${
          snapshot ? `, chunks '${headers.chunks}'` : ""
        })`,
      );
    }
    (snapshot ? this.#snapshots : this.#deltas).set(index, { epoch, chunks, value });
    return true;
  }

  /**
   * The records to apply, in order (the chunks of the latest complete snapshot, then its epoch's
   * deltas by number), and the position the partition continues from.
   *
   * @throws {CardStateLogError} deltas of the chosen epoch with a gap in their numbers, or of a
   * later epoch than any complete snapshot.
   */
  finish(): { records: Uint8Array[]; position: CardStatePosition } {
    const epoch = this.#latestCompleteEpoch();
    const records: Uint8Array[] = [];
    if (epoch > 0) {
      const chunks = this.#snapshots.get(0)!.chunks;
      for (let i = 0; i < chunks; i++) records.push(this.#snapshots.get(i)!.value);
    }
    const deltas: [number, Uint8Array][] = [];
    for (const [seq, kept] of this.#deltas) {
      if (kept.epoch > epoch) {
        throw new CardStateLogError(
          `card-state delta ${seq} of epoch ${kept.epoch} has no complete snapshot (latest: epoch ${epoch})`,
        );
      }
      if (kept.epoch === epoch) deltas.push([seq, kept.value]);
    }
    deltas.sort((a, b) => a[0] - b[0]);
    deltas.forEach(([seq, value], i) => {
      if (seq !== i) {
        throw new CardStateLogError(`card-state delta ${i} of epoch ${epoch} is missing`);
      }
      records.push(value);
    });
    return { records, position: { epoch, seq: deltas.length } };
  }

  /** The highest epoch whose snapshot chunks are all kept (0: none, the empty start). */
  #latestCompleteEpoch(): number {
    let latest = 0;
    for (const { epoch, chunks } of this.#snapshots.values()) {
      if (epoch <= latest) continue;
      let complete = true;
      for (let i = 0; i < chunks && complete; i++) {
        const chunk = this.#snapshots.get(i);
        complete = chunk !== undefined && chunk.epoch === epoch && chunk.chunks === chunks;
      }
      if (complete) latest = epoch;
    }
    return latest;
  }
}

/**
 * Decides, batch by batch, what a partition writes of its card states: the batch's delta, or a
 * snapshot when one is due, keyed and numbered as the module documentation says.
 */
export class CardStateWriter {
  readonly #scope: string;
  readonly #partition: number;
  readonly #policy: SnapshotPolicy;
  #position: CardStatePosition;
  #snapshotAt: number;
  /** What the last `records` call moves to once its batch commits. */
  #pending?: { position: CardStatePosition; snapshotAt: number };

  /** A writer continuing from `position` (as restored) under the pipeline's `scope`. */
  constructor(
    options: {
      scope: string;
      partition: number;
      position: CardStatePosition;
      policy?: SnapshotPolicy;
      /** The time to count the first snapshot's delay from (default now). */
      now?: number;
    },
  ) {
    this.#scope = options.scope;
    this.#partition = options.partition;
    this.#policy = options.policy ?? SNAPSHOT_POLICY;
    this.#position = { ...options.position };
    this.#snapshotAt = options.now ?? Date.now();
  }

  /** Where the committed records stand. */
  get position(): CardStatePosition {
    return { ...this.#position };
  }

  /**
   * The card-state records of a batch: its `delta` (the states of the cards it changed, in
   * records; none when it changed none, and then nothing is written) or, when a snapshot is due,
   * `snapshot()` (every card's state, in records). Counted once `committed` is called; `offset`
   * (the batch's last) goes in a header.
   */
  records(
    delta: Uint8Array[],
    snapshot: () => Uint8Array[],
    details: { offset: number; now?: number },
  ): OutgoingRecord[] {
    this.#pending = undefined;
    if (delta.length === 0) return [];
    const now = details.now ?? Date.now();
    const { epoch, seq } = this.#position;
    const offset = String(details.offset);
    const chunks = this.snapshotDue(now) ? snapshot() : [];
    if (chunks.length > 0) {
      const headers = { epoch: String(epoch + 1), chunks: String(chunks.length), offset };
      this.#pending = { position: { epoch: epoch + 1, seq: 0 }, snapshotAt: now };
      return chunks.map((value, i) => this.#record(`${SNAPSHOT_KEY}${i}`, value, headers));
    }
    this.#pending = { position: { epoch, seq: seq + delta.length }, snapshotAt: this.#snapshotAt };
    const headers = { epoch: String(epoch), offset };
    return delta.map((value, i) => this.#record(`${DELTA_KEY}${seq + i}`, value, headers));
  }

  /**
   * Whether a batch that changes card states at `now` writes a snapshot (so that its scorer can
   * be asked for one with the batch).
   */
  snapshotDue(now = Date.now()): boolean {
    const { seq } = this.#position;
    return seq >= this.#policy.everyDeltas ||
      (seq > 0 && now - this.#snapshotAt >= this.#policy.everyMs);
  }

  /** The records of the last `records` call were committed. */
  committed(): void {
    if (!this.#pending) return;
    this.#position = this.#pending.position;
    this.#snapshotAt = this.#pending.snapshotAt;
    this.#pending = undefined;
  }

  #record(key: string, value: Uint8Array, headers: Record<string, string>): OutgoingRecord {
    return { key: this.#scope + key, value, partition: this.#partition, headers };
  }
}

/** A non-negative integer written in decimal, or undefined. */
function count(text: string | undefined): number | undefined {
  if (text === undefined || !/^(0|[1-9][0-9]{0,14})$/.test(text)) return undefined;
  return Number(text);
}
