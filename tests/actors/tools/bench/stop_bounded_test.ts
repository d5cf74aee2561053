import assert from "node:assert/strict";
import { runScaling } from "../../../../actors/tools/bench/scaling.ts";
import type { TopicDeleter } from "../../../../actors/tools/bench/topic_cleanup.ts";
import { within } from "../../../../actors/tools/bench/within.ts";
import { cellTopics } from "../../../../actors/tools/bench/cell_harness.ts";
import { TOPICS } from "../../../../actors/pipeline/topics.ts";
import { EmbeddedTransport, type Transport } from "../../../../actors/log/mod.ts";
import { delay } from "../../../../actors/lib/async.ts";

const MODELS_DIR = new URL("../../../../resources/models", import.meta.url).pathname;

/** `inner`, except that consumers do not stop until `release` resolves (a stuck broker call). */
function stuckStops(inner: Transport, release: Promise<void>): Transport {
  const bound = <T extends object>(target: T, prop: string | symbol) => {
    const value = Reflect.get(target, prop);
    return typeof value === "function" ? value.bind(target) : value;
  };
  return new Proxy(inner, {
    get(target, prop) {
      if (prop !== "consumer") return bound(target, prop);
      return (options: Parameters<Transport["consumer"]>[0]) => {
        const consumer = target.consumer(options);
        return new Proxy(consumer, {
          get(member, name) {
            if (name !== "stop") return bound(member, name);
            return async () => {
              await release;
              await member.stop();
            };
          },
        });
      };
    },
  });
}

Deno.test({
  name:
    "a cell whose actors do not stop fails in bounded time, and its topics are still deleted; the cluster's own output topics get nothing",
  // The stuck cells' actors are left behind on purpose until the end of the test.
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const release = Promise.withResolvers<void>();
    const inner = new EmbeddedTransport();
    const deleted: string[] = [];
    const deleter: TopicDeleter = {
      delete: ({ topics }) => {
        deleted.push(...topics);
        return Promise.resolve();
      },
    };
    try {
      const started = performance.now();
      const report = await runScaling({
        scenario: "e2e",
        rows: 500,
        partitions: [1],
        workers: [1],
        encoding: "json",
        rate: 0,
        seed: 7,
        model: "pretrained",
        modelsDir: MODELS_DIR,
        replicationFactor: undefined,
        repeat: 1,
        // Stands in for Kafka: the same log, with consumers that never finish stopping.
        kafka: stuckStops(inner, release.promise),
        topicDeleter: deleter,
        stopTimeoutMs: 1000,
        signal: new AbortController().signal,
      });
      const seconds = (performance.now() - started) / 1000;
      assert.ok(seconds < 120, `took ${seconds} s`);
      const stuck = report.cells.filter((cell) => cell.transport === "kafka");
      assert.equal(stuck.length, 2);
      for (const cell of stuck) {
        assert.equal(cell.ok, false);
        assert.match(cell.error!, /actors did not stop within 1 s of being asked/);
        assert.equal(cell.lost, 0, "everything was scored before the stop");
        const check = cell.runs[0].topic_check!;
        assert.equal(check.published, cell.accounting!.produced, "the topic read back");
        assert.equal(check.scored, check.published);
      }
      assert.ok(report.cells.filter((c) => c.transport === "embedded").every((c) => c.ok));
      assert.equal(report.ok, false);
      // Each failed Kafka run's topics: its transactions and its own output topics.
      const runTopics = deleted.filter((name) =>
        !deleted.some((other) => name.startsWith(`${other}-`))
      );
      assert.equal(runTopics.length, 2, deleted.join(", "));
      assert.deepEqual(deleted, runTopics.flatMap(cellTopics));
      // The producers' ledger of its own went with the run's topics.
      for (const topic of runTopics) assert.ok(deleted.includes(`${topic}-${TOPICS.ledger}`));
      // The cluster's own alerts, scores, dead letters, card states and ledger got nothing.
      for (const name of Object.values(TOPICS)) {
        assert.deepEqual(await inner.readTopic(name).catch(() => []), [], name);
      }
      assert.match(report.kafka.topics!, /the topics of 2 cell runs, bench-\w+-\*, all deleted/);
    } finally {
      release.resolve();
      await delay(2000); // the left-behind actors stop now
      await inner.close();
    }
  },
});

Deno.test("within: a value in time, a rejection in time, or not settled", async () => {
  assert.deepEqual(await within(Promise.resolve(3), 1000), {
    settled: true,
    outcome: { status: "fulfilled", value: 3 },
  });
  const failed = await within(Promise.reject(new Error("no")), 1000);
  assert.ok(failed.settled && failed.outcome.status === "rejected");
  const never = new Promise(() => {});
  assert.deepEqual(await within(never, 20), { settled: false });
});
