/**
 * A consumer-group member over @platformatic/kafka: the client's consumer keeps the membership
 * (join, sync, heartbeats on their own timer, rejoins), and the member fetches its partitions
 * itself (`fetcher.ts`), so batches, pauses and seeks are per partition: a partition is not
 * fetched while its batch is handled, while it is paused or while a fetch of it is under way, and
 * a fetch that was under way when a seek came is dropped, so a seek is always honoured. Each
 * leader's fetch goes on its own: a node gone stalls only the partitions it led.
 *
 * @module
 */

import { Consumer, type ConsumerGroupJoinPayload } from "@platformatic/kafka";
import { delay, retry, UnderWay } from "../../lib/async.ts";
import type { KafkaConnection } from "../kafka/client.ts";
import {
  type ConsumerHandlers,
  type ConsumerOptions,
  type LogConsumer,
  LogError,
  type TopicPartition,
} from "../types.ts";
import type { PlatformaticAdmin } from "./admin.ts";
import { platformaticOptions } from "./client.ts";
import { platformaticLogError } from "./errors.ts";
import { type FetchRound, PartitionFetcher } from "./fetcher.ts";

/**
 * Fetch failures a member rides out (a leader election, say: up to the brokers' 9 s session
 * timeout by default, then the election): a partition whose leader failed is fetched again after
 * `delayMs`, and the member fails once a partition's fetches have failed without a success for
 * `giveUpMs`.
 */
const FETCH_FAILURES = { delayMs: 500, giveUpMs: 30_000 };
/** How long a partition's committed offset may stay unstable (a transaction still open). */
const STABLE_OFFSETS = { attempts: 60, delayMs: 500 };

/** A consumer-group member over @platformatic/kafka; failures of the log are `LogError`s. */
export class PlatformaticGroupMember implements LogConsumer {
  readonly #consumer: Consumer;
  readonly #admin: PlatformaticAdmin;
  readonly #options: ConsumerOptions;
  readonly #brokers: string[];
  #assigned = new Set<number>();
  /** Next offset to fetch, per assigned partition whose start is known. */
  readonly #positions = new Map<number, number>();
  readonly #paused = new Set<number>();
  /** Partitions with a fetch under way. */
  readonly #inFetch = new Set<number>();
  /** The fetches under way. */
  readonly #fetches = new UnderWay();
  /** Per partition whose last fetch failed: since when its fetches fail, and when to try again. */
  readonly #failing = new Map<number, { since: number; retryAt: number }>();
  /** Per partition: the handling of its batch under way. */
  readonly #handling = new Map<number, Promise<void>>();
  /** Per partition: seeks made so far (a fetch started before one is dropped). */
  readonly #seeks = new Map<number, number>();
  #rebalance: Promise<void> = Promise.resolve();
  #stopping = false;
  #failure: { error: unknown } | undefined;
  #stopped?: Promise<void>;

  /** A member of `options.groupId` over `connection`; it joins on `run`. */
  constructor(connection: KafkaConnection, admin: PlatformaticAdmin, options: ConsumerOptions) {
    this.#options = options;
    this.#admin = admin;
    this.#brokers = connection.brokers;
    this.#consumer = new Consumer({
      ...platformaticOptions(connection),
      groupId: options.groupId,
      autocommit: false,
      sessionTimeout: 10_000,
      rebalanceTimeout: 30_000,
      heartbeatInterval: 1000,
    });
  }

  run(handlers: ConsumerHandlers): Promise<void> {
    const running = this.#run(handlers);
    this.#stopped = running.then(() => {}, () => {});
    return running;
  }

  async #run(handlers: ConsumerHandlers): Promise<void> {
    const consumer = this.#consumer;
    const fail = (error: unknown) => {
      this.#failure ??= { error };
    };
    const run = { handlers, fail };
    const fetcher = new PartitionFetcher(consumer, this.#options.topic, {
      maxRecords: this.#options.maxBatchRecords ?? 10_000,
      maxWaitMs: 100,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
    });
    consumer.on("consumer:group:join", (payload) => this.#onJoin(handlers, payload, fail));
    // A rejoin that failed for good: the client schedules no more heartbeats.
    consumer.on("error", fail);
    try {
      await consumer.joinGroup({});
      while (!this.#stopping && !this.#failure) {
        await this.#rebalance;
        const positions = this.#fetchable();
        const seeks = new Map(this.#seeks);
        // The round waits for the fetches of healthy leaders, so that the next one asks each
        // leader for every partition freed meanwhile; a fetch of partitions whose leader failed
        // goes on on its own, as it may take the client's retries to fail again.
        const round: Promise<void>[] = [];
        if (positions.size > 0) {
          try {
            for (const { partitions, round: fetched } of await fetcher.fetchEach(positions)) {
              const failing = partitions.some((partition) => this.#failing.has(partition));
              for (const partition of partitions) this.#inFetch.add(partition);
              const fetch = this.#fetches.track(
                fetched.then((answer) => this.#take(answer, seeks, run)).catch(fail),
              );
              if (!failing) round.push(fetch);
            }
          } catch (error) {
            const partitions = [...positions.keys()];
            this.#take({ partitions, fetched: [], failed: partitions, error }, seeks, run);
          }
        }
        if (round.length > 0) await Promise.all(round);
        // Nothing to fetch now: every partition handled, paused, waiting or being fetched.
        else await delay(10);
      }
    } catch (error) {
      fail(error);
    }
    await this.#fetches.settled();
    await Promise.allSettled(this.#handling.values());
    // Leaving is a courtesy (the session would expire): its failure is not the member's.
    await new Promise<void>((resolve) => consumer.leaveGroup(false, () => resolve()));
    await consumer.close(true).catch(() => {});
    if (this.#failure) throw platformaticLogError(this.#failure.error, this.#brokers);
  }

  /**
   * Positions of the partitions to fetch now: assigned and started, not paused, handled or being
   * fetched, and not waiting to try a failed leader again.
   */
  #fetchable(): Map<number, number> {
    const out = new Map<number, number>();
    const now = performance.now();
    for (const [partition, offset] of this.#positions) {
      if (
        this.#paused.has(partition) || this.#handling.has(partition) ||
        this.#inFetch.has(partition) || (this.#failing.get(partition)?.retryAt ?? 0) > now
      ) continue;
      out.set(partition, offset);
    }
    return out;
  }

  /**
   * Hands on what a fetch brought (`seeks`: the seeks made when it started) to the run's
   * handlers, takes note of the partitions it failed (a failure that is not to be ridden out
   * fails the run), and frees its partitions for the next fetch.
   */
  #take(
    round: FetchRound,
    seeks: Map<number, number>,
    { handlers, fail }: { handlers: ConsumerHandlers; fail: (error: unknown) => void },
  ): void {
    const now = performance.now();
    for (const partition of round.partitions) {
      if (!round.failed.includes(partition)) this.#failing.delete(partition);
    }
    if (round.failed.length > 0) {
      const failure = platformaticLogError(round.error, this.#brokers);
      if (!(failure instanceof LogError && failure.retriable)) fail(failure);
      for (const partition of round.failed) {
        const since = this.#failing.get(partition)?.since ?? now;
        if (now - since >= FETCH_FAILURES.giveUpMs) fail(failure);
        this.#failing.set(partition, { since, retryAt: now + FETCH_FAILURES.delayMs });
      }
    }
    for (const result of round.fetched) {
      const { partition } = result;
      // Taken away, paused or moved by a seek while the fetch was under way (a paused
      // partition's records are fetched again once it is resumed).
      if (
        !this.#assigned.has(partition) || this.#paused.has(partition) ||
        this.#seeks.get(partition) !== seeks.get(partition)
      ) {
        continue;
      }
      this.#positions.set(partition, result.nextOffset);
      this.#handling.set(
        partition,
        handlers.eachBatch({ topic: this.#options.topic, ...result })
          .catch(fail)
          .finally(() => this.#handling.delete(partition)),
      );
    }
    for (const partition of round.partitions) this.#inFetch.delete(partition);
  }

  /** A new assignment: revokes what was taken away, starts what was added (in order). */
  #onJoin(
    handlers: ConsumerHandlers,
    payload: ConsumerGroupJoinPayload,
    fail: (error: unknown) => void,
  ): void {
    const { topic } = this.#options;
    const next = new Set(
      (payload.assignments ?? []).filter((a) => a.topic === topic).flatMap((a) => a.partitions),
    );
    this.#rebalance = this.#rebalance.then(async () => {
      const revoked = [...this.#assigned].filter((p) => !next.has(p));
      const added = [...next].filter((p) => !this.#assigned.has(p));
      this.#assigned = next;
      for (const partition of [...revoked, ...added]) {
        this.#positions.delete(partition);
        this.#failing.delete(partition);
        // A fetch still under way from before is dropped, as after a seek.
        this.#seeks.set(partition, (this.#seeks.get(partition) ?? 0) + 1);
      }
      if (revoked.length > 0) {
        // After the last batch of each revoked partition has been handled.
        await Promise.allSettled(revoked.map((p) => this.#handling.get(p)));
        await handlers.onRevoke?.(revoked.map((partition) => ({ topic, partition })));
      }
      if (added.length > 0) {
        // Told first: a new owner fences the partition's old one (its transactional producer),
        // which ends the transaction an old owner cut off from the log left open; its pending
        // offset commit would hold up the stable offsets below until its timeout.
        await handlers.onAssign?.(added.map((partition) => ({ topic, partition })));
        const starts = await this.#starts();
        for (const partition of added) {
          // A seek made meanwhile (by a partition's owner) stands.
          if (!this.#positions.has(partition)) this.#positions.set(partition, starts[partition]);
        }
      }
    }).catch(fail);
  }

  /**
   * Where each partition starts: its committed offset, once no open transaction is committing one
   * (else the beginning or the end of the partition, as asked).
   */
  async #starts(): Promise<number[]> {
    const { groupId, topic, fromBeginning = true } = this.#options;
    const committed = await retry(
      () => this.#admin.committedOffsets(groupId, topic, { stable: true }),
      {
        isRetriable: (error) => error instanceof LogError && error.retriable,
        maxAttempts: STABLE_OFFSETS.attempts,
        backoff: { initialMs: STABLE_OFFSETS.delayMs, maxMs: STABLE_OFFSETS.delayMs },
      },
    );
    if (committed.every((offset) => offset >= 0)) return committed;
    const fallback = fromBeginning
      ? await this.#admin.startOffsets(topic)
      : await this.#admin.endOffsets(topic);
    return committed.map((offset, partition) => offset >= 0 ? offset : fallback[partition]);
  }

  pause(partition: TopicPartition): void {
    this.#paused.add(partition.partition);
  }

  resume(partition: TopicPartition): void {
    this.#paused.delete(partition.partition);
  }

  seek(partition: TopicPartition, offset: number): void {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw new LogError("invalid", `cannot seek partition ${partition.partition} to ${offset}`);
    }
    this.#seeks.set(partition.partition, (this.#seeks.get(partition.partition) ?? 0) + 1);
    if (this.#assigned.has(partition.partition)) this.#positions.set(partition.partition, offset);
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#stopped;
  }
}
