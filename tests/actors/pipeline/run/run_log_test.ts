import assert from "node:assert/strict";
import { EmbeddedTransport } from "../../../../actors/log/embedded/transport.ts";
import { runLog } from "../../../../actors/pipeline/run/run_log.ts";
import { TOPICS, topicSpecs } from "../../../../actors/pipeline/topics.ts";

Deno.test("run's log keeps a few MiB of what nothing reads (alerts, scores, dead letters), all of the rest", async () => {
  const log = runLog();
  const transport = new EmbeddedTransport(log);
  const partitions = 6;
  await transport.ensureTopics(
    topicSpecs({ topic: "transactions", partitions, replicationFactor: undefined }),
  );
  const producer = await transport.producer();
  // 8 MiB into each partition of each topic, in records the size of a score message.
  const value = new Uint8Array(400);
  const topics = ["transactions", TOPICS.alerts, TOPICS.scores, TOPICS.deadLetters];
  for (let sent = 0; sent < 8 * 1024 * 1024; sent += 100 * value.length) {
    for (const topic of topics) {
      for (let partition = 0; partition < partitions; partition++) {
        const records = Array.from({ length: 100 }, () => ({ key: null, partition, value }));
        await producer.send(topic, records);
      }
    }
  }
  for (const topic of [TOPICS.alerts, TOPICS.scores, TOPICS.deadLetters]) {
    const held = log.heldBytes(topic);
    assert.ok(held <= partitions * 4 * 1024 * 1024, `${topic}: ${held} bytes held`);
  }
  // The transactions wait for the consumers, however many.
  assert.ok(log.heldBytes("transactions") >= partitions * 8 * 1024 * 1024);
  await transport.close();
});
