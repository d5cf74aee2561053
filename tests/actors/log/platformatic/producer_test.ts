import assert from "node:assert/strict";
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
