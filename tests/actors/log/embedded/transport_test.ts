import assert from "node:assert/strict";
import { EmbeddedLog, EmbeddedTransport } from "../../../../actors/log/embedded/transport.ts";
import { transportConformance } from "../conformance.ts";

transportConformance({
  name: "embedded",
  settleMs: 5000,
  open: () => {
    const transport = new EmbeddedTransport();
    return Promise.resolve({ transport, close: () => transport.close() });
  },
});

Deno.test("embedded: retention by size drops the oldest records and counts them", async () => {
  const log = new EmbeddedLog({ retentionBytes: 10_000 });
  const transport = new EmbeddedTransport(log);
  await transport.ensureTopics([{ name: "t", partitions: 1 }]);
  const producer = await transport.producer();
  for (let i = 0; i < 100; i++) {
    await producer.send("t", [{ key: null, value: new Uint8Array(200) }]);
  }
  assert.deepEqual(await transport.endOffsets("t"), [100]);
  assert.ok(log.droppedRecords() > 50, `dropped ${log.droppedRecords()}`);
  const offsets: number[] = [];
  for await (const records of transport.read({ topic: "t", partition: 0 }, { from: 0, to: 100 })) {
    offsets.push(...records.map((r) => r.offset));
  }
  assert.equal(offsets.at(-1), 99);
  assert.equal(offsets.length, 100 - log.droppedRecords());
});

Deno.test("embedded: a topic's own retention bounds it; the other topics keep the log's", async () => {
  const log = new EmbeddedLog({ topicRetentionBytes: new Map([["write-only", 10_000]]) });
  const transport = new EmbeddedTransport(log);
  await transport.ensureTopics([
    { name: "write-only", partitions: 2 },
    { name: "read", partitions: 2 },
  ]);
  const producer = await transport.producer();
  for (let i = 0; i < 100; i++) {
    const records = [0, 1].map((partition) => ({
      key: null,
      partition,
      value: new Uint8Array(200),
    }));
    await producer.send("write-only", records);
    await producer.send("read", records);
  }
  assert.deepEqual(await transport.endOffsets("write-only"), [100, 100]);
  assert.ok(log.heldBytes("write-only") <= 2 * 10_000, `held ${log.heldBytes("write-only")}`);
  assert.ok(log.heldBytes("read") >= 2 * 100 * 200, `held ${log.heldBytes("read")}`);
});

Deno.test("embedded: a compacted topic keeps the latest record per key", async () => {
  const log = new EmbeddedLog({ retentionBytes: 2_000 });
  const transport = new EmbeddedTransport(log);
  await transport.ensureTopics([{ name: "state", partitions: 1, compact: true }]);
  const producer = await transport.producer();
  for (let i = 0; i < 60; i++) {
    await producer.send("state", [{
      key: `card-${i % 3}`,
      value: new TextEncoder().encode(String(i)),
    }]);
  }
  const latest = new Map<string, string>();
  for await (
    const records of transport.read({ topic: "state", partition: 0 }, { from: 0, to: 60 })
  ) {
    for (const r of records) latest.set(r.key!, new TextDecoder().decode(r.value));
  }
  assert.deepEqual(Object.fromEntries(latest), { "card-0": "57", "card-1": "58", "card-2": "59" });
});

Deno.test("embedded: a compacted topic is compacted as it is rewritten, not only at retention", async () => {
  // 64 MiB over 4 keys, far below the default retention (512 MiB a partition): compaction keeps
  // the partition near its 4 latest records instead of holding everything written.
  const log = new EmbeddedLog();
  const transport = new EmbeddedTransport(log);
  await transport.ensureTopics([{ name: "state", partitions: 1, compact: true }]);
  const producer = await transport.producer();
  for (let i = 0; i < 1024; i++) {
    await producer.send("state", [{ key: `card-${i % 4}`, value: new Uint8Array(64 * 1024) }]);
  }
  const held = log.heldBytes("state");
  assert.ok(held <= 17 * 1024 * 1024, `holds ${held} bytes of the 64 MiB written`);
  const keys = new Set<string>();
  for await (
    const records of transport.read({ topic: "state", partition: 0 }, { from: 0, to: 1024 })
  ) {
    for (const r of records) keys.add(r.key!);
  }
  assert.deepEqual([...keys].sort(), ["card-0", "card-1", "card-2", "card-3"]);
});

Deno.test("embedded with dropConsumed: records every group committed past are dropped", async () => {
  const read = async (transport: EmbeddedTransport) => {
    const offsets: number[] = [];
    for await (
      const records of transport.read({ topic: "t", partition: 0 }, { from: 0, to: 100 })
    ) {
      offsets.push(...records.map((r) => r.offset));
    }
    return offsets;
  };
  const commit = async (transport: EmbeddedTransport, groupId: string, offset: number) => {
    const producer = await transport.transactionalProducer(`tx-${groupId}`);
    const transaction = await producer.begin();
    await transaction.commitOffset(groupId, { topic: "t", partition: 0 }, offset);
    await transaction.commit();
    await producer.close();
  };
  for (const dropConsumed of [false, true]) {
    const transport = new EmbeddedTransport(new EmbeddedLog({ dropConsumed }));
    await transport.ensureTopics([{ name: "t", partitions: 1 }]);
    const producer = await transport.producer();
    for (let i = 0; i < 100; i++) {
      await producer.send("t", [{ key: null, value: new Uint8Array(20) }]);
    }
    await commit(transport, "b", 30);
    await commit(transport, "a", 60);
    // The slowest group decides.
    assert.equal((await read(transport))[0], dropConsumed ? 30 : 0);
    await commit(transport, "b", 90);
    const offsets = await read(transport);
    assert.equal(offsets[0], dropConsumed ? 60 : 0);
    assert.equal(offsets.at(-1), 99);
    assert.deepEqual(await transport.endOffsets("t"), [100]);
  }
});
