/**
 * The embedded log: partitioned topics, consumer groups with committed offsets, and transactions,
 * inside one process. It is the default transport of `fraudstream run`, so the demo needs nothing
 * installed, and it keeps Kafka's semantics that the actors rely on: per-partition order,
 * read-committed visibility, offsets committed inside transactions, producer fencing, rebalances.
 *
 * @module
 */

import { FraudstreamError } from "../../lib/errors.ts";
import { partitionForKey } from "../partitioner.ts";
import type {
  ConsumerHandlers,
  ConsumerOptions,
  LogConsumer,
  LogProducer,
  LogRecord,
  LogTransaction,
  OutgoingRecord,
  PartitionBatch,
  TopicPartition,
  TopicSpec,
  TransactionalProducer,
  Transport,
} from "../types.ts";

/** A transactional producer was superseded by a newer one with the same id. */
export class ProducerFencedError extends Error {
  override name = "ProducerFencedError";
  constructor(transactionalId: string) {
    super(`producer '${transactionalId}' was fenced by a newer instance with the same id`);
  }
}

/** A topic that does not exist was used. */
export class UnknownTopicError extends FraudstreamError {
  override name = "UnknownTopicError";
  constructor(topic: string) {
    super(
      `topic '${topic}' does not exist; create it first (fraudstream creates its topics at start)`,
    );
  }
}

/** Settings of the embedded log. */
export interface EmbeddedLogOptions {
  /** Bytes kept per partition before the oldest records are dropped (default 512 MiB). */
  retentionBytes?: number;
}

const RECORD_OVERHEAD = 64;

class PartitionLog {
  records: LogRecord[] = [];
  /** Offset of `records[0]`. */
  start = 0;
  next = 0;
  bytes = 0;
  /** Records dropped by retention. */
  dropped = 0;
  #waiters = new Set<() => void>();

  constructor(readonly compact: boolean, readonly retentionBytes: number) {}

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
    if (this.bytes > this.retentionBytes) this.#enforceRetention();
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

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** One in-process log, shared by every transport opened on it. */
export class EmbeddedLog {
  readonly #topics = new Map<string, PartitionLog[]>();
  readonly #committed = new Map<string, Map<string, number>>();
  readonly #epochs = new Map<string, number>();
  readonly #groups = new Map<string, GroupCoordinator>();
  readonly #retentionBytes: number;

  /** Creates an empty log. */
  constructor(options: EmbeddedLogOptions = {}) {
    this.#retentionBytes = options.retentionBytes ?? 512 * 1024 * 1024;
  }

  /** Creates a topic unless it exists. */
  createTopic(spec: TopicSpec): void {
    if (this.#topics.has(spec.name)) return;
    this.#topics.set(
      spec.name,
      Array.from(
        { length: spec.partitions },
        () => new PartitionLog(spec.compact ?? false, this.#retentionBytes),
      ),
    );
  }

  /** The partitions of a topic. */
  partitionsOf(topic: string): PartitionLog[] {
    const partitions = this.#topics.get(topic);
    if (!partitions) throw new UnknownTopicError(topic);
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
        throw new Error(`partition ${partition} does not exist in topic '${topic}'`);
      }
      let list = byPartition.get(partition);
      if (!list) byPartition.set(partition, list = []);
      list.push(record);
    }
    for (const [partition, list] of byPartition) partitions[partition].append(list, now);
  }

  /** Committed offset of a group on a partition, or -1. */
  committed(groupId: string, topic: string, partition: number): number {
    return this.#committed.get(groupId)?.get(tpKey(topic, partition)) ?? -1;
  }

  /** Records a committed offset. */
  commit(groupId: string, topic: string, partition: number, offset: number): void {
    let group = this.#committed.get(groupId);
    if (!group) this.#committed.set(groupId, group = new Map());
    group.set(tpKey(topic, partition), offset);
  }

  /** Registers a new producer instance for `transactionalId`, fencing older ones; its epoch. */
  fence(transactionalId: string): number {
    const epoch = (this.#epochs.get(transactionalId) ?? 0) + 1;
    this.#epochs.set(transactionalId, epoch);
    return epoch;
  }

  /** Whether `epoch` is still the newest for `transactionalId`. */
  current(transactionalId: string, epoch: number): boolean {
    return this.#epochs.get(transactionalId) === epoch;
  }

  /** The coordinator of a consumer group. */
  group(groupId: string): GroupCoordinator {
    let group = this.#groups.get(groupId);
    if (!group) this.#groups.set(groupId, group = new GroupCoordinator());
    return group;
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

interface Member {
  /** Stops reading the partitions not in `assigned`, after their batches in progress. */
  revoke(assigned: number[]): Promise<void>;
  /** Starts reading the partitions of `assigned` it does not read yet. */
  assign(assigned: number[]): Promise<void>;
}

/** Assigns partitions to the members of a group (range assignment), one rebalance at a time. */
class GroupCoordinator {
  #members: Member[] = [];
  #queue: Promise<void> = Promise.resolve();

  join(member: Member, partitions: number): Promise<void> {
    return this.#serial(() => {
      this.#members.push(member);
      return this.#assign(partitions);
    });
  }

  leave(member: Member, partitions: number): Promise<void> {
    return this.#serial(async () => {
      this.#members = this.#members.filter((m) => m !== member);
      await member.revoke([]);
      await this.#assign(partitions);
    });
  }

  async #assign(partitions: number): Promise<void> {
    const count = this.#members.length;
    const plans = this.#members.map((member, index) => {
      const from = Math.floor((index * partitions) / count);
      const to = Math.floor(((index + 1) * partitions) / count);
      return { member, assigned: Array.from({ length: to - from }, (_, i) => from + i) };
    });
    // Everyone gives up what it loses before anyone takes it over.
    await Promise.all(plans.map((plan) => plan.member.revoke(plan.assigned)));
    await Promise.all(plans.map((plan) => plan.member.assign(plan.assigned)));
  }

  #serial(task: () => Promise<void>): Promise<void> {
    const result = this.#queue.then(task);
    this.#queue = result.catch(() => {});
    return result;
  }
}

/** A transport over an `EmbeddedLog`. */
export class EmbeddedTransport implements Transport {
  readonly kind = "embedded" as const;
  readonly log: EmbeddedLog;

  /** Opens a transport on `log` (a new, private log by default). */
  constructor(log: EmbeddedLog = new EmbeddedLog()) {
    this.log = log;
  }

  ensureTopics(topics: TopicSpec[]): Promise<void> {
    for (const topic of topics) this.log.createTopic(topic);
    return Promise.resolve();
  }

  partitions(topic: string): Promise<number> {
    return Promise.resolve(this.log.partitionsOf(topic).length);
  }

  endOffsets(topic: string): Promise<number[]> {
    return Promise.resolve(this.log.partitionsOf(topic).map((p) => p.next));
  }

  committedOffsets(groupId: string, topic: string): Promise<number[]> {
    return Promise.resolve(
      this.log.partitionsOf(topic).map((_, partition) =>
        this.log.committed(groupId, topic, partition)
      ),
    );
  }

  async *read(
    partition: TopicPartition,
    range: { from: number; to: number },
  ): AsyncIterable<LogRecord[]> {
    const log = this.log.partitionsOf(partition.topic)[partition.partition];
    let from = range.from;
    while (from < range.to) {
      const records = log.read(from, 10_000).filter((r) => r.offset < range.to);
      if (records.length === 0) return;
      yield records;
      from = records[records.length - 1].offset + 1;
    }
  }

  async readTopic(topic: string): Promise<LogRecord[]> {
    const ends = await this.endOffsets(topic);
    const out: LogRecord[] = [];
    for (let partition = 0; partition < ends.length; partition++) {
      for await (
        const records of this.read({ topic, partition }, { from: 0, to: ends[partition] })
      ) {
        out.push(...records);
      }
    }
    return out;
  }

  producer(): Promise<LogProducer> {
    return Promise.resolve({
      send: (topic, records) => {
        this.log.append(topic, records);
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    });
  }

  transactionalProducer(transactionalId: string): Promise<TransactionalProducer> {
    const log = this.log;
    const epoch = log.fence(transactionalId);
    let open = false;
    const check = () => {
      if (!log.current(transactionalId, epoch)) throw new ProducerFencedError(transactionalId);
    };
    return Promise.resolve({
      begin: async () => {
        check();
        if (open) throw new Error(`producer '${transactionalId}' already has an open transaction`);
        open = true;
        const writes: { topic: string; records: OutgoingRecord[] }[] = [];
        const offsets: { groupId: string; partition: TopicPartition; offset: number }[] = [];
        const transaction: LogTransaction = {
          send: async (topic, records) => {
            check();
            log.partitionsOf(topic);
            writes.push({ topic, records });
            await Promise.resolve();
          },
          commitOffset: async (groupId, partition, offset) => {
            check();
            offsets.push({ groupId, partition, offset });
            await Promise.resolve();
          },
          commit: async () => {
            open = false;
            check();
            for (const write of writes) log.append(write.topic, write.records);
            for (const o of offsets) {
              log.commit(o.groupId, o.partition.topic, o.partition.partition, o.offset);
            }
            await Promise.resolve();
          },
          abort: async () => {
            open = false;
            await Promise.resolve();
          },
        };
        return await Promise.resolve(transaction);
      },
      close: () => Promise.resolve(),
    });
  }

  consumer(options: ConsumerOptions): LogConsumer {
    return new EmbeddedConsumer(this.log, options);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

interface PartitionLoop {
  abort: AbortController;
  done: Promise<void>;
  paused: boolean;
  resume?: () => void;
  /** Set by `seek`: where the next batch starts. */
  seekTo?: number;
  /** Ends a wait for new records (a seek must not wait for them). */
  wake?: () => void;
}

class EmbeddedConsumer implements LogConsumer {
  readonly #log: EmbeddedLog;
  readonly #options: ConsumerOptions;
  readonly #loops = new Map<number, PartitionLoop>();
  #handlers?: ConsumerHandlers;
  #failed?: (error: unknown) => void;
  #stopped?: () => void;
  #member?: Member;

  constructor(log: EmbeddedLog, options: ConsumerOptions) {
    this.#log = log;
    this.#options = options;
  }

  run(handlers: ConsumerHandlers): Promise<void> {
    const { topic, groupId } = this.#options;
    const partitions = this.#log.partitionsOf(topic).length;
    this.#handlers = handlers;
    const member: Member = {
      revoke: (assigned) => this.#revoke(assigned),
      assign: (assigned) => this.#assign(assigned),
    };
    this.#member = member;
    const finished = new Promise<void>((resolve, reject) => {
      this.#stopped = resolve;
      this.#failed = reject;
    });
    this.#log.group(groupId).join(member, partitions).catch((error) => {
      this.#failed?.(error);
      this.stop().catch(() => {});
    });
    return finished;
  }

  pause(partition: TopicPartition): void {
    const loop = this.#loops.get(partition.partition);
    if (loop) loop.paused = true;
  }

  resume(partition: TopicPartition): void {
    const loop = this.#loops.get(partition.partition);
    if (!loop) return;
    loop.paused = false;
    loop.resume?.();
  }

  seek(partition: TopicPartition, offset: number): void {
    const loop = this.#loops.get(partition.partition);
    if (!loop) return;
    loop.seekTo = offset;
    loop.wake?.();
  }

  async stop(): Promise<void> {
    const member = this.#member;
    if (!member) return;
    this.#member = undefined;
    const { topic, groupId } = this.#options;
    await this.#log.group(groupId).leave(member, this.#log.partitionsOf(topic).length);
    this.#stopped?.();
  }

  async #revoke(assigned: number[]): Promise<void> {
    const { topic } = this.#options;
    const revoked = [...this.#loops.keys()].filter((p) => !assigned.includes(p));
    for (const partition of revoked) this.#loops.get(partition)!.abort.abort();
    await Promise.all(revoked.map((partition) => this.#loops.get(partition)!.done));
    for (const partition of revoked) this.#loops.delete(partition);
    if (revoked.length > 0) {
      await this.#handlers?.onRevoke?.(revoked.map((partition) => ({ topic, partition })));
    }
  }

  async #assign(assigned: number[]): Promise<void> {
    const { topic } = this.#options;
    const added = assigned.filter((p) => !this.#loops.has(p));
    if (added.length === 0) return;
    await this.#handlers?.onAssign?.(added.map((partition) => ({ topic, partition })));
    for (const partition of added) this.#startLoop(partition);
  }

  #startLoop(partition: number): void {
    const loop: PartitionLoop = {
      abort: new AbortController(),
      done: Promise.resolve(),
      paused: false,
    };
    this.#loops.set(partition, loop);
    loop.done = this.#consume(partition, loop).catch((error) => {
      this.#failed?.(error);
      this.stop().catch(() => {});
    });
  }

  async #consume(partition: number, loop: PartitionLoop): Promise<void> {
    const { topic, groupId, fromBeginning = true, maxBatchRecords = 10_000 } = this.#options;
    const log = this.#log.partitionsOf(topic)[partition];
    const committed = this.#log.committed(groupId, topic, partition);
    let position = committed >= 0 ? committed : fromBeginning ? log.start : log.next;
    const signal = loop.abort.signal;
    while (!signal.aborted) {
      if (loop.paused) {
        await new Promise<void>((resolve) => {
          loop.resume = resolve;
          signal.addEventListener("abort", () => resolve(), { once: true });
        });
        continue;
      }
      if (loop.seekTo !== undefined) {
        position = loop.seekTo;
        loop.seekTo = undefined;
      }
      if (position < log.start && !log.compact) position = log.start;
      const records = log.read(position, maxBatchRecords);
      if (records.length === 0) {
        if (loop.seekTo !== undefined) continue;
        const woken = new AbortController();
        loop.wake = () => woken.abort();
        await log.waitFor(position, AbortSignal.any([signal, woken.signal]));
        loop.wake = undefined;
        continue;
      }
      const batch: PartitionBatch = {
        topic,
        partition,
        records,
        fetchedOffset: position,
        nextOffset: records[records.length - 1].offset + 1,
        highWatermark: log.next,
      };
      await this.#handlers!.eachBatch(batch);
      if (loop.seekTo === undefined) position = records[records.length - 1].offset + 1;
    }
  }
}
