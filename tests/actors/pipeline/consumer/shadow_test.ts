import assert from "node:assert/strict";
import { join } from "node:path";
import { EmbeddedTransport, type LogRecord, type TopicSpec } from "../../../../actors/log/mod.ts";
import { ActorSystem } from "../../../../actors/runtime/mod.ts";
import {
  type CommittedBatch,
  consumerMetrics,
  type ConsumerTopics,
  consumerTree,
} from "../../../../actors/pipeline/consumer/mod.ts";
import { modelScoring } from "../../../../actors/pipeline/consumer/model_scoring.ts";
import { ShadowComparison } from "../../../../actors/pipeline/consumer/shadow_comparison.ts";
import { type PipelineEvents, pipelineEvents } from "../../../../actors/pipeline/events.ts";
import { transactionRecords } from "../../../../actors/pipeline/producer/chunks.ts";
import { poll } from "../../../../actors/lib/async.ts";
import { UsageError } from "../../../../actors/lib/errors.ts";
import { PROMOTED_FILE, promoteModel } from "../../../../model/promotion.ts";
import type { Transaction } from "../../../../model/schema.ts";
import { sampleTransaction } from "../../../fixtures/transactions.ts";
import { installModelVersion } from "../../../fixtures/model_versions.ts";

const TOPICS: ConsumerTopics = {
  transactions: "transactions",
  alerts: "alerts",
  scores: "scores",
  deadLetters: "dlq",
  cardState: "card-state",
};
const GROUP = "scoring";

/** Thresholds of the two model versions (copies of the pretrained forest). */
const THRESHOLDS: Record<string, number> = { v1: 0.8, v2: 0.5 };

/** `count` transactions from `from` over 40 cards, every fifth labelled fraud. */
function rows(from: number, count: number): Transaction[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return { ...sampleTransaction(i, 40), is_fraud: i % 5 === 0 ? 1 : 0 };
  });
}

/** A models folder with v1 (older) and v2 (newer), and an embedded log with the topics. */
async function setUp(partitions: number) {
  const modelsDir = await Deno.makeTempDir();
  await installModelVersion(modelsDir, "v1", {
    threshold: THRESHOLDS.v1,
    createdAt: "2026-01-01T00:00:00Z",
  });
  await installModelVersion(modelsDir, "v2", {
    threshold: THRESHOLDS.v2,
    createdAt: "2026-01-02T00:00:00Z",
  });
  const transport = new EmbeddedTransport();
  const specs: TopicSpec[] = [
    { name: TOPICS.transactions, partitions },
    { name: TOPICS.alerts, partitions },
    { name: TOPICS.scores, partitions },
    { name: TOPICS.deadLetters, partitions },
    { name: TOPICS.cardState, partitions, compact: true },
  ];
  await transport.ensureTopics(specs);
  const producer = await transport.producer();
  const send = async (batch: Transaction[]) =>
    await producer.send(
      TOPICS.transactions,
      transactionRecords(batch, { encoding: "arrow", partitions }),
    );
  return {
    modelsDir,
    transport,
    send,
    close: async () => {
      await transport.close();
      await Deno.remove(modelsDir, { recursive: true });
    },
  };
}

/** A consumer (group member, partition actors, one scoring worker) of the real model scoring. */
async function startConsumer(
  transport: EmbeddedTransport,
  options: { id: string; model: string; modelsDir: string; shadowModel?: string },
) {
  const events = pipelineEvents();
  const scoring = await modelScoring({
    model: options.model,
    modelsDir: options.modelsDir,
    shadowModel: options.shadowModel,
    workers: 1,
    events,
    pollMs: 50,
  });
  const metrics = consumerMetrics();
  const seen: { [Name in keyof PipelineEvents]?: PipelineEvents[Name][] } = {};
  const record = <Name extends keyof PipelineEvents>(name: Name) =>
    events.on(name, (event) => ((seen[name] ??= []) as PipelineEvents[Name][]).push(event));
  record("committed");
  record("modelSwitched");
  record("modelIncompatible");
  record("modelRefused");
  const comparison = new ShadowComparison();
  comparison.follow(events);
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: options.id,
    children: [consumerTree({
      transport,
      groupId: GROUP,
      topics: TOPICS,
      emitScores: true,
      scorers: scoring.scorers,
      metrics,
      before: scoring.children,
      events,
    })],
  });
  return { system, metrics, seen, comparison, scoring };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000) {
  if (!(await poll(condition, { timeoutMs }))) throw new Error(`timed out waiting for ${what}`);
}

const PRETRAINED_DIR = new URL("../../../../resources/models/pretrained", import.meta.url)
  .pathname;

const json = (record: LogRecord) => JSON.parse(new TextDecoder().decode(record.value));

Deno.test("a shadow model scores every transaction, never alerts, and is compared live", async () => {
  const log = await setUp(2);
  const consumer = await startConsumer(log.transport, {
    id: "a",
    model: "v1",
    modelsDir: log.modelsDir,
    shadowModel: "v2",
  });
  try {
    assert.equal(consumer.scoring.shadow?.version, "v2");
    const sent = rows(0, 200);
    for (let i = 0; i < sent.length; i += 25) await log.send(sent.slice(i, i + 25));
    await waitFor(() => consumer.metrics.scored === 200, "200 rows scored");

    // What each row scored, by either model, from the committed batches.
    const batches: CommittedBatch[] = consumer.seen.committed!.filter((b) => b.rows > 0);
    const main = new Map<string, number>();
    const shadow = new Map<string, number>();
    for (const batch of batches) {
      assert.equal(batch.modelVersion, "v1");
      assert.equal(batch.shadow?.modelVersion, "v2");
      assert.equal(batch.shadow?.threshold, THRESHOLDS.v2);
      batch.ids().forEach((id, i) => {
        main.set(id, batch.scores[i]);
        shadow.set(id, batch.shadow!.scores[i]);
      });
    }
    assert.equal(main.size, 200);
    // The same forest under two names: the shadow scored the same rows, in the same order.
    assert.deepEqual([...shadow], [...main]);

    // Only the alerting model's alerts are published; every score names it.
    const alerts = (await log.transport.readTopic(TOPICS.alerts)).map(json);
    const expectedAlerts = [...main].filter(([, s]) => s >= THRESHOLDS.v1).map(([id]) => id);
    const shadowAlerts = [...shadow].filter(([, s]) => s >= THRESHOLDS.v2).map(([id]) => id);
    assert.ok(
      expectedAlerts.length > 0 && shadowAlerts.length > expectedAlerts.length,
      `the two thresholds alert differently (${expectedAlerts.length}, ${shadowAlerts.length})`,
    );
    assert.deepEqual(alerts.map((a) => a.trans_num).sort(), expectedAlerts.sort());
    assert.ok(alerts.every((a) => a.model_version === "v1" && a.threshold === THRESHOLDS.v1));
    const scores = (await log.transport.readTopic(TOPICS.scores)).map(json);
    assert.equal(scores.length, 200);
    assert.ok(scores.every((s) => s.model_version === "v1"));

    // The comparison, recounted here row by row.
    const label = new Map(sent.map((row) => [row.trans_num, row.is_fraud]));
    const count = (scored: Map<string, number>, threshold: number) => {
      const alerted = [...scored].filter(([, s]) => s >= threshold).map(([id]) => id);
      return {
        alerts: alerted.length,
        truePositives: alerted.filter((id) => label.get(id) === 1).length,
      };
    };
    const figures = consumer.comparison.figures()!.current;
    assert.equal(figures.rows, 200);
    assert.equal(figures.frauds, 40);
    const m = count(main, THRESHOLDS.v1);
    const s = count(shadow, THRESHOLDS.v2);
    assert.equal(figures.main.alerts, m.alerts);
    assert.equal(figures.main.truePositives, m.truePositives);
    assert.equal(figures.main.falseNegatives, 40 - m.truePositives);
    assert.equal(figures.shadow.alerts, s.alerts);
    assert.equal(figures.shadow.truePositives, s.truePositives);
    assert.equal(figures.shadow.precision, s.truePositives / s.alerts);
    assert.equal(figures.shadow.recall, s.truePositives / 40);
    // Same scores, thresholds 0.8 and 0.5: they disagree exactly on the rows in between.
    assert.equal(figures.agreed, 200 - (s.alerts - m.alerts));
  } finally {
    await consumer.system.shutdown();
    await log.close();
  }
});

Deno.test("promote switches every consumer with latest once, no transaction unscored or scored twice", async () => {
  const log = await setUp(4);
  // v2 is the newest, but v1 is promoted: consumers with latest start with v1.
  await promoteModel(log.modelsDir, "v1");
  const start = (id: string) =>
    startConsumer(log.transport, { id, model: "latest", modelsDir: log.modelsDir });
  const a = await start("a");
  const b = await start("b");
  const consumers = [a, b];
  const owned = (system: ActorSystem) =>
    system.snapshot().children![0].children!.find((c) => c.id === "partitions")!.children!.length;
  const scored = () => a.metrics.scored + b.metrics.scored;
  try {
    assert.equal(a.scoring.current().version, "v1");
    await waitFor(() => owned(a.system) === 2 && owned(b.system) === 2, "partitions shared");
    const before = rows(0, 200);
    for (let i = 0; i < before.length; i += 20) await log.send(before.slice(i, i + 20));
    await waitFor(() => scored() === 200, "200 rows scored");
    // Promoted while transactions keep coming.
    const during = rows(200, 200);
    for (let i = 0; i < during.length; i += 20) {
      await log.send(during.slice(i, i + 20));
      if (i === 40) await promoteModel(log.modelsDir, "v2");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await waitFor(
      () => consumers.every((c) => c.seen.modelSwitched?.some((e) => e.version === "v2")),
      "both consumers to switch to v2",
    );
    const after = rows(400, 200);
    for (let i = 0; i < after.length; i += 20) await log.send(after.slice(i, i + 20));
    await waitFor(() => scored() === 600, "600 rows scored");
    for (const consumer of consumers) {
      assert.deepEqual(consumer.seen.modelSwitched, [{ version: "v2" }], "one switch each");
    }

    // Every transaction scored exactly once.
    const scores = (await log.transport.readTopic(TOPICS.scores)).map(json);
    const all = [...before, ...during, ...after];
    assert.equal(scores.length, all.length);
    assert.deepEqual(
      new Set(scores.map((s) => s.trans_num)),
      new Set(all.map((row) => row.trans_num)),
    );
    const version = new Map(scores.map((s) => [s.trans_num, s.model_version]));
    assert.ok(before.every((row) => version.get(row.trans_num) === "v1"), "before: v1");
    assert.ok(after.every((row) => version.get(row.trans_num) === "v2"), "after: v2");
    // Each partition switched once, from v1 to v2, at an offset: versions monotone by offset.
    for (let partition = 0; partition < 4; partition++) {
      const sequence = scores.filter((s) => s.partition === partition)
        .sort((x, y) => x.offset - y.offset)
        .map((s) => s.model_version);
      const switchAt = sequence.indexOf("v2");
      assert.ok(switchAt > 0, `partition ${partition} scored with v1, then v2`);
      assert.ok(
        sequence.slice(0, switchAt).every((v) => v === "v1") &&
          sequence.slice(switchAt).every((v) => v === "v2"),
        `partition ${partition}: ${sequence.join(" ")}`,
      );
    }
    // Each alert is its version's: at or over that version's threshold, once.
    const alerts = (await log.transport.readTopic(TOPICS.alerts)).map(json);
    const expected = scores.filter((s) => s.score >= THRESHOLDS[s.model_version]);
    assert.deepEqual(
      alerts.map((alert) => `${alert.trans_num} ${alert.model_version} ${alert.threshold}`).sort(),
      expected.map((s) => `${s.trans_num} ${s.model_version} ${THRESHOLDS[s.model_version]}`)
        .sort(),
    );
  } finally {
    await a.system.shutdown();
    await b.system.shutdown();
    await log.close();
  }
});

Deno.test("a newest version copied in unfinished is refused once, with why, and taken up once whole", async () => {
  const log = await setUp(2);
  const consumer = await startConsumer(log.transport, {
    id: "a",
    model: "latest",
    modelsDir: log.modelsDir,
  });
  try {
    await log.send(rows(0, 50));
    await waitFor(() => consumer.metrics.scored === 50, "50 rows scored");
    // Copied by hand (cp -r), not renamed into place: its model.json is cut short for now.
    const whole = await installModelVersion(log.modelsDir, "v9-whole", {
      createdAt: "2026-01-09T00:00:00Z",
    });
    const copy = join(log.modelsDir, "v9");
    await Deno.mkdir(copy);
    const manifest = await Deno.readTextFile(join(whole, "model.json"));
    await Deno.remove(whole, { recursive: true });
    await Deno.writeTextFile(join(copy, "model.json"), manifest.slice(0, 40));
    await waitFor(() => (consumer.seen.modelRefused?.length ?? 0) > 0, "the refusal");
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(consumer.seen.modelRefused?.length, 1, "told once");
    assert.match(consumer.seen.modelRefused![0].reason, /not valid JSON/);
    // The copy finishes: taken up.
    await Deno.copyFile(join(PRETRAINED_DIR, "forest.bin"), join(copy, "forest.bin"));
    await Deno.writeTextFile(
      join(copy, "model.json"),
      manifest.replace('"version":"v9-whole"', '"version":"v9"'),
    );
    await waitFor(
      () => consumer.seen.modelSwitched?.some((e) => e.version === "v9") ?? false,
      "the switch to v9",
    );
    await log.send(rows(50, 50));
    await waitFor(() => consumer.metrics.scored === 100, "100 rows scored");
    assert.equal(consumer.seen.committed!.filter((b) => b.rows > 0).at(-1)!.modelVersion, "v9");
  } finally {
    await consumer.system.shutdown();
    await log.close();
  }
});

Deno.test("a promoted version of another encoder, or a broken pointer, is refused once; scoring and shadow go on", async () => {
  const log = await setUp(2);
  await installModelVersion(log.modelsDir, "v3", {
    createdAt: "2026-01-03T00:00:00Z",
    historySize: 24,
  });
  await promoteModel(log.modelsDir, "v1");
  const consumer = await startConsumer(log.transport, {
    id: "a",
    model: "latest",
    modelsDir: log.modelsDir,
    shadowModel: "v2",
  });
  try {
    await log.send(rows(0, 50));
    await waitFor(() => consumer.metrics.scored === 50, "50 rows scored");
    await promoteModel(log.modelsDir, "v3");
    await waitFor(() => (consumer.seen.modelIncompatible?.length ?? 0) > 0, "the refusal");
    // Several looks later, still told once.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(consumer.seen.modelIncompatible, [{ version: "v3" }]);
    // A pointer that names no model (edited by hand): refused once, scoring goes on.
    await Deno.writeTextFile(join(log.modelsDir, PROMOTED_FILE), "not json");
    await waitFor(() => (consumer.seen.modelRefused?.length ?? 0) > 0, "the refusal");
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(consumer.seen.modelRefused?.length, 1);
    assert.match(consumer.seen.modelRefused![0].reason, /does not name a promoted model version/);
    await log.send(rows(50, 50));
    await waitFor(() => consumer.metrics.scored === 100, "100 rows scored");
    const last = consumer.seen.committed!.filter((b) => b.rows > 0).at(-1)!;
    assert.equal(last.modelVersion, "v1");
    assert.equal(last.shadow?.modelVersion, "v2");
    assert.equal(consumer.comparison.figures()!.current.rows, 100);
    // A shadow model of another encoder is refused at the start, naming the setting.
    await assert.rejects(
      modelScoring({ model: "v1", modelsDir: log.modelsDir, shadowModel: "v3", workers: 1 }),
      (error: unknown) => {
        assert.ok(error instanceof UsageError, String(error));
        assert.match(error.message, /--shadow-model v3: model v3 computes its features with/);
        return true;
      },
    );
  } finally {
    await consumer.system.shutdown();
    await log.close();
  }
});
