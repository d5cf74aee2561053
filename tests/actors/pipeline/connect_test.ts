import assert from "node:assert/strict";
import { ensureTopicsPatiently } from "../../../actors/pipeline/connect.ts";
import { KafkaTransport } from "../../../actors/log/kafka/transport.ts";
import { LogError } from "../../../actors/log/types.ts";
import { NO_KAFKA, TEST_BROKERS } from "../../fixtures/kafka.ts";

/** A local port nothing listens on. */
function closedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

const topic = () => [{ name: `patient-${crypto.randomUUID().slice(0, 8)}`, partitions: 1 }];

Deno.test("a log that cannot be reached is waited for, saying so, until the signal ends the wait", async () => {
  const transport = new KafkaTransport({
    brokers: [`127.0.0.1:${closedPort()}`],
    clientId: "fraudstream-test",
  });
  const stop = new AbortController();
  const lines: string[] = [];
  try {
    const ready = await ensureTopicsPatiently(transport, topic(), {
      signal: stop.signal,
      onWait: (line) => {
        lines.push(line);
        if (lines.length === 2) stop.abort();
      },
      maxDelayMs: 1000,
    });
    assert.equal(ready, false, "ended by the signal, not by a failure");
    assert.equal(lines.length, 2);
    assert.match(lines[0], /^cannot reach Kafka at .*; retrying in 1 s \(attempt 1\)$/);
    assert.match(lines[1], /\(attempt 2\)$/);
  } finally {
    await transport.close();
  }
});

Deno.test({
  name: "credentials the log refuses end the wait at once, with the reason",
  ignore: NO_KAFKA,
  fn: async () => {
    // The test cluster has no SASL listener: it refuses any SASL handshake.
    const transport = new KafkaTransport({
      brokers: TEST_BROKERS!,
      clientId: "fraudstream-test",
      sasl: { mechanism: "plain", username: "fraudstream", password: "wrong" },
    });
    const lines: string[] = [];
    try {
      await assert.rejects(
        ensureTopicsPatiently(transport, topic(), {
          signal: AbortSignal.timeout(20_000),
          onWait: (line) => lines.push(line),
        }),
        (error) => error instanceof LogError && error.kind === "authentication",
      );
      assert.deepEqual(lines, [], "not retried");
    } finally {
      await transport.close();
    }
  },
});

Deno.test({
  name: "a topic the cluster cannot create ends the wait at once, with the reason",
  ignore: NO_KAFKA,
  fn: async () => {
    const transport = new KafkaTransport({ brokers: TEST_BROKERS!, clientId: "fraudstream-test" });
    const lines: string[] = [];
    try {
      await assert.rejects(
        ensureTopicsPatiently(transport, [{ ...topic()[0], replicationFactor: 9 }], {
          signal: AbortSignal.timeout(20_000),
          onWait: (line) => lines.push(line),
        }),
        (error) => error instanceof LogError && error.kind === "invalid",
      );
      assert.deepEqual(lines, [], "not retried");
    } finally {
      await transport.close();
    }
  },
});
