/**
 * The storage of the embedded log: topics of partitions, each an append-only list of records with
 * offsets, retention by size, and compaction (the latest record per key) for compacted topics.
 *
 * @module
 */

import { partitionForKey } from "../partitioner.ts";
import { LogError, type LogRecord, type OutgoingRecord, type TopicSpec } from "../types.ts";

/** Settings of the embedded log. */
export interface EmbeddedLogOptions {
  /** Bytes kept per partition before the oldest records are dropped (default 512 MiB). */
  retentionBytes?: number;
  /**
   * Bytes kept per partition of the topics named, in place of `retentionBytes` (Kafka's
   * `retention.bytes` of a topic): for topics a process writes and nothing reads, such as `run`'s
   * alerts and scores, whose memory would otherwise grow to the retention of every partition.
   */
  topicRetentionBytes?: ReadonlyMap<string, number>;
  /**
   * Drop the records of a topic (not compacted) once every consumer group that committed on its
   * partition has committed past them: for a log only its own pipeline reads (`run`), whose
   * memory then follows what is not yet scored, not all that ever went through.
   */
  dropConsumed?: boolean;
}

const RECORD_OVERHEAD = 64;

/** Bytes a compacted partition may hold before it is compacted at all. */
const COMPACTION_FLOOR_BYTES = 16 * 1024 * 1024;

/** One partition: its records, and waiters for new ones. */
export class PartitionLog {
  records: LogRecord[] = [];
  /** Offset of `records[0]`. */
  start = 0;
  next = 0;
  bytes = 0;
  /** Records dropped by retention (and by compaction). */
  dropped = 0;
  /** Bytes a compacted partition held after its last compaction. */
  #compactedBytes = 0;
  #waiters = new Set<() => void>();

  /** An empty partition; `compact` keeps only the latest record per key past retention. */
  constructor(readonly compact: boolean, readonly retentionBytes: number) {}

  /** Appends records with the next offsets and wakes the readers waiting for them. */
  append(records: OutgoingRecord[], now: number): void {
    for (const record of records) {
      this.records.push({
        offset: this.next++,
        key: record.key,
        value: record.value,
        headers: record.headers ?? {},
        timestamp: now,
      });
      this.bytes += record.value.byteLength + (record.key?.length ?? 0) + RECORD_OVERHEAD;
    }
    if (this.bytes > this.retentionBytes || this.#dirty()) this.#enforceRetention();
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  /** Records with offset >= `from`, at most `max` of them. */
  read(from: number, max: number): LogRecord[] {
    if (this.compact) {
      const first = lowerBound(this.records, from);
      return this.records.slice(first, first + max);
    }
    const index = Math.max(0, from - this.start);
    return this.records.slice(index, index + max);
  }

  /** Resolves when a record at or after `offset` exists, or the signal aborts. */
  waitFor(offset: number, signal: AbortSignal): Promise<void> {
    if (this.next > offset || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        signal.removeEventListener("abort", wake);
        this.#waiters.delete(wake);
        resolve();
      };
      this.#waiters.add(wake);
      signal.addEventListener("abort", wake, { once: true });
    });
  }

  /** Drops the records before `offset` (not in a compacted partition: it keeps its latest). */
  dropBefore(offset: number): void {
    if (this.compact) return;
    const drop = Math.min(this.records.length, offset - this.start);
    if (drop <= 0) return;
    for (let i = 0; i < drop; i++) {
      const record = this.records[i];
      this.bytes -= record.value.byteLength + (record.key?.length ?? 0) + RECORD_OVERHEAD;
    }
    this.records = this.records.slice(drop);
    this.start += drop;
  }

  /**
   * Whether a compacted partition is due for compaction: at least half of what it holds was
   * written since the last one (Kafka's default `min.cleanable.dirty.ratio`), and it holds more
   * than `COMPACTION_FLOOR_BYTES`. Without it, a partition whose keys are rewritten all the time
   * (card-state deltas and seen-id segments) grows to the retention size, gigabytes in `run`.
   */
  #dirty(): boolean {
    return this.compact && this.bytes > COMPACTION_FLOOR_BYTES &&
      this.bytes > 2 * this.#compactedBytes;
  }

  #enforceRetention(): void {
    if (this.compact) {
      const latest = new Map<string | null, number>();
      this.records.forEach((record, index) => latest.set(record.key, index));
      const kept = this.records.filter((record, index) => latest.get(record.key) === index);
      this.dropped += this.records.length - kept.length;
      this.records = kept;
      this.bytes = kept.reduce(
        (sum, r) => sum + r.value.byteLength + (r.key?.length ?? 0) + RECORD_OVERHEAD,
        0,
      );
      this.#compactedBytes = this.bytes;
      return;
    }
    let drop = 0;
    while (this.bytes > this.retentionBytes * 0.9 && drop < this.records.length) {
      const record = this.records[drop++];
      this.bytes -= record.value.byteLength + (record.key?.length ?? 0) + RECORD_OVERHEAD;
    }
    this.records = this.records.slice(drop);
    this.start += drop;
    this.dropped += drop;
  }
}

function lowerBound(records: LogRecord[], offset: number): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (records[mid].offset < offset) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The topics of one embedded log. */
export class LogStorage {
  readonly #topics = new Map<string, PartitionLog[]>();
  readonly #retentionBytes: number;
  readonly #topicRetentionBytes: ReadonlyMap<string, number>;
  /** Whether consumed records are dropped (`EmbeddedLogOptions.dropConsumed`). */
  readonly dropConsumed: boolean;

  /** Empty storage. */
  constructor(options: EmbeddedLogOptions = {}) {
    this.#retentionBytes = options.retentionBytes ?? 512 * 1024 * 1024;
    this.#topicRetentionBytes = options.topicRetentionBytes ?? new Map();
    this.dropConsumed = options.dropConsumed ?? false;
  }

  /** Creates a topic unless it exists. */
  createTopic(spec: TopicSpec): void {
    if (this.#topics.has(spec.name)) return;
    const retentionBytes = this.#topicRetentionBytes.get(spec.name) ?? this.#retentionBytes;
    this.#topics.set(
      spec.name,
      Array.from(
        { length: spec.partitions },
        () => new PartitionLog(spec.compact ?? false, retentionBytes),
      ),
    );
  }

  /** The partitions of a topic. */
  partitionsOf(topic: string): PartitionLog[] {
    const partitions = this.#topics.get(topic);
    if (!partitions) {
      throw new LogError(
        "unknown_topic",
        `topic '${topic}' does not exist; create it first (fraudstream creates its topics at start)`,
      );
    }
    return partitions;
  }

  /** Appends records, each to its explicit or key-derived partition. */
  append(topic: string, records: OutgoingRecord[]): void {
    const partitions = this.partitionsOf(topic);
    const now = Date.now();
    if (partitions.length === 1) {
      partitions[0].append(records, now);
      return;
    }
    const byPartition = new Map<number, OutgoingRecord[]>();
    for (const record of records) {
      const partition = record.partition ??
        (record.key === null ? 0 : partitionForKey(record.key, partitions.length));
      if (partition < 0 || partition >= partitions.length) {
        throw new LogError(
          "unknown_topic",
          `partition ${partition} does not exist in topic '${topic}'`,
        );
      }
      let list = byPartition.get(partition);
      if (!list) byPartition.set(partition, list = []);
      list.push(record);
    }
    for (const [partition, list] of byPartition) partitions[partition].append(list, now);
  }

  /** Bytes the partitions of `topic` hold (values, keys and a per-record overhead). */
  heldBytes(topic: string): number {
    return (this.#topics.get(topic) ?? []).reduce((sum, partition) => sum + partition.bytes, 0);
  }

  /** Records dropped by retention, over all partitions. */
  droppedRecords(): number {
    let dropped = 0;
    for (const partitions of this.#topics.values()) {
      for (const partition of partitions) if (!partition.compact) dropped += partition.dropped;
    }
    return dropped;
  }
}
