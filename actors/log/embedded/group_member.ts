/**
 * A consumer-group member of the embedded log: one loop per assigned partition, reading batches
 * from the committed offset on, with pause, resume and seek.
 *
 * @module
 */

import type {
  ConsumerHandlers,
  ConsumerOptions,
  LogConsumer,
  PartitionBatch,
  TopicPartition,
} from "../types.ts";
import type { EmbeddedCoordinator, GroupMember } from "./coordinator.ts";
import type { LogStorage } from "./storage.ts";

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

/** A member of a consumer group of the embedded log. */
export class EmbeddedGroupMember implements LogConsumer {
  readonly #storage: LogStorage;
  readonly #coordinator: EmbeddedCoordinator;
  readonly #options: ConsumerOptions;
  readonly #loops = new Map<number, PartitionLoop>();
  #handlers?: ConsumerHandlers;
  #failed?: (error: unknown) => void;
  #stopped?: () => void;
  #member?: GroupMember;

  /** A member of `options.groupId`; it joins on `run`. */
  constructor(
    log: { storage: LogStorage; coordinator: EmbeddedCoordinator },
    options: ConsumerOptions,
  ) {
    this.#storage = log.storage;
    this.#coordinator = log.coordinator;
    this.#options = options;
  }

  run(handlers: ConsumerHandlers): Promise<void> {
    const { topic, groupId } = this.#options;
    let partitions: number;
    try {
      partitions = this.#storage.partitionsOf(topic).length;
    } catch (error) {
      return Promise.reject(error);
    }
    this.#handlers = handlers;
    const member: GroupMember = {
      revoke: (assigned) => this.#revoke(assigned),
      assign: (assigned) => this.#assign(assigned),
    };
    this.#member = member;
    const finished = new Promise<void>((resolve, reject) => {
      this.#stopped = resolve;
      this.#failed = reject;
    });
    this.#coordinator.group(groupId).join(member, partitions).catch((error) => {
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
    await this.#coordinator.group(groupId).leave(
      member,
      this.#storage.partitionsOf(topic).length,
    );
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
    const log = this.#storage.partitionsOf(topic)[partition];
    const committed = this.#coordinator.committed(groupId, topic, partition);
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
