/**
 * The Kafka transport, through kafkajs: idempotent and transactional producers (offsets committed
 * inside the transaction), read-committed consumer-group members with per-partition batches, and
 * admin calls. kafkajs's own consumer restart is turned off: the supervision tree owns restarts.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import {
  type Admin,
  type Consumer,
  Kafka,
  type KafkaConfig,
  logLevel as KafkaLogLevel,
  type Producer,
  type SASLOptions,
} from "kafkajs";
import { FraudstreamError } from "../../lib/errors.ts";
import { StepTimeoutError } from "../../runtime/errors.ts";
import { sleep, withDeadline } from "../../lib/async.ts";
import { partitionForKey } from "../partitioner.ts";
import type {
  ConsumerHandlers,
  ConsumerOptions,
  LogConsumer,
  LogProducer,
  LogRecord,
  LogTransaction,
  OutgoingRecord,
  TopicPartition,
  TopicSpec,
  TransactionalProducer,
  Transport,
} from "../types.ts";

/** How to reach and authenticate with a Kafka cluster. */
export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  /** Use TLS; `ca` is a PEM file of extra trusted certificates. */
  tls?: { ca?: string };
  /** SASL authentication. The password is never printed or logged. */
  sasl?: {
    mechanism: "plain" | "scram-sha-256" | "scram-sha-512";
    username: string;
    password: string;
  };
  /** Receives kafkajs warnings and errors, already stripped of credentials. */
  onLog?: (line: string) => void;
}

/** Kafka could not be reached or refused a request; the message says what to check. */
export class KafkaUnavailableError extends FraudstreamError {
  override name = "KafkaUnavailableError";
}

/** Fetch rounds without records after which `read` treats the rest of its range as markers. */
const EMPTY_FETCH_ROUNDS = 3;
/** How long a read waits without progress before it takes what follows as markers or aborted. */
const QUIET_MS = 2000;
/** How long the cluster may take to delete a topic, in ms. */
const DELETE_TOPICS_TIMEOUT_MS = 15_000;

/** How long a topic just created may stay unknown to the broker answering, in ms. */
const NEW_TOPIC_GRACE_MS = 30_000;

/**
 * Longest an admin call may take, retries included, before it counts as hung (kafkajs bounds each
 * request, but a call waiting on a connection can otherwise hold up every later call).
 */
const ADMIN_DEADLINE_MS = 90_000;

/** How long a read may take to join its throw-away group. */
const READER_JOIN_TIMEOUT_MS = 30_000;

const toBuffer = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * Producers ride out a leader election (about 10 s of retries) before they fail. The first retries
 * come quickly: a transaction's first send right after the previous commit is refused with
 * CONCURRENT_TRANSACTIONS until the coordinator has written the commit markers, some tens of ms,
 * and a 300 ms first step capped a producer at three transactions a second.
 */
const PRODUCER_RETRY = { initialRetryTime: 10, multiplier: 1.5, maxRetryTime: 3000, retries: 16 };

/**
 * kafkajs warnings that describe choices made on purpose: retries are bounded so a failing
 * transaction aborts and its actor restarts (exactly-once holds through the abort), and the
 * partitioner is the Java-compatible default.
 */
const EXPECTED_WARNINGS = [
  /Limiting retries for the idempotent producer/,
  /switched default partitioner/,
];

/**
 * kafkajs errors that kafkajs itself retries: a transaction's sends to several partitions at once
 * each register their partition with the coordinator, which answers CONCURRENT_TRANSACTIONS to all
 * but one until the first is done. Should the retries run out, the send fails and its actor's crash
 * is reported instead.
 */
const RETRIED_ERRORS = [/another concurrent operation on the same transaction/];

/**
 * The line to print for a kafkajs log entry, or undefined for one not worth printing (debug and
 * info, warnings about choices made on purpose, errors kafkajs retries).
 */
export function kafkaLogLine(
  level: KafkaLogLevel,
  log: { message?: unknown; error?: unknown },
): string | undefined {
  if (level > KafkaLogLevel.WARN) return undefined;
  const message = String(log.message);
  if (EXPECTED_WARNINGS.some((pattern) => pattern.test(message))) return undefined;
  // A failed response's message names only the request; the reason is beside it.
  const reason = typeof log.error === "string" && !message.includes(log.error) ? log.error : "";
  if (RETRIED_ERRORS.some((pattern) => pattern.test(`${message} ${reason}`))) return undefined;
  const kind = level === KafkaLogLevel.ERROR ? "error" : "warning";
  return `kafka ${kind}: ${message}${reason ? ` (${reason})` : ""}`;
}

/** How often the same kafkajs message may be repeated, in ms. */
const LOG_REPEAT_MS = 15_000;

function kafkaConfig(connection: KafkaConnection): KafkaConfig {
  const lastPrinted = new Map<string, number>();
  const config: KafkaConfig = {
    clientId: connection.clientId,
    brokers: connection.brokers,
    connectionTimeout: 5000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, maxRetryTime: 2000, retries: 3 },
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => ({ level, log }) => {
      const line = connection.onLog && kafkaLogLine(level, log);
      if (!line) return;
      // Retries repeat the same complaint many times a second; say it once in a while.
      const now = Date.now();
      if (now - (lastPrinted.get(line) ?? -Infinity) < LOG_REPEAT_MS) return;
      lastPrinted.set(line, now);
      connection.onLog!(line);
    },
  };
  if (connection.tls) {
    config.ssl = connection.tls.ca ? { ca: [Deno.readTextFileSync(connection.tls.ca)] } : true;
  }
  if (connection.sasl) {
    config.sasl = {
      mechanism: connection.sasl.mechanism,
      username: connection.sasl.username,
      password: connection.sasl.password,
    } as SASLOptions;
  }
  return config;
}

/**
 * Rewrites a kafkajs failure as a message a user can act on (fraudstream's own errors, such as a
 * topic with too few partitions, pass through: retrying does not mend them).
 */
export function describeKafkaError(error: unknown, brokers: string[]): FraudstreamError {
  if (error instanceof FraudstreamError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : "Error";
  if (/Connection|ECONNREFUSED|connect|Number of retries|timeout/i.test(`${name} ${message}`)) {
    return new KafkaUnavailableError(
      `cannot reach Kafka at ${brokers.join(",")} (${message}); check --brokers / ` +
        "KAFKA_BOOTSTRAP_SERVERS, or start a local cluster with 'fraudstream kafka up'",
    );
  }
  if (/SASL|authenticat/i.test(message)) {
    return new KafkaUnavailableError(
      `Kafka at ${brokers.join(",")} refused the credentials (${message}); check KAFKA_SASL_*`,
    );
  }
  return new KafkaUnavailableError(`Kafka request failed: ${message}`);
}

function toKafkaMessages(records: OutgoingRecord[]) {
  return records.map((record) => ({
    key: record.key,
    value: toBuffer(record.value),
    partition: record.partition,
    headers: record.headers,
  }));
}

function fromKafkaHeaders(headers: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? String(value[0]) : String(value);
  }
  return out;
}

/**
 * Settings of the compacted topics (card states, producer ledger): segments roll every 10 min or
 * 64 MB, so old snapshots are compacted away within minutes instead of Kafka's default week or
 * GB, and a partition actor restoring its card states reads little more than the latest ones.
 */
const COMPACTED_TOPIC_CONFIG = [
  { name: "cleanup.policy", value: "compact" },
  { name: "segment.ms", value: "600000" },
  { name: "segment.bytes", value: String(64 * 1024 * 1024) },
  { name: "min.cleanable.dirty.ratio", value: "0.2" },
];

/** A transport over a Kafka cluster. */
export class KafkaTransport implements Transport {
  readonly kind = "kafka" as const;
  readonly #kafka: Kafka;
  readonly #connection: KafkaConnection;
  #admin?: Promise<Admin>;
  #adminQueue: Promise<void> = Promise.resolve();
  readonly #closers = new Set<() => Promise<void>>();
  readonly #partitionCounts = new Map<string, number>();

  /** Prepares a client; nothing connects until first use. */
  constructor(connection: KafkaConnection) {
    this.#connection = connection;
    this.#kafka = new Kafka(kafkaConfig(connection));
  }

  /**
   * Runs an admin call, turning failures into `KafkaUnavailableError`. Calls run one at a time:
   * kafkajs's admin loads a topic's metadata on first use, and a concurrent call on the same
   * topic can find it still empty and fail.
   */
  #withAdmin<T>(call: (admin: Admin) => Promise<T>): Promise<T> {
    const result = this.#adminQueue.then(() =>
      withDeadline(this.#adminCall(call), ADMIN_DEADLINE_MS, "a Kafka admin request").catch(
        (error) => {
          if (!(error instanceof StepTimeoutError)) throw error;
          // A hung call must not hold up the queue: drop the connection and let later calls go.
          this.#admin = undefined;
          throw new KafkaUnavailableError(
            `${error.message}; check that the brokers (${
              this.#connection.brokers.join(", ")
            }) are up and answering`,
          );
        },
      )
    );
    this.#adminQueue = result.then(() => {}, () => {});
    return result;
  }

  async #adminCall<T>(call: (admin: Admin) => Promise<T>): Promise<T> {
    try {
      this.#admin ??= (async () => {
        const admin = this.#kafka.admin();
        await admin.connect();
        this.#closers.add(() => admin.disconnect());
        return admin;
      })();
      return await call(await this.#admin);
    } catch (error) {
      this.#admin = undefined;
      throw describeKafkaError(error, this.#connection.brokers);
    }
  }

  ensureTopics(topics: TopicSpec[]): Promise<void> {
    return this.#withAdmin(async (admin) => {
      const deadline = Date.now() + NEW_TOPIC_GRACE_MS;
      for (;;) {
        try {
          return await this.#ensureTopicsOnce(admin, topics);
        } catch (error) {
          // The broker answering may not know for a moment a topic the controller just created.
          const unknown = /does not host this topic-partition/.test(String(error));
          if (!unknown || Date.now() > deadline) throw error;
          await sleep(500);
        }
      }
    });
  }

  /** Creates the missing topics and checks that the others have enough partitions. */
  async #ensureTopicsOnce(admin: Admin, topics: TopicSpec[]): Promise<void> {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic: topic.name,
          numPartitions: topic.partitions,
          replicationFactor: topic.replicationFactor ?? -1,
          configEntries: topic.compact ? COMPACTED_TOPIC_CONFIG : [],
        })),
      });
    }
    const metadata = await admin.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
    for (const topic of topics) {
      const found = metadata.topics.find((t) => t.name === topic.name);
      if (found && found.partitions.length < topic.partitions) {
        throw new FraudstreamError(
          `topic '${topic.name}' has ${found.partitions.length} partitions, fewer than the ` +
            `${topic.partitions} asked for; use --partitions ${found.partitions.length} or recreate the topic`,
        );
      }
    }
  }

  partitions(topic: string): Promise<number> {
    return this.#withAdmin(async (admin) => {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      return metadata.topics[0].partitions.length;
    });
  }

  /**
   * Sends `records` with one `send` call per partition and request-sized run: the partitions in
   * parallel, the runs of one partition in order. Waits for every call before failing.
   */
  async #sendPerPartition(
    topic: string,
    records: OutgoingRecord[],
    send: (messages: ReturnType<typeof toKafkaMessages>) => Promise<unknown>,
  ): Promise<void> {
    let partitions = this.#partitionCounts.get(topic);
    if (partitions === undefined) {
      partitions = await this.partitions(topic);
      this.#partitionCounts.set(topic, partitions);
    }
    const results = await Promise.allSettled(
      [...groupByPartition(records, partitions).values()].map(async (group) => {
        for (const chunk of requestSized(group)) await send(toKafkaMessages(chunk));
      }),
    );
    const failed = results.find((result) => result.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  /**
   * Deletes consumer groups, and those of `topics` that exist; rejects when a topic was not
   * deleted. For benchmarks: a deployment never deletes its topics, so `Transport` has no such call.
   */
  deleteTopicsAndGroups(what: { topics: string[]; groups: string[] }): Promise<void> {
    return this.#withAdmin(async (admin) => {
      if (what.groups.length > 0) {
        // A group still holding members (actors left behind) is not deleted; its offsets expire
        // with the cluster's offsets retention.
        await admin.deleteGroups(what.groups).catch(() => {});
      }
      const existing = new Set(await admin.listTopics());
      const present = what.topics.filter((topic) => existing.has(topic));
      if (present.length > 0) {
        await admin.deleteTopics({ topics: present, timeout: DELETE_TOPICS_TIMEOUT_MS });
      }
    });
  }

  endOffsets(topic: string): Promise<number[]> {
    return this.#withAdmin(async (admin) => {
      const offsets = await admin.fetchTopicOffsets(topic);
      const out: number[] = [];
      for (const entry of offsets) out[entry.partition] = Number(entry.high);
      return out;
    });
  }

  committedOffsets(groupId: string, topic: string): Promise<number[]> {
    return this.#withAdmin(async (admin) => {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const out: number[] = [];
      for (const partition of entry?.partitions ?? []) {
        out[partition.partition] = Number(partition.offset);
      }
      return out;
    });
  }

  read(
    partition: TopicPartition,
    range: { from: number; to: number },
  ): AsyncIterable<LogRecord[]> {
    return this.#readRanges(partition.topic, new Map([[partition.partition, range]]));
  }

  async readTopic(topic: string): Promise<LogRecord[]> {
    const ends = await this.endOffsets(topic);
    const ranges = new Map<number, { from: number; to: number }>();
    ends.forEach((to, partition) => ranges.set(partition, { from: 0, to }));
    const out: LogRecord[] = [];
    for await (const records of this.#readRanges(topic, ranges)) out.push(...records);
    return out;
  }

  /** Committed records of the given partitions' offset ranges, batch by batch, in one consumer. */
  async *#readRanges(
    topic: string,
    ranges: Map<number, { from: number; to: number }>,
  ): AsyncIterable<LogRecord[]> {
    for (const [partition, range] of ranges) {
      if (range.from >= range.to) ranges.delete(partition);
    }
    if (ranges.size === 0) return;
    // kafkajs reads only as a group member: a throw-away group that never commits.
    const consumer = this.#kafka.consumer({
      groupId: `fraudstream-reader-${crypto.randomUUID()}`,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
      retry: { retries: 3, restartOnFailure: () => Promise.resolve(false) },
    });
    const queue: (LogRecord[] | Error)[] = [];
    let joined = false;
    const positions = new Map([...ranges].map(([partition, range]) => [partition, range.from]));
    const done = () => [...ranges].every(([p, range]) => positions.get(p)! >= range.to);
    // Fetch rounds completed since the last batch arrived.
    let emptyRounds = 0;
    const started = Date.now();
    let lastProgress = started;
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        if (joined) return;
        // The group gives this reader every partition of the topic: fetch only those it reads.
        const others = (event.payload.memberAssignment[topic] ?? []).filter((p) => !ranges.has(p));
        if (others.length > 0) consumer.pause([{ topic, partitions: others }]);
        for (const [partition, range] of ranges) {
          consumer.seek({ topic, partition, offset: String(range.from) });
        }
        joined = true;
      });
      consumer.on(consumer.events.CRASH, (event) => queue.push(event.payload.error));
      consumer.on(consumer.events.FETCH, () => {
        if (joined) emptyRounds++;
      });
      // Fetches of nothing but markers or aborted records never reach eachBatch; they still move
      // the position, so a range that ends in them is known to be read to its end.
      consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
        if (!joined || payload.batchSize !== 0 || !ranges.has(payload.partition)) return;
        const next = Number(payload.lastOffset) + 1;
        if (next > positions.get(payload.partition)!) {
          positions.set(payload.partition, next);
          lastProgress = Date.now();
        }
      });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: ranges.size,
        eachBatch: ({ batch }) => {
          const range = ranges.get(batch.partition);
          if (!range || !joined) return Promise.resolve();
          emptyRounds = 0;
          lastProgress = Date.now();
          positions.set(
            batch.partition,
            Math.max(positions.get(batch.partition)!, Number(batch.lastOffset()) + 1),
          );
          const records = batch.messages
            .map((message) => toLogRecord(message))
            .filter((record) => record.offset >= range.from && record.offset < range.to);
          if (records.length > 0) queue.push(records);
          return Promise.resolve();
        },
      });
      for (;;) {
        const item = queue.shift();
        if (item instanceof Error) throw describeKafkaError(item, this.#connection.brokers);
        if (item) {
          yield item;
          continue;
        }
        if (done()) return;
        if (!joined && Date.now() - started > READER_JOIN_TIMEOUT_MS) {
          throw new KafkaUnavailableError(
            `could not start reading '${topic}' within ${READER_JOIN_TIMEOUT_MS / 1000} s; ` +
              `check that the brokers (${this.#connection.brokers.join(", ")}) are up`,
          );
        }
        // `to` was at most the end of the visible records when the read began, so once whole fetch
        // rounds bring nothing more, the offsets left are transaction markers or aborted records.
        // A slow broker must not end the read early (a producer resuming from a stale ledger entry
        // would publish a chunk twice): a quiet spell is needed as well as empty fetch rounds.
        if (emptyRounds >= EMPTY_FETCH_ROUNDS && Date.now() - lastProgress >= QUIET_MS) return;
        await sleep(20);
      }
    } finally {
      await consumer.disconnect().catch(() => {});
    }
  }

  async producer(): Promise<LogProducer> {
    const producer = this.#kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: PRODUCER_RETRY,
    });
    await this.#connect(producer);
    const close = () => producer.disconnect();
    this.#closers.add(close);
    const brokers = this.#connection.brokers;
    return {
      send: async (topic, records) => {
        try {
          await this.#sendPerPartition(
            topic,
            records,
            (messages) => producer.send({ topic, acks: -1, messages }),
          );
        } catch (error) {
          throw describeKafkaError(error, brokers);
        }
      },
      close: async () => {
        this.#closers.delete(close);
        await close();
      },
    };
  }

  async transactionalProducer(transactionalId: string): Promise<TransactionalProducer> {
    const producer = this.#kafka.producer({
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      transactionTimeout: 30_000,
      retry: PRODUCER_RETRY,
    });
    await this.#connect(producer);
    // kafkajs registers the transactional id (InitProducerId) on the first transaction only:
    // open and abort one now, so creating the producer fences older ones at once.
    try {
      await (await producer.transaction()).abort();
    } catch (error) {
      await producer.disconnect().catch(() => {});
      throw describeKafkaError(error, this.#connection.brokers);
    }
    const close = () => producer.disconnect();
    this.#closers.add(close);
    return {
      begin: async (): Promise<LogTransaction> => {
        const transaction = await producer.transaction();
        return {
          send: async (topic, records) => {
            await this.#sendPerPartition(
              topic,
              records,
              (messages) => transaction.send({ topic, messages }),
            );
          },
          commitOffset: async (groupId, partition, offset) => {
            await transaction.sendOffsets({
              consumerGroupId: groupId,
              topics: [{
                topic: partition.topic,
                partitions: [{ partition: partition.partition, offset: String(offset) }],
              }],
            });
          },
          commit: () => transaction.commit(),
          abort: () => transaction.abort(),
        };
      },
      close: async () => {
        this.#closers.delete(close);
        await close();
      },
    };
  }

  consumer(options: ConsumerOptions): LogConsumer {
    return new KafkaGroupMember(this.#kafka, options, this.#connection.brokers);
  }

  async close(): Promise<void> {
    const closers = [...this.#closers];
    this.#closers.clear();
    await Promise.allSettled(closers.map((close) => close()));
  }

  async #connect(producer: Producer): Promise<void> {
    try {
      await producer.connect();
    } catch (error) {
      throw describeKafkaError(error, this.#connection.brokers);
    }
  }
}

/**
 * Most bytes of records sent in one request. kafkajs puts all of a request's records for a
 * partition in one record batch, which the broker refuses past `message.max.bytes` (1 MiB by
 * default): a consumer catching up, with thousands of scores per partition in one transaction,
 * would otherwise fail on every try.
 */
export const MAX_REQUEST_BYTES = 512 * 1024;

/**
 * Groups records by the partition they go to, keeping their order within each partition: the
 * explicit partition, else the key's partition under Kafka's default partitioner, else the next
 * partition in turn. kafkajs must be given one partition per send: when a send spanning several
 * leaders fails on one of them, its retry re-sends to leaders whose first request is still in
 * flight, under new sequence numbers, and the transaction then commits those records twice.
 */
export function groupByPartition(
  records: OutgoingRecord[],
  partitions: number,
): Map<number, OutgoingRecord[]> {
  const groups = new Map<number, OutgoingRecord[]>();
  let next = 0;
  for (const record of records) {
    const partition = record.partition ??
      (record.key === null ? next++ % partitions : partitionForKey(record.key, partitions));
    let group = groups.get(partition);
    if (!group) groups.set(partition, group = []);
    group.push(record.partition === partition ? record : { ...record, partition });
  }
  return groups;
}

/** Splits records, in order, into runs of at most `MAX_REQUEST_BYTES` (one record at least). */
export function requestSized(
  records: OutgoingRecord[],
  maxBytes = MAX_REQUEST_BYTES,
): OutgoingRecord[][] {
  const chunks: OutgoingRecord[][] = [];
  let chunk: OutgoingRecord[] = [];
  let bytes = 0;
  for (const record of records) {
    let size = record.value.byteLength + (record.key?.length ?? 0) + 70;
    for (const [name, value] of Object.entries(record.headers ?? {})) {
      size += name.length + value.length;
    }
    if (chunk.length > 0 && bytes + size > maxBytes) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(record);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

function toLogRecord(message: {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, unknown>;
  timestamp: string;
}): LogRecord {
  const value = message.value ?? new Uint8Array(0);
  return {
    offset: Number(message.offset),
    key: message.key ? message.key.toString() : null,
    value: new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
    headers: fromKafkaHeaders(message.headers),
    timestamp: Number(message.timestamp),
  };
}

/**
 * Runs `work` while sending group heartbeats every second: a batch handed to a partition that is
 * still restoring its card states, or whose actor is busy, can take longer than the session
 * timeout, and the member must not be dropped from the group meanwhile.
 */
async function keepingMembership(
  heartbeat: () => Promise<void>,
  work: () => Promise<void>,
): Promise<void> {
  const timer = setInterval(() => heartbeat().catch(() => {}), 1000);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
}

/** A consumer-group member over kafkajs with assignment callbacks. */
class KafkaGroupMember implements LogConsumer {
  readonly #consumer: Consumer;
  readonly #options: ConsumerOptions;
  readonly #brokers: string[];
  #assigned = new Set<number>();
  #rebalance: Promise<void> = Promise.resolve();
  /** Per partition: the hand-over of the last fetch that held no committed record. */
  #skipped = new Map<number, Promise<void>>();
  #stopping = false;

  constructor(kafka: Kafka, options: ConsumerOptions, brokers: string[]) {
    this.#options = options;
    this.#brokers = brokers;
    this.#consumer = kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
      rebalanceTimeout: 30_000,
      heartbeatInterval: 1000,
      maxBytesPerPartition: 4 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
      maxWaitTimeInMs: 100,
      retry: { retries: 3, restartOnFailure: () => Promise.resolve(false) },
    });
  }

  async run(handlers: ConsumerHandlers): Promise<void> {
    const { topic } = this.#options;
    const consumer = this.#consumer;
    let fail!: (error: unknown) => void;
    let finish!: () => void;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    consumer.on(consumer.events.CRASH, (event) => fail(event.payload.error));
    consumer.on(consumer.events.STOP, () => {
      if (this.#stopping) finish();
      // Stopped without being asked: a crash, whose event may come right after this one.
      else setTimeout(() => fail(new Error("the Kafka consumer stopped unexpectedly")), 100);
    });
    // A fetch that held only aborted records and markers never reaches eachBatch: pass it on as
    // an empty batch, so the partition's handler knows the next batch follows on from it.
    consumer.on(consumer.events.START_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize !== 0 || (payload.firstOffset as string | null) === null) return;
      if (payload.topic !== topic || !this.#assigned.has(payload.partition)) return;
      const previous = this.#skipped.get(payload.partition);
      this.#skipped.set(
        payload.partition,
        (async () => {
          await previous;
          // As for a fetched batch: the partition's handler exists once its assignment is done.
          await this.#rebalance;
          if (!this.#assigned.has(payload.partition)) return;
          await handlers.eachBatch({
            topic,
            partition: payload.partition,
            records: [],
            fetchedOffset: Number(payload.firstOffset),
            nextOffset: Number(payload.lastOffset) + 1,
            highWatermark: Number(payload.highWatermark),
          });
        })().catch(fail),
      );
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const next = new Set<number>(event.payload.memberAssignment[topic] ?? []);
      this.#rebalance = this.#rebalance.then(async () => {
        const revoked = [...this.#assigned].filter((p) => !next.has(p));
        const added = [...next].filter((p) => !this.#assigned.has(p));
        this.#assigned = next;
        if (revoked.length > 0) {
          await handlers.onRevoke?.(revoked.map((partition) => ({ topic, partition })));
        }
        if (added.length > 0) {
          await handlers.onAssign?.(added.map((partition) => ({ topic, partition })));
        }
      }).catch(fail);
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: this.#options.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        partitionsConsumedConcurrently: 64,
        eachBatch: ({ batch, isStale, heartbeat }) =>
          keepingMembership(heartbeat, async () => {
            await this.#rebalance;
            await this.#skipped.get(batch.partition);
            if (isStale() || !this.#assigned.has(batch.partition)) return;
            const records = batch.messages.map((message) => toLogRecord(message));
            if (records.length === 0) return;
            await handlers.eachBatch({
              topic: batch.topic,
              partition: batch.partition,
              records,
              // kafkajs keeps the offset it fetched from on the batch, though its types omit it.
              fetchedOffset: Number((batch as unknown as { fetchedOffset: string }).fetchedOffset),
              nextOffset: Math.max(records[records.length - 1].offset, Number(batch.lastOffset())) +
                1,
              highWatermark: Number(batch.highWatermark),
            });
          }),
      });
    } catch (error) {
      fail(error);
    }
    try {
      await done;
    } catch (error) {
      await consumer.disconnect().catch(() => {});
      throw error instanceof FraudstreamError ? error : describeKafkaError(error, this.#brokers);
    }
  }

  pause(partition: TopicPartition): void {
    this.#consumer.pause([{ topic: partition.topic, partitions: [partition.partition] }]);
  }

  resume(partition: TopicPartition): void {
    this.#consumer.resume([{ topic: partition.topic, partitions: [partition.partition] }]);
  }

  seek(partition: TopicPartition, offset: number): void {
    this.#consumer.seek({
      topic: partition.topic,
      partition: partition.partition,
      offset: String(offset),
    });
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#consumer.disconnect();
  }
}
