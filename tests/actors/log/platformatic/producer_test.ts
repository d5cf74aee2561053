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
  name: "platformatic: a transaction's sends to several topics join it in one AddPartitionsToTxn",
  ignore: NO_KAFKA,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const transport = kafkaTransport("platformatic");
    // The requests that add partitions to a transaction (the client traces each).
    let added = 0;
    const onStart = (context: unknown) => {
      if ((context as { operation?: string }).operation === "addPartitions") added++;
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
      const transaction = await producer.begin();
      // As a partition's batch is committed: every topic's send at once.
      await Promise.all(topics.map((topic) => transaction.send(topic, records)));
      await transaction.commit();
      await producer.close();
      assert.equal(added, 1, `${added} AddPartitionsToTxn requests, not 1`);
      await eventually(async () => {
        for (const topic of topics) {
          assert.deepEqual(await transport.endOffsets(topic), [2, 2], "a record and a marker");
        }
      });
    } finally {
      channel.unsubscribe({ start: onStart } as never);
      await transport.close();
    }
  },
});
