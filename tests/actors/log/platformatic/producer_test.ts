import assert from "node:assert/strict";
import { tracingChannel } from "node:diagnostics_channel";
import { eventually } from "../../../fixtures/eventually.ts";
import { kafkaTransport, NO_KAFKA } from "../../../fixtures/kafka.ts";

const encoder = new TextEncoder();

Deno.test({
  name: "platformatic: transactions back to back are not held up a second each by the coordinator",
  ignore: NO_KAFKA,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const transport = kafkaTransport("platformatic");
    try {
      const topic = `back-to-back-${crypto.randomUUID().slice(0, 8)}`;
      await transport.ensureTopics([{ name: topic, partitions: 4 }]);
      const producer = await transport.transactionalProducer(`${topic}-writer`);
      const transactions = 20;
      const started = performance.now();
      for (let i = 0; i < transactions; i++) {
        const transaction = await producer.begin();
        // Every partition: the first send of a transaction right after a commit is refused with
        // CONCURRENT_TRANSACTIONS until the coordinator has written the previous commit's markers.
        await transaction.send(
          topic,
          [0, 1, 2, 3].map((partition) => ({
            key: null,
            partition,
            value: encoder.encode(`${i}`),
          })),
        );
        await transaction.commit();
      }
      const perTransactionMs = (performance.now() - started) / transactions;
      await producer.close();
      // With the client's default retry, a fixed 1,000 ms, each transaction took about a second.
      assert.ok(perTransactionMs < 700, `${perTransactionMs.toFixed(0)} ms per transaction`);
      // Visible once the last commit's markers are written.
      await eventually(async () => {
        const ends = await transport.endOffsets(topic);
        assert.deepEqual(ends, [40, 40, 40, 40], "20 records and 20 commit markers per partition");
      });
    } finally {
      await transport.close();
    }
  },
});

Deno.test({
  name:
    "platformatic: a transaction's sends to several topics join it in one AddPartitionsToTxn, before its offset",
  ignore: NO_KAFKA,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const transport = kafkaTransport("platformatic");
    // The transaction's requests, in the order they began (the client traces each).
    const operations: string[] = [];
    const onStart = (context: unknown) => {
      operations.push(String((context as { operation?: string }).operation));
    };
    const channel = tracingChannel("plt:kafka:producer:transactions");
    channel.subscribe({ start: onStart } as never);
    try {
      const topics = ["a", "b", "c"].map((name) =>
        `joined-${name}-${crypto.randomUUID().slice(0, 8)}`
      );
      await transport.ensureTopics(topics.map((name) => ({ name, partitions: 2 })));
      const producer = await transport.transactionalProducer(`${topics[0]}-writer`);
      const records = [0, 1].map((partition) => ({
        key: null,
        partition,
        value: encoder.encode("x"),
      }));
      // A first transaction, as a partition actor's first batch: the producer learns the topics'
      // partition counts.
      const first = await producer.begin();
      await Promise.all(topics.map((topic) => first.send(topic, records)));
      await first.commit();
      operations.length = 0;
      const transaction = await producer.begin();
      // As a partition's batch is committed: every topic's send at once, then the offset.
      await Promise.all([
        ...topics.map((topic) => transaction.send(topic, records)),
        transaction.commitOffset(`${topics[0]}-group`, { topic: topics[0], partition: 0 }, 1),
      ]);
      await transaction.commit();
      await producer.close();
      // One request adds every topic's partitions, and it comes before the offset's requests, so
      // that the records go out while the offset is committed.
      assert.deepEqual(
        operations.filter((operation) => operation !== "begin" && operation !== "commit"),
        ["addPartitions", "addOffsetsToTransaction", "commitOffset"],
      );
      await eventually(async () => {
        for (const topic of topics) {
          assert.deepEqual(await transport.endOffsets(topic), [4, 4], "2 records, 2 markers");
        }
      });
    } finally {
      channel.unsubscribe({ start: onStart } as never);
      await transport.close();
    }
  },
});
