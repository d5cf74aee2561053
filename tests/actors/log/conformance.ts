/**
 * Behaviour every transport must have, as a test suite run against the embedded log and against a
 * real Kafka cluster.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  LogError,
  type LogRecord,
  type PartitionBatch,
  type TopicPartition,
  type TransactionalProducer,
  type Transport,
} from "../../../actors/log/types.ts";
import { partitionForKey } from "../../../actors/log/partitioner.ts";
import { eventually } from "../../fixtures/eventually.ts";

/** How the suite obtains a transport. */
export interface TransportFixture {
  name: string;
  /** A fresh transport (and its teardown). */
  open(): Promise<{ transport: Transport; close(): Promise<void> }>;
  /** Time allowed for a consumer group to settle. */
  settleMs: number;
  ignore?: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (text: string) => encoder.encode(text);
const text = (record: LogRecord) => decoder.decode(record.value);

let counter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${counter++}`;

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Every visible value of partition 0 of `topic`, as text. */
async function readValues(transport: Transport, topic: string): Promise<string[]> {
  const end = (await transport.endOffsets(topic))[0];
  const values: string[] = [];
  for await (const records of transport.read({ topic, partition: 0 }, { from: 0, to: end })) {
    values.push(...records.map(text));
  }
  return values;
}

/** Registers the conformance tests for one transport. */
export function transportConformance(fixture: TransportFixture): void {
  const test = (name: string, fn: (transport: Transport) => Promise<void>) =>
    Deno.test({
      name: `${fixture.name}: ${name}`,
      ignore: fixture.ignore,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: async () => {
        const { transport, close } = await fixture.open();
        try {
          await fn(transport);
        } finally {
          await close();
        }
      },
    });

  test("topics are created once and report their partitions", async (transport) => {
    const topic = unique("topics");
    await transport.ensureTopics([{ name: topic, partitions: 3 }]);
    await transport.ensureTopics([{ name: topic, partitions: 3 }]);
    assert.equal(await transport.partitions(topic), 3);
    assert.deepEqual(await transport.endOffsets(topic), [0, 0, 0]);
  });

  test("records with the same key land in one partition, in order, where Kafka puts them", async (transport) => {
    const topic = unique("keyed");
    await transport.ensureTopics([{ name: topic, partitions: 4 }]);
    const producer = await transport.producer();
    const keys = ["4263982640269299", "30270432095985", "6011438889172900"];
    for (let i = 0; i < 30; i++) {
      const key = keys[i % keys.length];
      await producer.send(topic, [{ key, value: bytes(`${key}:${i}`), headers: { n: String(i) } }]);
    }
    await producer.close();
    const ends = await transport.endOffsets(topic);
    assert.equal(ends.reduce((a, b) => a + b, 0), 30);
    for (const key of keys) {
      const partition = partitionForKey(key, 4);
      const seen: string[] = [];
      for await (
        const records of transport.read({ topic, partition }, { from: 0, to: ends[partition] })
      ) {
        for (const record of records) {
          if (record.key === key) seen.push(text(record));
        }
      }
      const numbers = seen.map((s) => Number(s.split(":")[1]));
      assert.equal(numbers.length, 10, key);
      assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), "per-key order");
    }
  });

  test("only committed transactions are visible, with their offsets", async (transport) => {
    const topic = unique("tx-out");
    const group = unique("group");
    await transport.ensureTopics([{ name: topic, partitions: 1 }]);
    const producer = await transport.transactionalProducer(unique("txid"));
    const committed = await producer.begin();
    await committed.send(topic, [{ key: "a", value: bytes("kept") }]);
    await committed.commitOffset(group, { topic, partition: 0 }, 7);
    await committed.commit();
    const aborted = await producer.begin();
    await aborted.send(topic, [{ key: "a", value: bytes("dropped") }]);
    await aborted.commitOffset(group, { topic, partition: 0 }, 9);
    await aborted.abort();
    await producer.close();
    await eventually(async () => {
      assert.deepEqual(await transport.committedOffsets(group, topic), [7]);
      assert.deepEqual(await readValues(transport, topic), ["kept"]);
    });
  });

  test("transactions that only commit an offset, one right after another, each commit", async (transport) => {
    // The coordinator is still writing the last commit's markers when the next transaction adds
    // its offsets, and refuses it for a moment (CONCURRENT_TRANSACTIONS) until it is done.
    const topic = unique("offsets-only");
    const group = unique("group");
    await transport.ensureTopics([{ name: topic, partitions: 1 }]);
    const producer = await transport.transactionalProducer(unique("offsets-only"));
    try {
      for (let offset = 1; offset <= 20; offset++) {
        const transaction = await producer.begin();
        try {
          await transaction.commitOffset(group, { topic, partition: 0 }, offset);
          await transaction.commit();
        } catch (error) {
          await transaction.abort().catch(() => {});
          throw new Error(`offset ${offset}: ${error}`, { cause: error });
        }
      }
    } finally {
      await producer.close();
    }
    await eventually(async () => {
      assert.deepEqual(await transport.committedOffsets(group, topic), [20]);
    });
  });

  test("a transaction's sends to several topics and its offset may run at the same time", async (transport) => {
    const topics = [unique("par-a"), unique("par-b"), unique("par-c")];
    const group = unique("group");
    await transport.ensureTopics(topics.map((name) => ({ name, partitions: 3 })));
    const producer = await transport.transactionalProducer(unique("parallel"));
    for (let round = 1; round <= 3; round++) {
      const transaction = await producer.begin();
      await Promise.all([
        ...topics.map((topic) =>
          transaction.send(
            topic,
            [0, 1, 2].map((partition) => ({ key: null, partition, value: bytes(`${round}`) })),
          )
        ),
        transaction.commitOffset(group, { topic: topics[0], partition: 1 }, 10 * round),
      ]);
      await transaction.commit();
    }
    await producer.close();
    await eventually(async () => {
      assert.equal((await transport.committedOffsets(group, topics[0]))[1], 30);
      for (const topic of topics) {
        const values = (await transport.readTopic(topic)).map(text).sort();
        assert.deepEqual(values, ["1", "1", "1", "2", "2", "2", "3", "3", "3"], topic);
      }
    });
  });

  test("a transaction ends once its sends and offset commit under way have: committed, both visible; aborted, neither", async (transport) => {
    const topic = unique("abort-early");
    const group = unique("group");
    await transport.ensureTopics([{ name: topic, partitions: 1 }]);
    const producer = await transport.transactionalProducer(unique("abort-early"));
    try {
      for (
        const [offset, value, end] of [[3, "kept", "commit"], [9, "dropped", "abort"]] as const
      ) {
        const transaction = await producer.begin();
        const committed = transaction.commitOffset(group, { topic, partition: 0 }, offset);
        committed.catch(() => {});
        const sent = transaction.send(topic, [{ key: "a", value: bytes(value) }]);
        sent.catch(() => {});
        // Not waiting for the send or the offset: ending waits for them.
        await (end === "commit" ? transaction.commit() : transaction.abort());
      }
      // The producer goes on after the abort.
      const next = await producer.begin();
      await next.send(topic, [{ key: "a", value: bytes("after") }]);
      await next.commit();
    } finally {
      await producer.close();
    }
    await eventually(async () => {
      assert.deepEqual(await transport.committedOffsets(group, topic), [3]);
      assert.deepEqual(await readValues(transport, topic), ["kept", "after"]);
    });
  });

  test("a transaction with several MiB for one partition commits (sent in request-sized runs)", async (transport) => {
    const topic = unique("big-tx");
    await transport.ensureTopics([{ name: topic, partitions: 1 }]);
    const producer = await transport.transactionalProducer(unique("big-writer"));
    const value = new Uint8Array(2000).fill(120);
    const records = Array.from({ length: 2500 }, (_, i) => ({ key: `k${i}`, value }));
    const transaction = await producer.begin();
    await transaction.send(topic, records);
    await transaction.commit();
    await producer.close();
    let read = 0;
    for await (const batch of transport.read({ topic, partition: 0 }, { from: 0, to: 2500 })) {
      read += batch.length;
    }
    assert.equal(read, records.length);
  });

  test("a newer producer with the same transactional id fences the older one", async (transport) => {
    const topic = unique("fence");
    await transport.ensureTopics([{ name: topic, partitions: 1 }]);
    const id = unique("txid");
    const old = await transport.transactionalProducer(id);
    const oldTx = await old.begin();
    await oldTx.send(topic, [{ key: "k", value: bytes("zombie") }]);
    const fresh = await transport.transactionalProducer(id);
    await assert.rejects(async () => {
      await oldTx.send(topic, [{ key: "k", value: bytes("zombie 2") }]);
      await oldTx.commit();
    });
    const tx = await fresh.begin();
    await tx.send(topic, [{ key: "k", value: bytes("owner") }]);
    await tx.commit();
    await fresh.close();
    await old.close().catch(() => {});
    await eventually(async () => {
      assert.deepEqual(await readValues(transport, topic), ["owner"]);
    });
  });

  test("a fenced producer fails with a LogError of kind 'fenced', not worth retrying", async (transport) => {
    const topic = unique("fenced");
    await transport.ensureTopics([{ name: topic, partitions: 1 }]);
    const id = unique("txid");
    const old = await transport.transactionalProducer(id);
    const fresh = await transport.transactionalProducer(id);
    const failure = await (async () => {
      const transaction = await old.begin();
      await transaction.send(topic, [{ key: "k", value: bytes("zombie") }]);
      await transaction.commit();
    })().then(() => undefined, (error) => error);
    assert.ok(failure instanceof LogError, `a LogError, got ${failure}`);
    assert.equal(failure.kind, "fenced", failure.message);
    assert.equal(failure.retriable, false);
    await fresh.close();
    await old.close().catch(() => {});
  });

  test("a topic that does not exist fails with a LogError of kind 'unknown_topic'", async (transport) => {
    const missing = unique("missing");
    const unknownTopic = (error: unknown) =>
      error instanceof LogError && error.kind === "unknown_topic";
    await assert.rejects(transport.partitions(missing), unknownTopic);
    await assert.rejects(transport.endOffsets(missing), unknownTopic);
    const producer = await transport.producer();
    try {
      await assert.rejects(
        producer.send(missing, [{ key: null, value: bytes("lost") }]),
        unknownTopic,
      );
    } finally {
      await producer.close();
    }
  });

  test("a seek is honoured: the partition's next batch starts at the offset asked for", async (transport) => {
    const topic = unique("seek");
    await transport.ensureTopics([{ name: topic, partitions: 1 }]);
    const producer = await transport.producer();
    await producer.send(
      topic,
      Array.from({ length: 20 }, (_, i) => ({ key: null, value: bytes(String(i)) })),
    );
    const consumer = transport.consumer({ groupId: unique("group"), topic });
    const batches: PartitionBatch[] = [];
    const running = consumer.run({
      eachBatch: (batch) => {
        batches.push(batch);
        // Once, after the first batch: read again from offset 5.
        if (batches.length === 1) consumer.seek({ topic, partition: 0 }, 5);
        return Promise.resolve();
      },
    });
    await waitFor(() => batches.length >= 2, fixture.settleMs, "the batch after the seek");
    await consumer.stop();
    await running;
    assert.equal(batches[0].fetchedOffset, 0);
    assert.equal(batches[1].fetchedOffset, 5, "the next batch is fetched from the seek's offset");
    assert.equal(text(batches[1].records[0]), "5");
    await producer.close();
  });

  test("a group member gets every partition, batches in order, and resumes at the committed offset", async (transport) => {
    const topic = unique("group-in");
    const group = unique("group");
    await transport.ensureTopics([{ name: topic, partitions: 2 }]);
    const producer = await transport.producer();
    await producer.send(
      topic,
      Array.from(
        { length: 50 },
        (_, i) => ({ key: null, partition: i % 2, value: bytes(String(i)) }),
      ),
    );
    const assigned: number[] = [];
    const seen = new Map<number, number[]>();
    const consumer = transport.consumer({ groupId: group, topic });
    const txid = unique("txid");
    const producers = await Promise.all(
      [0, 1].map((p) => transport.transactionalProducer(`${txid}-${p}`)),
    );
    const running = consumer.run({
      onAssign: (partitions) => {
        assigned.push(...partitions.map((p) => p.partition));
      },
      eachBatch: async (batch: PartitionBatch) => {
        assert.ok(assigned.includes(batch.partition), "onAssign comes first");
        const list = seen.get(batch.partition) ?? [];
        list.push(...batch.records.map((r) => Number(text(r))));
        seen.set(batch.partition, list);
        const t = await producers[batch.partition].begin();
        await t.commitOffset(group, batch, batch.records.at(-1)!.offset + 1);
        await t.commit();
      },
    });
    await waitFor(
      () => (seen.get(0)?.length ?? 0) + (seen.get(1)?.length ?? 0) >= 50,
      fixture.settleMs,
      "50 records",
    );
    await consumer.stop();
    await running;
    assert.deepEqual(assigned.sort(), [0, 1]);
    assert.deepEqual(seen.get(0), Array.from({ length: 25 }, (_, i) => 2 * i));
    assert.deepEqual(seen.get(1), Array.from({ length: 25 }, (_, i) => 2 * i + 1));
    await eventually(async () => {
      assert.deepEqual(await transport.committedOffsets(group, topic), [25, 25]);
    });

    await producer.send(topic, [{ key: null, partition: 1, value: bytes("50") }]);
    const later: number[] = [];
    const again = transport.consumer({ groupId: group, topic });
    const runningAgain = again.run({
      eachBatch: (batch) => {
        later.push(...batch.records.map((r) => Number(text(r))));
        return Promise.resolve();
      },
    });
    await waitFor(() => later.length >= 1, fixture.settleMs, "the new record");
    await new Promise((resolve) => setTimeout(resolve, 200));
    await again.stop();
    await runningAgain;
    assert.deepEqual(later, [50], "a restarted member reads on from the committed offset");
    await producer.close();
    for (const p of producers) await p.close();
  });

  test("a member is assigned at once a partition whose offset an owner that is gone left in an open transaction; fencing it there frees the offset", async (transport) => {
    // An owner cut off from the log mid-transaction: its offset commit stays pending (and
    // committed offsets asked for as stable wait for it) until a producer with its
    // transactional id fences it, which the new owner does once the partition is assigned.
    const topic = unique("orphan-in");
    const out = unique("orphan-out");
    const group = unique("orphan");
    const txid = unique("txid");
    await transport.ensureTopics([{ name: topic, partitions: 1 }, { name: out, partitions: 1 }]);
    const producer = await transport.producer();
    await producer.send(topic, [0, 1, 2].map((i) => ({ key: null, value: bytes(String(i)) })));
    const gone = await transport.transactionalProducer(txid);
    const open = await gone.begin();
    await open.send(out, [{ key: "k", value: bytes("never committed") }]);
    await open.commitOffset(group, { topic, partition: 0 }, 2);
    const started = Date.now();
    let assignedAfterMs: number | undefined;
    let owner: TransactionalProducer | undefined;
    const read: number[] = [];
    const consumer = transport.consumer({ groupId: group, topic });
    const running = consumer.run({
      onAssign: async () => {
        assignedAfterMs = Date.now() - started;
        owner = await transport.transactionalProducer(txid);
      },
      eachBatch: (batch) => {
        read.push(...batch.records.map((r) => Number(text(r))));
        return Promise.resolve();
      },
    });
    try {
      await waitFor(() => read.length >= 3, fixture.settleMs, "the partition's records");
      assert.ok(assignedAfterMs! < 10_000, `assigned after ${assignedAfterMs} ms`);
      assert.deepEqual(read, [0, 1, 2], "read from the last committed offset: none");
    } finally {
      await consumer.stop();
      await running.catch(() => {});
      await owner?.close();
      await gone.close().catch(() => {});
      await producer.close();
    }
  });

  test("two members share the partitions and one takes over when the other leaves", async (transport) => {
    const topic = unique("shared");
    const group = unique("group");
    await transport.ensureTopics([{ name: topic, partitions: 4 }]);
    const owners = new Map<number, string>();
    const counts = { a: 0, b: 0 };
    const txid = unique("txid");
    const producers = await Promise.all(
      [0, 1, 2, 3].map((p) => transport.transactionalProducer(`${txid}-${p}`)),
    );
    const member = (name: "a" | "b") => {
      const consumer = transport.consumer({ groupId: group, topic });
      const running = consumer.run({
        onAssign: (partitions: TopicPartition[]) => {
          for (const p of partitions) owners.set(p.partition, name);
        },
        eachBatch: async (batch) => {
          counts[name] += batch.records.length;
          const t = await producers[batch.partition].begin();
          await t.commitOffset(group, batch, batch.records.at(-1)!.offset + 1);
          await t.commit();
        },
      });
      return { consumer, running };
    };
    const a = member("a");
    await waitFor(() => owners.size === 4, fixture.settleMs, "a to own all partitions");
    const b = member("b");
    await waitFor(
      () => [...owners.values()].filter((o) => o === "b").length === 2,
      fixture.settleMs,
      "b to get half",
    );
    const producer = await transport.producer();
    await producer.send(
      topic,
      Array.from(
        { length: 40 },
        (_, i) => ({ key: null, partition: i % 4, value: bytes(String(i)) }),
      ),
    );
    await waitFor(() => counts.a + counts.b >= 40, fixture.settleMs, "40 records");
    assert.ok(counts.a > 0 && counts.b > 0, "both members read");
    await b.consumer.stop();
    await b.running;
    await waitFor(
      () => [...owners.values()].every((o) => o === "a"),
      fixture.settleMs,
      "a to take over",
    );
    await producer.send(
      topic,
      Array.from(
        { length: 8 },
        (_, i) => ({ key: null, partition: i % 4, value: bytes(String(40 + i)) }),
      ),
    );
    await waitFor(() => counts.a + counts.b >= 48, fixture.settleMs, "8 more records");
    await a.consumer.stop();
    await a.running;
    assert.equal(counts.a + counts.b, 48, "no record was delivered twice");
    await producer.close();
    for (const p of producers) await p.close();
  });

  test("a paused partition delivers nothing until resumed", async (transport) => {
    const topic = unique("pause");
    const group = unique("group");
    await transport.ensureTopics([{ name: topic, partitions: 1 }]);
    const consumer = transport.consumer({ groupId: group, topic });
    const seen: string[] = [];
    let assigned = false;
    const running = consumer.run({
      onAssign: () => {
        assigned = true;
      },
      eachBatch: (batch) => {
        seen.push(...batch.records.map(text));
        return Promise.resolve();
      },
    });
    await waitFor(() => assigned, fixture.settleMs, "assignment");
    const producer = await transport.producer();
    await producer.send(topic, [{ key: null, value: bytes("first") }]);
    await waitFor(() => seen.length === 1, fixture.settleMs, "first");
    consumer.pause({ topic, partition: 0 });
    await producer.send(topic, [{ key: null, value: bytes("second") }]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(seen, ["first"]);
    consumer.resume({ topic, partition: 0 });
    await waitFor(() => seen.length === 2, fixture.settleMs, "second");
    await consumer.stop();
    await running;
    await producer.close();
  });

  test("a failing batch handler stops the member with the error", async (transport) => {
    const topic = unique("fail");
    await transport.ensureTopics([{ name: topic, partitions: 1 }]);
    const producer = await transport.producer();
    await producer.send(topic, [{ key: null, value: bytes("boom") }]);
    const consumer = transport.consumer({ groupId: unique("group"), topic });
    await assert.rejects(
      consumer.run({ eachBatch: () => Promise.reject(new Error("handler failed")) }),
      /handler failed/,
    );
    await producer.close();
  });
}
