import assert from "node:assert/strict";
import process from "node:process";
import { setTimeout as nodeSetTimeout } from "node:timers";
import { logLevel } from "kafkajs";
import { delay } from "../../../../actors/lib/async.ts";
import { kafkaClient } from "../../../../actors/log/kafka/client.ts";
import { kafkaLogLine } from "../../../../actors/log/kafka/logging.ts";

Deno.test("kafkajs log lines: errors and warnings printed, retried and expected ones not", () => {
  assert.equal(
    kafkaLogLine(logLevel.ERROR, { message: "Connection timeout" }),
    "kafka error: Connection timeout",
  );
  assert.equal(
    kafkaLogLine(logLevel.WARN, { message: "Broker 2 is not available" }),
    "kafka warning: Broker 2 is not available",
  );
  assert.equal(
    kafkaLogLine(logLevel.INFO, { message: "Consumer has joined the group" }),
    undefined,
  );
  const concurrent = "The producer attempted to update a transaction while another concurrent " +
    "operation on the same transaction was ongoing";
  assert.equal(
    kafkaLogLine(logLevel.ERROR, {
      message: "Response AddPartitionsToTxn(key: 24, version: 1)",
      error: concurrent,
    }),
    undefined,
  );
  assert.equal(
    kafkaLogLine(logLevel.ERROR, { message: `Failed to send messages: ${concurrent}` }),
    undefined,
  );
  assert.equal(
    kafkaLogLine(logLevel.ERROR, {
      message: "Response AddPartitionsToTxn(key: 24, version: 1)",
      error: "Producer attempted an operation with an old epoch",
    }),
    "kafka error: Response AddPartitionsToTxn(key: 24, version: 1) (Producer attempted an " +
      "operation with an old epoch)",
    "another error of the same request is printed, with its reason",
  );
  assert.equal(
    kafkaLogLine(logLevel.WARN, { message: "KafkaJS v2.0.0 switched default partitioner." }),
    undefined,
  );
});

Deno.test("creating a Kafka client silences the timers' negative-timeout warnings, and only those", async () => {
  const seen: string[] = [];
  const listener = (warning: Error) => seen.push(warning.name);
  process.on("warning", listener);
  try {
    process.emitWarning("-1 is a negative number", "TimeoutNegativeWarning");
    await delay(20);
    assert.deepEqual(seen, ["TimeoutNegativeWarning"], "warned of before any client");
    seen.length = 0;
    kafkaClient({ brokers: ["127.0.0.1:9092"], clientId: "fraudstream-test" });
    // As kafkajs does with a negative throttle time.
    nodeSetTimeout(() => {}, -1);
    process.emitWarning("-2 is a negative number", { type: "TimeoutNegativeWarning" });
    process.emitWarning("another warning", "OtherWarning");
    await delay(20);
    assert.deepEqual(seen, ["OtherWarning"], "only the other warning passes");
  } finally {
    process.off("warning", listener);
  }
});
