import assert from "node:assert/strict";
import {
  AuthenticationError,
  MultipleErrors,
  NetworkError,
  ProtocolError,
  UserError,
} from "@platformatic/kafka";
import { platformaticLogError } from "../../../../actors/log/platformatic/errors.ts";
import { LogError } from "../../../../actors/log/types.ts";
import { UsageError } from "../../../../actors/lib/errors.ts";

const brokers = ["k1:9092", "k2:9092"];
const classify = (error: unknown) => platformaticLogError(error, brokers) as LogError;

Deno.test("the broker's answers become LogErrors by their protocol name", () => {
  const cases: [string, string, boolean][] = [
    ["PRODUCER_FENCED", "fenced", false],
    ["INVALID_PRODUCER_EPOCH", "fenced", false],
    ["TOPIC_AUTHORIZATION_FAILED", "authorization", false],
    ["MESSAGE_TOO_LARGE", "too_large", false],
    ["UNKNOWN_TOPIC_OR_PARTITION", "unknown_topic", true],
    ["INVALID_REPLICATION_FACTOR", "invalid", false],
    ["NOT_LEADER_OR_FOLLOWER", "unavailable", true],
    ["CONCURRENT_TRANSACTIONS", "unavailable", true],
  ];
  for (const [name, kind, retriable] of cases) {
    const error = classify(new ProtocolError(name));
    assert.ok(error instanceof LogError, name);
    assert.equal(error.kind, kind, name);
    assert.equal(error.retriable, retriable, name);
  }
});

Deno.test("credentials refused while connecting are an authentication failure, not retried", () => {
  const refused = new NetworkError("Connection to k1:9092 failed.", {
    cause: new AuthenticationError("Cannot find a suitable SASL mechanism."),
  });
  const error = classify(refused);
  assert.equal(error.kind, "authentication");
  assert.equal(error.retriable, false);
  assert.match(error.message, /refused the credentials .*; check KAFKA_SASL_\*/);
});

Deno.test("a broker that cannot be reached is 'unavailable', naming the brokers", () => {
  const error = classify(new NetworkError("Connection to k1:9092 failed."));
  assert.equal(error.kind, "unavailable");
  assert.equal(error.retriable, true);
  assert.match(error.message, /cannot reach Kafka at k1:9092,k2:9092/);
});

Deno.test("retries that ran out are judged by the attempt retrying does not mend", () => {
  const attempts = new MultipleErrors("produce failed 3 times.", [
    new NetworkError("Connection to k1:9092 failed."),
    new ProtocolError("NOT_LEADER_OR_FOLLOWER"),
    new ProtocolError("PRODUCER_FENCED"),
  ]);
  assert.equal(classify(attempts).kind, "fenced");
  const transient = new MultipleErrors("fetch failed 2 times.", [
    new ProtocolError("NOT_LEADER_OR_FOLLOWER"),
    new NetworkError("Connection to k2:9092 failed."),
  ]);
  assert.equal(classify(transient).kind, "unavailable");
  assert.equal(classify(transient).retriable, true);
});

Deno.test("a request the client refuses as asked is 'invalid'; other failures pass unchanged", () => {
  assert.equal(classify(new UserError("There is already an active transaction.")).kind, "invalid");
  const handler = new Error("handler failed");
  assert.equal(platformaticLogError(handler, brokers), handler);
  const own = new UsageError("bad flag");
  assert.equal(platformaticLogError(own, brokers), own);
});
