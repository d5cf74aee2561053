/**
 * The two Kafka clients side by side on the test cluster: they put a key where Java's client does,
 * and a deployment mixing them (producers on one, group members on the other) reads every record
 * exactly once.
 *
 * @module
 */

import assert from "node:assert/strict";
import { murmur2 } from "../../../actors/log/partitioner.ts";
import { KAFKA_CLIENTS, type KafkaClientName } from "../../../actors/log/kafka_client.ts";
import type { LogRecord, PartitionBatch, Transport } from "../../../actors/log/types.ts";
import { eventually } from "../../fixtures/eventually.ts";
import { JAVA_MURMUR2_HASHES } from "../../fixtures/java_murmur2.ts";
import { kafkaTransport, NO_KAFKA } from "../../fixtures/kafka.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const unique = (prefix: string) => `${prefix}-${crypto.randomUUID().slice(0, 8)}`;

/** Card numbers as the generator writes them (Visa, Amex, Discover, JCB, Maestro lengths). */
const CARDS = [
  "4263982640269299",
  "378282246310005",
  "6011438889172900",
  "3530111333300000",
  "6759649826438453",
  "30270432095985",
  "4147202464191053",
  "213141170347788",
];

const PARTITIONS = 12;

/** The partition Java's default partitioner picks for a key of `hash`. */
const javaPartition = (hash: number) => (hash & 0x7fffffff) % PARTITIONS;

/** Every record of every partition of `topic`, by partition. */
async function recordsByPartition(transport: Transport, topic: string): Promise<LogRecord[][]> {
  const ends = await transport.endOffsets(topic);
  return await Promise.all(ends.map(async (to, partition) => {
    const out: LogRecord[] = [];
    for await (const records of transport.read({ topic, partition }, { from: 0, to })) {
      out.push(...records);
    }
    return out;
  }));
}

for (const client of KAFKA_CLIENTS) {
  Deno.test({
    name: `${client}: a keyed record lands in the partition Java's client puts its key in`,
    ignore: NO_KAFKA,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const transport = kafkaTransport(client);
      try {
        const topic = unique("java-partition");
        await transport.ensureTopics([{ name: topic, partitions: PARTITIONS }]);
        const expected = new Map<string, number>();
        for (const [key, hash] of JAVA_MURMUR2_HASHES) expected.set(key, javaPartition(hash));
        for (const card of CARDS) {
          const bytes = encoder.encode(card);
          expected.set(card, javaPartition(murmur2(bytes, 0, bytes.length)));
        }
        assert.ok(new Set(expected.values()).size > 4, "the keys spread over the partitions");
        const producer = await transport.producer();
        await producer.send(
          topic,
          [...expected.keys()].map((key) => ({ key, value: encoder.encode(key) })),
        );
        const transactional = await transport.transactionalProducer(unique("java-partition"));
        const transaction = await transactional.begin();
        await transaction.send(topic, CARDS.map((key) => ({ key, value: encoder.encode(key) })));
        await transaction.commit();
        await producer.close();
        await transactional.close();
        // A transaction's records are visible once its commit markers are written.
        await eventually(async () => {
          const found = new Map<string, number[]>();
          (await recordsByPartition(transport, topic)).forEach((records, partition) => {
            for (const record of records) {
              found.set(record.key!, [...(found.get(record.key!) ?? []), partition]);
            }
          });
          for (const [key, partition] of expected) {
            const copies = CARDS.includes(key) ? 2 : 1;
            assert.deepEqual(found.get(key), Array(copies).fill(partition), key);
          }
        });
      } finally {
        await transport.close();
      }
    },
  });
}

/**
 * Consumes `input` in group `group` through `transport` until the group's committed offsets reach
 * the ends of `input`: each batch becomes records of `output` written in a transaction that also
 * commits the batch's offset (one transactional producer per partition, as the consumers do).
 */
async function consumeExactlyOnce(
  transport: Transport,
  topics: { input: string; output: string; group: string; txid: string },
): Promise<void> {
  const ends = await transport.endOffsets(topics.input);
  const producers = await Promise.all(
    ends.map((_, partition) => transport.transactionalProducer(`${topics.txid}-${partition}`)),
  );
  const member = transport.consumer({ groupId: topics.group, topic: topics.input });
  const committed = ends.map(() => -1);
  const running = member.run({
    eachBatch: async (batch: PartitionBatch) => {
      const transaction = await producers[batch.partition].begin();
      await transaction.send(
        topics.output,
        batch.records.map((record) => ({
          key: record.key,
          partition: batch.partition,
          value: encoder.encode(`scored ${decoder.decode(record.value)}`),
        })),
      );
      await transaction.commitOffset(topics.group, batch, batch.nextOffset);
      await transaction.commit();
      committed[batch.partition] = batch.nextOffset;
    },
  });
  try {
    await eventually(() => {
      assert.ok(committed.every((offset, p) => offset >= ends[p]), `${committed} of ${ends}`);
      return Promise.resolve();
    }, 60_000);
  } finally {
    await member.stop();
    await running;
    for (const producer of producers) await producer.close();
  }
}

/** Sends `count` records numbered from `first` in transactions, and one aborted transaction. */
async function produceNumbered(
  transport: Transport,
  topic: string,
  numbers: { first: number; count: number },
): Promise<void> {
  const producer = await transport.transactionalProducer(unique("mixed-producer"));
  const records = (from: number, count: number, label: string) =>
    Array.from({ length: count }, (_, i) => ({
      key: CARDS[(from + i) % CARDS.length],
      value: encoder.encode(`${label} ${from + i}`),
    }));
  for (let from = numbers.first; from < numbers.first + numbers.count; from += 25) {
    const transaction = await producer.begin();
    await transaction.send(topic, records(from, 25, "tx"));
    await transaction.commit();
    const aborted = await producer.begin();
    await aborted.send(topic, records(from, 5, "aborted"));
    await aborted.abort();
  }
  await producer.close();
}

for (const [first, second] of [KAFKA_CLIENTS, [...KAFKA_CLIENTS].reverse()]) {
  Deno.test({
    name: `mixed clients: produced by ${first}, consumed by ${second} then by ${first}, ` +
      "every record read exactly once",
    ignore: NO_KAFKA,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const clients = new Map<KafkaClientName, Transport>(
        [first, second].map((client) => [client as KafkaClientName, kafkaTransport(client)]),
      );
      const a = clients.get(first as KafkaClientName)!;
      const b = clients.get(second as KafkaClientName)!;
      try {
        const topics = {
          input: unique("mixed-in"),
          output: unique("mixed-out"),
          group: unique("mixed-group"),
          txid: unique("mixed-scorer"),
        };
        await a.ensureTopics([
          { name: topics.input, partitions: 4 },
          { name: topics.output, partitions: 4 },
        ]);
        // The producer on one client, the group member on the other; then the other way round,
        // the second member resuming from the offsets the first committed.
        await produceNumbered(a, topics.input, { first: 0, count: 100 });
        await consumeExactlyOnce(b, topics);
        await produceNumbered(b, topics.input, { first: 100, count: 100 });
        await consumeExactlyOnce(a, topics);

        const inputs = await recordsByPartition(b, topics.input);
        assert.deepEqual(await a.committedOffsets(topics.group, topics.input), [
          ...(await a.endOffsets(topics.input)),
        ]);
        for (const reader of [a, b]) {
          const outputs = await recordsByPartition(reader, topics.output);
          outputs.forEach((records, partition) => {
            assert.deepEqual(
              records.map((record) => decoder.decode(record.value)),
              inputs[partition].map((record) => `scored ${decoder.decode(record.value)}`),
              `partition ${partition}: every committed input once, in order, nothing aborted`,
            );
          });
          const numbers = outputs.flat().map((r) => Number(decoder.decode(r.value).split(" ")[2]));
          assert.deepEqual(numbers.sort((x, y) => x - y), Array.from({ length: 200 }, (_, i) => i));
        }
      } finally {
        for (const transport of clients.values()) await transport.close();
      }
    },
  });
}

for (const [first, second] of [KAFKA_CLIENTS, [...KAFKA_CLIENTS].reverse()]) {
  Deno.test({
    name: `mixed clients: a ${first} and a ${second} member share one group; when the ${first} ` +
      "one leaves, the other takes every partition",
    ignore: NO_KAFKA,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const a = kafkaTransport(first);
      const b = kafkaTransport(second);
      const topic = unique("mixed-group-in");
      const groupId = unique("mixed-group");
      const owned = { a: new Set<number>(), b: new Set<number>() };
      const read = new Map<string, number>();
      const member = (transport: Transport, mine: Set<number>) => {
        const consumer = transport.consumer({ groupId, topic });
        const running = consumer.run({
          onAssign: (partitions) => partitions.forEach((p) => mine.add(p.partition)),
          onRevoke: (partitions) => partitions.forEach((p) => mine.delete(p.partition)),
          eachBatch: (batch) => {
            for (const record of batch.records) {
              const text = decoder.decode(record.value);
              read.set(text, (read.get(text) ?? 0) + 1);
            }
            return Promise.resolve();
          },
        });
        return { consumer, running };
      };
      const producer = await a.producer();
      const send = (from: number) =>
        producer.send(
          topic,
          Array.from({ length: 40 }, (_, i) => ({
            key: CARDS[i % CARDS.length],
            partition: i % 4,
            value: encoder.encode(`record ${from + i}`),
          })),
        );
      try {
        await a.ensureTopics([{ name: topic, partitions: 4 }]);
        const ma = member(a, owned.a);
        await eventually(() => Promise.resolve(assert.equal(owned.a.size, 4)), 60_000);
        const mb = member(b, owned.b);
        // Before the fix the second client's member was refused: "supported protocols are
        // incompatible with those of existing members".
        await eventually(() => {
          assert.equal(owned.a.size + owned.b.size, 4, "every partition has one owner");
          assert.ok(
            owned.a.size > 0 && owned.b.size > 0,
            `shared: ${[...owned.a]} / ${[...owned.b]}`,
          );
          return Promise.resolve();
        }, 60_000);
        await send(0);
        await eventually(() => Promise.resolve(assert.equal(read.size, 40)), 60_000);
        await ma.consumer.stop();
        await ma.running;
        await eventually(() => Promise.resolve(assert.equal(owned.b.size, 4)), 60_000);
        await send(40);
        await eventually(() => Promise.resolve(assert.equal(read.size, 80)), 60_000);
        await mb.consumer.stop();
        await mb.running;
      } finally {
        await producer.close();
        await a.close();
        await b.close();
      }
    },
  });
}

for (const client of KAFKA_CLIENTS) {
  Deno.test({
    name: `${client}: a topic to compact that exists without compaction is refused, naming it`,
    ignore: NO_KAFKA,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const transport = kafkaTransport(client);
      try {
        // As when someone made `card-state` or `producer-ledger` by hand, with Kafka's defaults:
        // its records would be deleted after the retention period, card states and file
        // positions with them.
        const plain = unique("not-compacted");
        await transport.ensureTopics([{ name: plain, partitions: 2 }]);
        await assert.rejects(
          transport.ensureTopics([{ name: plain, partitions: 2, compact: true }]),
          (error: Error & { kind?: string; retriable?: boolean }) => {
            assert.equal(error.kind, "invalid");
            assert.equal(error.retriable, false);
            assert.match(error.message, new RegExp(`topic '${plain}' is not compacted`));
            assert.match(error.message, /cleanup\.policy=compact/);
            return true;
          },
        );
        // One it made itself passes, then and later.
        const compacted = unique("compacted");
        await transport.ensureTopics([{ name: compacted, partitions: 2, compact: true }]);
        await transport.ensureTopics([{ name: compacted, partitions: 2, compact: true }]);
      } finally {
        await transport.close();
      }
    },
  });
}
