import assert from "node:assert/strict";
import kafkajs from "kafkajs";
import { kafkaLogError } from "../../../../actors/log/kafka/errors.ts";
import { KafkaTransport } from "../../../../actors/log/kafka/transport.ts";
import { LogError } from "../../../../actors/log/types.ts";
import { NO_KAFKA, TEST_BROKERS } from "../../../fixtures/kafka.ts";
import { closedPort } from "../../../fixtures/dead_addresses.ts";

let counter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${counter++}`;

/** The LogError `promise` rejects with. */
async function logError(promise: Promise<unknown>): Promise<LogError> {
  const error = await promise.then(() => undefined, (error) => error);
  assert.ok(error instanceof LogError, `a LogError, got ${error}`);
  return error;
}

const kafkaTest = (name: string, fn: (transport: KafkaTransport) => Promise<void>) =>
  Deno.test({
    name,
    ignore: NO_KAFKA,
    fn: async () => {
      const transport = new KafkaTransport({
        brokers: TEST_BROKERS!,
        clientId: "fraudstream-test",
      });
      try {
        await fn(transport);
      } finally {
        await transport.close();
      }
    },
  });

Deno.test("kafka errors: mapped by class and protocol type, through kafkajs's retry wrappers", () => {
  const brokers = ["k1:9092", "k2:9092"];
  // As kafkajs's retrier wraps the failure that ends its retries (src/retry/index.js).
  const NonRetriable = kafkajs.KafkaJSNonRetriableError as unknown as new (
    e: Error,
    options: { cause: Error },
  ) => Error;
  const gaveUp = (e: Error) =>
    new kafkajs.KafkaJSNumberOfRetriesExceeded(e, { retryCount: 3, retryTime: 1000 });
  // kafkajs's types declare this constructor without its message.
  const SASLError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (m: string) => Error;
  const refused = new SASLError("SASL PLAIN authentication failed: bad password");
  const cases: [Error, string, boolean][] = [
    [new NonRetriable(refused, { cause: refused }), "authentication", false],
    [gaveUp(new kafkajs.KafkaJSConnectionError("Connection error: refused")), "unavailable", true],
    [gaveUp(new kafkajs.KafkaJSRequestTimeoutError("Request timed out")), "unavailable", true],
  ];
  for (const [error, kind, retriable] of cases) {
    const mapped = kafkaLogError(error, brokers);
    assert.ok(mapped instanceof LogError, `${error.message}: ${mapped}`);
    assert.equal(mapped.kind, kind, mapped.message);
    assert.equal(mapped.retriable, retriable, mapped.message);
  }
  // A failure that is not kafkajs's (a batch handler's), even wrapped by kafkajs, is kept as is.
  const handlerFailure = new Error("handler failed");
  assert.equal(kafkaLogError(gaveUp(handlerFailure), brokers), handlerFailure);
  assert.equal(kafkaLogError(handlerFailure, brokers), handlerFailure);
  const logError = new LogError("fenced", "fenced");
  assert.equal(kafkaLogError(logError, brokers), logError);
});

Deno.test("kafka errors: brokers that cannot be reached are 'unavailable', worth retrying", async () => {
  const transport = new KafkaTransport({
    brokers: [`127.0.0.1:${closedPort()}`],
    clientId: "fraudstream-test",
  });
  try {
    const error = await logError(transport.ensureTopics([{ name: "t", partitions: 1 }]));
    assert.equal(error.kind, "unavailable", error.message);
    assert.equal(error.retriable, true);
    assert.match(error.message, /^cannot reach Kafka at 127\.0\.0\.1:\d+ \(.+\); check --brokers/);
  } finally {
    await transport.close();
  }
});

Deno.test({
  name: "kafka errors: credentials the broker refuses are 'authentication', not retried",
  ignore: NO_KAFKA,
  fn: async () => {
    // The test cluster has no SASL listener: it refuses any SASL handshake.
    const transport = new KafkaTransport({
      brokers: TEST_BROKERS!,
      clientId: "fraudstream-test",
      sasl: { mechanism: "plain", username: "fraudstream", password: "wrong" },
    });
    try {
      const started = Date.now();
      const error = await logError(transport.ensureTopics([{ name: unique("t"), partitions: 1 }]));
      assert.equal(error.kind, "authentication", error.message);
      assert.equal(error.retriable, false);
      assert.match(error.message, /refused the credentials .*; check KAFKA_SASL_\*/);
      assert.ok(Date.now() - started < 10_000, "failed at once, not after retries");
    } finally {
      await transport.close();
    }
  },
});

kafkaTest(
  "kafka errors: a replication factor above the brokers is 'invalid', not retried",
  async (transport) => {
    const error = await logError(
      transport.ensureTopics([{ name: unique("rf"), partitions: 1, replicationFactor: 9 }]),
    );
    assert.equal(error.kind, "invalid", error.message);
    assert.equal(error.retriable, false);
  },
);

kafkaTest(
  "kafka errors: a topic with fewer partitions than asked for is 'invalid'",
  async (transport) => {
    const topic = unique("few");
    await transport.ensureTopics([{ name: topic, partitions: 1 }]);
    const error = await logError(transport.ensureTopics([{ name: topic, partitions: 3 }]));
    assert.equal(error.kind, "invalid", error.message);
    assert.match(error.message, /has 1 partitions, fewer than the 3 asked for/);
  },
);

kafkaTest(
  "kafka errors: a record over the broker's size limit is 'too_large', not retried",
  async (transport) => {
    const topic = unique("large");
    await transport.ensureTopics([{ name: topic, partitions: 1 }]);
    const producer = await transport.producer();
    try {
      // Over the broker's message.max.bytes (1 MiB by default).
      const value = new Uint8Array(2 * 1024 * 1024);
      const error = await logError(producer.send(topic, [{ key: null, value }]));
      assert.equal(error.kind, "too_large", error.message);
      assert.equal(error.retriable, false);
    } finally {
      await producer.close();
    }
  },
);
