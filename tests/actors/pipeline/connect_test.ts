import assert from "node:assert/strict";
import type { Config } from "../../../config/config.ts";
import { loadConfig } from "../../../config/load.ts";
import { UsageError } from "../../../actors/lib/errors.ts";
import { ensureTopicsPatiently, openTransport } from "../../../actors/pipeline/connect.ts";
import { KafkaTransport } from "../../../actors/log/kafka/transport.ts";
import { PlatformaticTransport } from "../../../actors/log/platformatic/transport.ts";
import { KAFKA_CLIENTS } from "../../../actors/log/kafka_client.ts";
import { LogError } from "../../../actors/log/types.ts";
import { kafkaTransport, NO_KAFKA } from "../../fixtures/kafka.ts";
import { closedPort, silentServer } from "../../fixtures/dead_addresses.ts";

const topic = () => [{ name: `patient-${crypto.randomUUID().slice(0, 8)}`, partitions: 1 }];

for (const client of KAFKA_CLIENTS) {
  Deno.test(`${client}: a stop while a request to an address that never answers is in flight ends the wait, not in an error`, async () => {
    const server = silentServer();
    const transport = kafkaTransport(client, { brokers: [`127.0.0.1:${server.port}`] });
    const stop = new AbortController();
    try {
      const waiting = ensureTopicsPatiently(transport, topic(), { signal: stop.signal });
      await new Promise((resolve) => setTimeout(resolve, 500));
      // As a role stops: the signal, then its transport closed under the request.
      stop.abort();
      await transport.close();
      assert.equal(await waiting, false);
    } finally {
      await transport.close();
      server.close();
    }
  });

  Deno.test(`${client}: a log that cannot be reached is waited for, saying so, until the signal ends the wait`, async () => {
    const transport = kafkaTransport(client, { brokers: [`127.0.0.1:${closedPort()}`] });
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
    name: `${client}: credentials the log refuses end the wait at once, with the reason`,
    ignore: NO_KAFKA,
    fn: async () => {
      // The test cluster has no SASL listener: it refuses any SASL handshake.
      const transport = kafkaTransport(client, {
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
    name: `${client}: a topic the cluster cannot create ends the wait at once, with the reason`,
    ignore: NO_KAFKA,
    fn: async () => {
      const transport = kafkaTransport(client);
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
}

Deno.test("--kafka-client / KAFKA_CLIENT choose the client library of the Kafka transport", async () => {
  const configOf = (args: string[], env: Record<string, string> = {}) => {
    const invocation = loadConfig(["consume", "--brokers", "127.0.0.1:9", ...args], { env });
    assert.equal(invocation.kind, "run");
    return (invocation as { config: Config }).config;
  };
  const chosen = await Promise.all([
    configOf([]),
    configOf(["--kafka-client", "kafkajs"]),
    configOf([], { KAFKA_CLIENT: "kafkajs" }),
    configOf(["--kafka-client", "platformatic"], { KAFKA_CLIENT: "kafkajs" }),
  ].map((config) => openTransport(config)));
  try {
    // @platformatic/kafka unless told: the default measured faster (README, Dependencies).
    assert.deepEqual(chosen.map((transport) => transport.constructor), [
      PlatformaticTransport,
      KafkaTransport,
      KafkaTransport,
      PlatformaticTransport,
    ]);
  } finally {
    for (const transport of chosen) await transport.close();
  }
  assert.throws(
    () => configOf(["--kafka-client", "librdkafka"]),
    (error: unknown) => error instanceof UsageError && /kafka-client/.test(error.message),
  );
});
