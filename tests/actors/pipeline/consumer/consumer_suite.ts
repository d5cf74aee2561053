import assert from "node:assert/strict";
import { encodeJson } from "../../../../actors/pipeline/codec/transactions.ts";
import {
  consumerMetrics,
  consumerTree,
  type PartitionScorer,
  type PartitionScorerFactory,
} from "../../../../actors/pipeline/consumer/mod.ts";
import { transactionRecords } from "../../../../actors/pipeline/producer/chunks.ts";
import { cardStateScope, DUPLICATE_REASON } from "../../../../actors/pipeline/consumer/records.ts";
import { segmentSlot } from "../../../../actors/pipeline/consumer/seen_ids.ts";
import {
  CardStateRestore,
  type SnapshotPolicy,
} from "../../../../actors/pipeline/consumer/card_state_log.ts";
import { cardNumber, textAt } from "../../../../model/columns.ts";
import { ActorSystem } from "../../../../actors/runtime/mod.ts";
import type { ConsumerTopics } from "../../../../actors/pipeline/consumer/mod.ts";
import type { LogRecord, TopicSpec, Transport } from "../../../../actors/log/mod.ts";
import type { Transaction } from "../../../../model/schema.ts";
import { sampleTransaction } from "../../../fixtures/transactions.ts";
import type { TransportFixture } from "../../log/conformance.ts";
import { eventually } from "../../../fixtures/eventually.ts";
import { poll } from "../../../../actors/lib/async.ts";

const THRESHOLD = 0.5;
/** Cards per card-state record of the stand-in scorer: several records a batch. */
const CARDS_PER_RECORD = 4;

let runs = 0;

/** Fresh topic names for one test, so tests on a shared Kafka cluster do not meet. */
function freshTopics(): ConsumerTopics & { group: string } {
  const prefix = `c${Date.now().toString(36)}${runs++}`;
  return {
    transactions: `${prefix}-transactions`,
    alerts: `${prefix}-alerts`,
    scores: `${prefix}-scores`,
    deadLetters: `${prefix}-dlq`,
    cardState: `${prefix}-state`,
    group: `${prefix}-scoring`,
  };
}

function specs(topics: ConsumerTopics, partitions: number): TopicSpec[] {
  return [
    { name: topics.transactions, partitions },
    { name: topics.alerts, partitions },
    { name: topics.scores, partitions },
    { name: topics.deadLetters, partitions },
    { name: topics.cardState, partitions, compact: true },
  ];
}

/**
 * A transparent stand-in for the model: the score is `amt / 300`, the card state counts the card's
 * transactions, so exactly-once state is visible in the counts. Its card-state records are JSON
 * lists of `[card, count]`, at most `CARDS_PER_RECORD` cards each.
 */
function countingScorer(
  before: (ids: string[]) => Promise<void> | void = () => {},
): PartitionScorer & { counts: Map<string, number> } {
  const counts = new Map<string, number>();
  let changed = new Set<string>();
  const records = (cards: string[]) => {
    const out: Uint8Array[] = [];
    for (let i = 0; i < cards.length; i += CARDS_PER_RECORD) {
      const entries = cards.slice(i, i + CARDS_PER_RECORD).map((card) => [card, counts.get(card)]);
      out.push(new TextEncoder().encode(JSON.stringify(entries)));
    }
    return out;
  };
  return {
    counts,
    restore: (records) => {
      let cards = 0;
      for (const record of records) {
        const entries: [string, number][] = JSON.parse(new TextDecoder().decode(record));
        for (const [card, count] of entries) counts.set(card, count);
        cards += entries.length;
      }
      return Promise.resolve(cards);
    },
    score: async (columns, options = {}) => {
      await before(
        Array.from({ length: columns.length }, (_, i) => textAt(columns, "trans_num", i)),
      );
      const scores = new Float32Array(columns.length);
      for (let i = 0; i < columns.length; i++) {
        scores[i] = Math.min(1, columns.amt[i] / 300);
        const card = cardNumber(columns, i);
        counts.set(card, (counts.get(card) ?? 0) + 1);
        changed.add(card);
      }
      const delta = records([...changed]);
      changed = new Set();
      const cardStates = options.snapshot
        ? { delta, snapshot: records([...counts.keys()]) }
        : { delta };
      return { scores, threshold: THRESHOLD, modelVersion: "test-1", cardStates };
    },
    close: () => {},
  };
}

/** Partition scorers of `countingScorer`s; `failOnce` and `hangOnce` see each batch's ids. */
function countingScorers(
  options: {
    failOnce?: (ids: string[]) => boolean;
    /** Never answers, once, for the first batch this matches. */
    hangOnce?: (ids: string[]) => boolean;
  } = {},
): PartitionScorerFactory {
  let failed = false;
  let hung = false;
  return () =>
    Promise.resolve(countingScorer((ids) => {
      if (!failed && options.failOnce?.(ids)) {
        failed = true;
        throw new Error("scorer failed on purpose");
      }
      if (!hung && options.hangOnce?.(ids)) {
        hung = true;
        return new Promise(() => {});
      }
    }));
}

const json = (record: LogRecord) => JSON.parse(new TextDecoder().decode(record.value));

async function startConsumer(
  transport: Transport,
  topics: ConsumerTopics & { group: string },
  scorers: PartitionScorerFactory,
  options: { id?: string; stepDeadlineMs?: number; snapshots?: SnapshotPolicy } = {},
) {
  const metrics = consumerMetrics();
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: options.id ?? "root",
    children: [consumerTree({
      transport,
      groupId: topics.group,
      topics,
      emitScores: true,
      scorers,
      metrics,
      stepDeadlineMs: options.stepDeadlineMs,
      snapshots: options.snapshots,
    })],
  });
  return { system, metrics };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  if (!(await poll(condition, { timeoutMs }))) throw new Error(`timed out waiting for ${what}`);
}

async function checkExactlyOnce(
  transport: Transport,
  topics: ConsumerTopics & { group: string },
  rows: Transaction[],
): Promise<void> {
  await eventually(async () => {
    const scores = (await transport.readTopic(topics.scores)).map(json);
    assert.equal(scores.length, rows.length, "one score per transaction");
    assert.deepEqual(
      new Set(scores.map((s) => s.trans_num)),
      new Set(rows.map((r) => r.trans_num)),
    );
  });
  await eventually(async () => {
    const expected = rows.filter((r) => r.amt / 300 >= THRESHOLD).map((r) => r.trans_num).sort();
    const alerts = (await transport.readTopic(topics.alerts)).map(json);
    assert.deepEqual(alerts.map((a) => a.trans_num).sort(), expected, "each alert exactly once");
    for (const alert of alerts) assert.equal(alert.model_version, "test-1");
  });
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.cc_num, (counts.get(row.cc_num) ?? 0) + 1);
  await eventually(async () => {
    // The card states as a partition actor restores them, partition by partition.
    const restored = countingScorer();
    const scope = cardStateScope(topics.group, topics.transactions);
    const ends = await transport.endOffsets(topics.cardState);
    for (const [partition, end] of ends.entries()) {
      const reading = new CardStateRestore();
      const range = { from: 0, to: end };
      for await (const records of transport.read({ topic: topics.cardState, partition }, range)) {
        for (const record of records) {
          const key = record.key!.slice(scope.length);
          if (segmentSlot(key) >= 0) continue; // the seen ids, kept beside the card states
          assert.ok(reading.add(key, record.value, record.headers), `card-state key ${key}`);
        }
      }
      await restored.restore(reading.finish().records);
    }
    assert.deepEqual(restored.counts, counts, "card states counted every transaction once");
  });
  const duplicates = (await transport.readTopic(topics.deadLetters)).map(json)
    .filter((d) => d.reason === DUPLICATE_REASON);
  assert.deepEqual(duplicates, [], "no row was taken for a duplicate of itself");
}

/** Registers the consumer tests for one transport. */
export function consumerSuite(fixture: TransportFixture): void {
  const settleMs = fixture.settleMs;
  const test = (name: string, fn: (transport: Transport) => Promise<void>) =>
    Deno.test({
      name: `${fixture.name}: ${name}`,
      ignore: fixture.ignore,
      sanitizeOps: false,
      sanitizeResources: false,
      fn: async () => {
        const { transport, close } = await fixture.open();
        try {
          await fn(transport);
        } finally {
          await close();
        }
      },
    });

  for (const encoding of ["json", "arrow"] as const) {
    test(`consumer (${encoding}): every transaction scored once, alerts above threshold, card state`, async (transport) => {
      const topics = freshTopics();
      await transport.ensureTopics(specs(topics, 3));
      const rows = Array.from({ length: 500 }, (_, i) => sampleTransaction(i, 25));
      const producer = await transport.producer();
      for (let i = 0; i < rows.length; i += 50) {
        await producer.send(
          topics.transactions,
          transactionRecords(rows.slice(i, i + 50), { encoding, partitions: 3 }),
        );
      }
      const { system, metrics } = await startConsumer(transport, topics, countingScorers());
      try {
        await waitFor(() => metrics.scored === rows.length, "all rows scored", settleMs);
        await checkExactlyOnce(transport, topics, rows);
        assert.equal(metrics.alerts, rows.filter((r) => r.amt / 300 >= THRESHOLD).length);
        assert.deepEqual(
          await transport.committedOffsets(topics.group, topics.transactions),
          await transport.endOffsets(topics.transactions),
        );
      } finally {
        await system.shutdown();
      }
    });
  }

  test("a partition actor that crashes mid-stream restarts from committed state: still exactly once", async (transport) => {
    const topics = freshTopics();
    await transport.ensureTopics(specs(topics, 3));
    const rows = Array.from({ length: 300 }, (_, i) => sampleTransaction(i, 7));
    const producer = await transport.producer();
    const { system, metrics } = await startConsumer(
      transport,
      topics,
      countingScorers({
        failOnce: (ids) => ids.includes(rows[150].trans_num),
      }),
    );
    try {
      const send = async (from: number, to: number) => {
        for (let i = from; i < to; i += 10) {
          const slice = rows.slice(i, i + 10);
          await producer.send(
            topics.transactions,
            transactionRecords(slice, { encoding: "json", partitions: 3 }),
          );
        }
      };
      await send(0, 150);
      await waitFor(() => metrics.scored === 150, "the first half scored", settleMs);
      await send(150, 300);
      await waitFor(() => metrics.scored === rows.length, "all rows scored", settleMs);
      const partitions = system.snapshot().children![0].children!.find((c) =>
        c.id === "partitions"
      )!;
      assert.equal(
        partitions.children!.reduce((n, c) => n + c.restarts, 0),
        1,
        "one partition actor restarted",
      );
      assert.ok(metrics.restoredStates > 0, "the restarted actor restored card states");
      await checkExactlyOnce(transport, topics, rows);
    } finally {
      await system.shutdown();
    }
  });

  test("a partition actor whose batch hangs is restarted after its deadline: still exactly once", async (transport) => {
    const topics = freshTopics();
    await transport.ensureTopics(specs(topics, 3));
    const rows = Array.from({ length: 300 }, (_, i) => sampleTransaction(i, 7));
    const hanging = rows[150].trans_num;
    const { system, metrics } = await startConsumer(
      transport,
      topics,
      countingScorers({ hangOnce: (ids) => ids.includes(hanging) }),
      { stepDeadlineMs: 3000 },
    );
    try {
      const producer = await transport.producer();
      for (let i = 0; i < rows.length; i += 10) {
        await producer.send(
          topics.transactions,
          transactionRecords(rows.slice(i, i + 10), { encoding: "json", partitions: 3 }),
        );
      }
      await waitFor(() => metrics.scored === rows.length, "all rows scored", settleMs + 3000);
      const partitions = system.snapshot().children![0].children!.find((c) =>
        c.id === "partitions"
      )!;
      // The hanging batch's actor restarted after its deadline (under a heavy load another step
      // may run past 3 s too, and is restarted the same way).
      const restarted = partitions.children!.filter((c) => c.restarts > 0);
      assert.ok(
        restarted.some((c) => /did not finish within 3 s/.test(c.lastError ?? "")),
        `a partition actor restarted after its deadline: ${JSON.stringify(restarted)}`,
      );
      await checkExactlyOnce(transport, topics, rows);
    } finally {
      await system.shutdown();
    }
  });

  test("aborted transactions in the input are skipped, and what follows them is scored", async (transport) => {
    const topics = freshTopics();
    await transport.ensureTopics(specs(topics, 1));
    const rows = Array.from({ length: 60 }, (_, i) => sampleTransaction(i, 6));
    const producer = await transport.transactionalProducer(`${topics.group}-writer`);
    const write = async (slice: Transaction[], commit: boolean) => {
      const transaction = await producer.begin();
      await transaction.send(
        topics.transactions,
        transactionRecords(slice, { encoding: "json", partitions: 1 }),
      );
      await (commit ? transaction.commit() : transaction.abort());
    };
    const { system, metrics } = await startConsumer(transport, topics, countingScorers());
    try {
      await write(rows.slice(0, 20), true);
      await waitFor(() => metrics.scored === 20, "the first rows scored", settleMs);
      // Fetches that hold nothing but aborted records and markers, then committed records.
      for (let i = 0; i < 3; i++) await write(rows.slice(20, 40), false);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await write(rows.slice(20, 40), true);
      await write(rows.slice(40, 60), false);
      await write(rows.slice(40, 60), true);
      await waitFor(() => metrics.scored === rows.length, "every committed row scored", settleMs);
      await checkExactlyOnce(transport, topics, rows);
    } finally {
      await producer.close();
      await system.shutdown();
    }
  });

  test("undecodable messages go to the dead letters with a reason; good ones are scored", async (transport) => {
    const topics = freshTopics();
    await transport.ensureTopics(specs(topics, 3));
    const producer = await transport.producer();
    const rows = Array.from({ length: 30 }, (_, i) => sampleTransaction(i));
    await producer.send(topics.transactions, [
      ...transactionRecords(rows.slice(0, 15), { encoding: "json", partitions: 3 }),
      { key: "x", partition: 0, value: new TextEncoder().encode("garbage{") },
      {
        key: "y",
        partition: 1,
        value: new Uint8Array([0xff, 0x00]),
        headers: { encoding: "arrow" },
      },
      {
        key: "z",
        partition: 2,
        value: encodeJson({ ...rows[0], amt: "lots" as unknown as number }),
      },
      { key: "w", partition: 0, value: encodeJson({ ...rows[1], trans_date: "2023-02-30" }) },
      ...transactionRecords(rows.slice(15), { encoding: "json", partitions: 3 }),
    ]);
    const { system, metrics } = await startConsumer(transport, topics, countingScorers());
    try {
      await waitFor(
        () => metrics.scored === 30 && metrics.deadLetters === 4,
        "scores and dead letters",
      );
      await eventually(async () => {
        const dead = (await transport.readTopic(topics.deadLetters)).map(json);
        assert.deepEqual(dead.map((d) => d.reason).sort(), [
          "field 'amt' must be a number",
          "not a valid Arrow IPC stream",
          "not valid JSON",
          "trans_date must be a real calendar date YYYY-MM-DD",
        ]);
        for (const d of dead) assert.equal(d.source, "consumer");
      });
      await checkExactlyOnce(transport, topics, rows);
    } finally {
      await system.shutdown();
    }
  });

  test("a transaction id seen before in the partition is a dead letter, also after a restart", async (transport) => {
    const topics = freshTopics();
    await transport.ensureTopics(specs(topics, 2));
    const rows = Array.from({ length: 120 }, (_, i) => sampleTransaction(i, 8));
    const producer = await transport.producer();
    const send = (slice: Transaction[], encoding: "json" | "arrow") =>
      producer.send(topics.transactions, transactionRecords(slice, { encoding, partitions: 2 }));
    const deadLetters = async () =>
      (await transport.readTopic(topics.deadLetters)).map(json).sort((a, b) =>
        a.trans_num.localeCompare(b.trans_num)
      );
    let consumer = await startConsumer(transport, topics, countingScorers());
    try {
      await send(rows.slice(0, 60), "json");
      // Copies: of an earlier batch's row, twice in one batch, twice in one Arrow message.
      await send([rows[5], rows[60], rows[60]], "json");
      await send([rows[61], rows[61], rows[62]], "arrow");
      await waitFor(() => consumer.metrics.scored === 63, "the first rows scored", settleMs);
      await waitFor(() => consumer.metrics.deadLetters === 3, "three duplicates", settleMs);
      await consumer.system.shutdown();
      // A new consumer restores the window from the committed state.
      consumer = await startConsumer(transport, topics, countingScorers());
      await send([rows[10], rows[62], ...rows.slice(63)], "json");
      await waitFor(() => consumer.metrics.scored === 120 - 63, "the rest scored", settleMs);
      await waitFor(() => consumer.metrics.deadLetters === 2, "two more duplicates", settleMs);
      await eventually(async () => {
        const dead = await deadLetters();
        assert.deepEqual(
          dead.map((d) => [d.trans_num, d.reason, d.source]),
          [5, 10, 60, 61, 62].map((i) => [rows[i].trans_num, DUPLICATE_REASON, "consumer"]),
        );
        for (const d of dead) {
          const raw = JSON.parse(atob(d.raw_base64));
          assert.equal(raw.trans_num, d.trans_num, "the dead letter carries the row");
        }
      });
      // A commit is visible to read-committed readers once its markers are written.
      await eventually(async () => {
        const scores = (await transport.readTopic(topics.scores)).map(json);
        assert.equal(scores.length, rows.length, "each transaction scored once");
        assert.equal(new Set(scores.map((s) => s.trans_num)).size, rows.length);
      });
    } finally {
      await consumer.system.shutdown();
    }
  });

  test("two consumers share the partitions; when one stops the other takes over, exactly once", async (transport) => {
    const topics = freshTopics();
    await transport.ensureTopics(specs(topics, 4));
    const rows = Array.from({ length: 400 }, (_, i) => sampleTransaction(i, 40));
    const producer = await transport.producer();
    const a = await startConsumer(transport, topics, countingScorers(), { id: "a" });
    const b = await startConsumer(transport, topics, countingScorers(), { id: "b" });
    const owned = (system: ActorSystem) =>
      system.snapshot().children![0].children!.find((c) => c.id === "partitions")!.children!.length;
    try {
      await waitFor(
        () => owned(a.system) === 2 && owned(b.system) === 2,
        "the partitions to be shared",
      );
      for (let i = 0; i < 200; i += 20) {
        await producer.send(
          topics.transactions,
          transactionRecords(rows.slice(i, i + 20), { encoding: "json", partitions: 4 }),
        );
      }
      await waitFor(() => a.metrics.scored + b.metrics.scored === 200, "first half", settleMs);
      assert.ok(a.metrics.scored > 0 && b.metrics.scored > 0, "both consumers scored");
      await b.system.shutdown();
      await waitFor(() => owned(a.system) === 4, "a to take over", settleMs);
      for (let i = 200; i < 400; i += 20) {
        await producer.send(
          topics.transactions,
          transactionRecords(rows.slice(i, i + 20), { encoding: "json", partitions: 4 }),
        );
      }
      await waitFor(() => a.metrics.scored + b.metrics.scored === 400, "second half", settleMs);
      await checkExactlyOnce(transport, topics, rows);
    } finally {
      await a.system.shutdown();
      await b.system.shutdown();
    }
  });
  test("card states as deltas and snapshots: a new consumer restores them and counts on", async (transport) => {
    const topics = freshTopics();
    await transport.ensureTopics(specs(topics, 2));
    const rows = Array.from({ length: 240 }, (_, i) => sampleTransaction(i, 12));
    const producer = await transport.producer();
    /** Sends rows `from` to `to`, 10 at a time, each 10 scored before the next are sent. */
    const send = async (from: number, to: number) => {
      const before = consumer.metrics.scored;
      for (let i = from; i < to; i += 10) {
        await producer.send(
          topics.transactions,
          transactionRecords(rows.slice(i, i + 10), { encoding: "arrow", partitions: 2 }),
        );
        const scored = before + i + 10 - from;
        await waitFor(() => consumer.metrics.scored === scored, `rows to ${i + 10}`, settleMs);
      }
    };
    // A snapshot after every 3 delta records (a batch writes one or two).
    const snapshots = { everyDeltas: 3, everyMs: 60_000 };
    let consumer = await startConsumer(transport, topics, countingScorers(), { snapshots });
    try {
      await send(0, 120);
      await consumer.system.shutdown();
      consumer = await startConsumer(transport, topics, countingScorers(), { snapshots });
      await send(120, 240);
      assert.ok(consumer.metrics.restoredStates > 0, "the new consumer restored card states");
      await eventually(async () => {
        const epochs = (await transport.readTopic(topics.cardState))
          .filter((record) => record.key!.includes("/snapshot/"))
          .map((record) => Number(record.headers.epoch));
        assert.ok(Math.max(...epochs) >= 2, `snapshots written (epochs ${epochs.join(", ")})`);
      });
      await checkExactlyOnce(transport, topics, rows);
    } finally {
      await consumer.system.shutdown();
    }
  });
}
