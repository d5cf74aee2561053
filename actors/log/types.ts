/**
 * The log transport every streaming actor talks to: partitioned topics, producers (idempotent, or
 * transactional with offsets committed inside the transaction), and consumer-group members that
 * get partitions assigned and receive batches per partition. Implementations: Apache Kafka
 * (through kafkajs, or through @platformatic/kafka) and an embedded in-process log. All fail with
 * one error, `LogError`, that says what went wrong and whether trying again later can help.
 *
 * @module
 */

import { FraudstreamError } from "../lib/errors.ts";

/**
 * What went wrong with a log request:
 * - `unavailable`: the log cannot be reached or is not ready (a broker down or starting, a leader
 *   election, a request that timed out); it may work a little later.
 * - `authentication`: the credentials were refused.
 * - `authorization`: the credentials are valid but not allowed to do this (ACLs).
 * - `fenced`: a newer producer with the same transactional id took over; this one must stop.
 * - `too_large`: a record or request over the log's size limit.
 * - `unknown_topic`: a topic or partition that does not exist.
 * - `invalid`: a request the log refuses as asked (a replication factor above the number of
 *   brokers, a topic with fewer partitions than needed, a second open transaction).
 * - `other`: any other failure of the log.
 */
export type LogErrorKind =
  | "unavailable"
  | "authentication"
  | "authorization"
  | "fenced"
  | "too_large"
  | "unknown_topic"
  | "invalid"
  | "other";

/** A failed log request; its message says what to check. Exit code 1. */
export class LogError extends FraudstreamError {
  override name = "LogError";
  /** What went wrong. */
  readonly kind: LogErrorKind;
  /** Whether the same request may succeed if tried again later (without changing anything). */
  readonly retriable: boolean;

  /** An error of `kind`; retriable by default only when the log is `unavailable`. */
  constructor(
    kind: LogErrorKind,
    message: string,
    options: { retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.retriable = options.retriable ?? kind === "unavailable";
  }
}

/** A record to write. */
export interface OutgoingRecord {
  /** Partitioning key (the card number for transactions). */
  key: string | null;
  value: Uint8Array;
  /** Explicit partition; computed from the key when absent. */
  partition?: number;
  headers?: Record<string, string>;
}

/** A record read from a partition. */
export interface LogRecord {
  offset: number;
  key: string | null;
  value: Uint8Array;
  headers: Record<string, string>;
  /** Append time, ms since the epoch. */
  timestamp: number;
}

/** Records of one partition delivered to a consumer, in offset order. */
export interface PartitionBatch {
  topic: string;
  partition: number;
  /** Committed records (none when everything fetched was aborted or a transaction marker). */
  records: LogRecord[];
  /**
   * Offset the batch was fetched from. Batches of a partition follow on from each other (each
   * fetched from the previous one's `nextOffset`) until a seek; offsets between `fetchedOffset`
   * and the first record belong to aborted transactions or markers.
   */
  fetchedOffset: number;
  /** Offset after the batch, past any transaction markers that follow its last record. */
  nextOffset: number;
  /** Offset the next record appended to this partition will get (for lag). */
  highWatermark: number;
}

/** A topic to create. */
export interface TopicSpec {
  name: string;
  partitions: number;
  /** Replication factor (Kafka only). */
  replicationFactor?: number;
  /** Keep only the latest record per key (`cleanup.policy=compact`). */
  compact?: boolean;
}

/** A partition of a topic. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A producer: idempotent sends, acknowledged by all in-sync replicas. */
export interface LogProducer {
  /** Writes records; resolves once they are acknowledged. */
  send(topic: string, records: OutgoingRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** A transactional producer: writes and offset commits that become visible together, or not at all. */
export interface TransactionalProducer {
  /** Starts a transaction. Only one is open at a time. */
  begin(): Promise<LogTransaction>;
  close(): Promise<void>;
}

/** An open transaction. */
export interface LogTransaction {
  send(topic: string, records: OutgoingRecord[]): Promise<void>;
  /** Commits `offset` (the next offset to read) for the group, as part of this transaction. */
  commitOffset(groupId: string, partition: TopicPartition, offset: number): Promise<void>;
  /** Commits, once the sends and offset commits under way have settled. */
  commit(): Promise<void>;
  /** Aborts, once the sends and offset commits under way have settled. */
  abort(): Promise<void>;
}

/** Callbacks of a consumer-group member. */
export interface ConsumerHandlers {
  /** Partitions given to this member; called before their first batch. */
  onAssign?(partitions: TopicPartition[]): Promise<void> | void;
  /** Partitions taken away; called after their last batch has been handled. */
  onRevoke?(partitions: TopicPartition[]): Promise<void> | void;
  /** Handles one batch; the member reads on only after it resolves. A rejection stops the member. */
  eachBatch(batch: PartitionBatch): Promise<void>;
}

/** A consumer-group member reading one topic with read-committed isolation. */
export interface LogConsumer {
  /** Joins the group and delivers batches until `stop`; rejects when the member fails. */
  run(handlers: ConsumerHandlers): Promise<void>;
  /** Stops fetching a partition (back-pressure) until `resume`. */
  pause(partition: TopicPartition): void;
  resume(partition: TopicPartition): void;
  /**
   * Makes the next batch of a partition start at `offset` (its `fetchedOffset`; records after it
   * are fetched again). A seek is honoured: no batch fetched before it is delivered after it, and
   * a seek the log loses on the way (a partition leader moving) is made again by the transport.
   */
  seek(partition: TopicPartition, offset: number): void;
  /** Leaves the group after the batches in progress are handled. */
  stop(): Promise<void>;
}

/** Options of a consumer-group member. */
export interface ConsumerOptions {
  groupId: string;
  topic: string;
  /** Where a partition without a committed offset starts (default: the beginning). */
  fromBeginning?: boolean;
  /** Most records per batch (default 10000). */
  maxBatchRecords?: number;
}

/** A connection to a log: Kafka or the embedded one. */
export interface Transport {
  readonly kind: "kafka" | "embedded";
  /** Creates the topics that do not exist yet. */
  ensureTopics(topics: TopicSpec[]): Promise<void>;
  /** Number of partitions of a topic. */
  partitions(topic: string): Promise<number>;
  /** Next offset of every partition of a topic, by partition. */
  endOffsets(topic: string): Promise<number[]>;
  /** Committed offsets of a group on a topic, by partition (-1 where none). */
  committedOffsets(groupId: string, topic: string): Promise<number[]>;
  /** Reads committed records of one partition from `from` up to (not including) `to`. */
  read(partition: TopicPartition, range: { from: number; to: number }): AsyncIterable<LogRecord[]>;
  /** Every committed record of every partition of `topic`, up to its end when called. */
  readTopic(topic: string): Promise<LogRecord[]>;
  producer(): Promise<LogProducer>;
  /** A transactional producer; creating it fences any older producer with the same id. */
  transactionalProducer(transactionalId: string): Promise<TransactionalProducer>;
  consumer(options: ConsumerOptions): LogConsumer;
  close(): Promise<void>;
}
