import assert from "node:assert/strict";
import {
  CardStateLogError,
  type CardStatePosition,
  CardStateRestore,
  CardStateWriter,
  type SnapshotPolicy,
} from "../../../../actors/pipeline/consumer/card_state_log.ts";
import type { OutgoingRecord } from "../../../../actors/log/types.ts";
import { sliceRows } from "../../../../model/column_rows.ts";
import { parseCsvChunk } from "../../../../model/csv_chunk.ts";
import { DEFAULT_ENCODER } from "../../../../model/features.ts";
import { type ColumnEncoder, columnEncoderFor } from "../../../../model/row_encoder.ts";
import { generatedLines } from "../../../fixtures/generated_lines.ts";

const lines = await generatedLines({ customers: 200, days: 60, seed: 23 });
const { columns } = parseCsvChunk(new TextEncoder().encode(lines.join("\n")));
const BATCH_ROWS = 150;
/** Small records, so a batch's delta and a snapshot each take several. */
const CARDS_PER_RECORD = 40;
const SCOPE = "group/transactions/";

/** A partition's card states as written: the records in the order committed. */
type Topic = OutgoingRecord[];

const newEncoder = () => columnEncoderFor({ name: "fraudstream", settings: DEFAULT_ENCODER });

/** A partition actor's card states: the encoder and the writer, as one incarnation holds them. */
interface Partition {
  encoder: ColumnEncoder;
  writer: CardStateWriter;
}

function fresh(policy: SnapshotPolicy): Partition {
  const writer = new CardStateWriter({
    scope: SCOPE,
    partition: 0,
    position: { epoch: 0, seq: 0 },
    policy,
    now: 0,
  });
  return { encoder: newEncoder(), writer };
}

/** Scores rows `from` to `to` batch by batch, committing each batch's records to `topic`. */
function run(partition: Partition, topic: Topic, from: number, to: number): void {
  for (let start = from; start < to; start += BATCH_ROWS) {
    const end = Math.min(to, start + BATCH_ROWS);
    partition.encoder.encode(sliceRows(columns, start, end));
    const records = partition.writer.records(
      partition.encoder.takeChanges(CARDS_PER_RECORD),
      () => partition.encoder.snapshot(CARDS_PER_RECORD),
      // One batch a second of a clock that starts at 0.
      { offset: end - 1, now: (start / BATCH_ROWS) * 1000 },
    );
    topic.push(...records);
    partition.writer.committed();
  }
}

/** A new incarnation restored from `topic`, as a partition actor restores one. */
function restore(topic: Topic, policy: SnapshotPolicy, now = 0): Partition & {
  position: CardStatePosition;
  applied: number;
} {
  const reading = new CardStateRestore();
  for (const record of topic) {
    assert.ok(reading.add(record.key!.slice(SCOPE.length), record.value, record.headers!));
  }
  const { records, position } = reading.finish();
  const encoder = newEncoder();
  for (const record of records) encoder.restore(record);
  const writer = new CardStateWriter({ scope: SCOPE, partition: 0, position, policy, now });
  return { encoder, writer, position, applied: records.length };
}

/** The records compaction leaves: the last of each key, in the order they were written. */
function compacted(topic: Topic): Topic {
  const last = new Map<string | null, number>();
  topic.forEach((record, i) => last.set(record.key, i));
  return topic.filter((record, i) => last.get(record.key) === i);
}

/** The features of rows `from` to `to` against `encoder`'s card states (advancing them). */
const features = (encoder: ColumnEncoder, from: number, to: number) =>
  encoder.encode(sliceRows(columns, from, to));

const epochOf = (record: OutgoingRecord) => Number(record.headers!.epoch);

/** Fails, saying where, unless `actual` holds the values of `expected` (a short message). */
function assertSameFeatures(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  assert.equal(actual.length, expected.length, "feature count");
  for (let i = 0; i < actual.length; i++) {
    if (!Object.is(actual[i], expected[i])) {
      assert.fail(`feature value ${i}: ${actual[i]} instead of ${expected[i]}`);
    }
  }
}

const NEVER: SnapshotPolicy = { everyDeltas: 1_000_000, everyMs: Infinity };
const OFTEN: SnapshotPolicy = { everyDeltas: 12, everyMs: Infinity };

Deno.test("deltas alone restore the card states of the uninterrupted run: same features", () => {
  const cut = Math.floor(columns.length / 2);
  const topic: Topic = [];
  const live = fresh(NEVER);
  run(live, topic, 0, cut);
  assert.ok(topic.every((r) => r.key!.startsWith(`${SCOPE}delta/`)), "no snapshot yet");
  assert.ok(topic.length > cut / BATCH_ROWS, "batches wrote deltas of several records");
  const restored = restore(topic, NEVER);
  assert.deepEqual(restored.position, { epoch: 0, seq: topic.length });
  assertSameFeatures(
    features(restored.encoder, cut, columns.length),
    features(live.encoder, cut, columns.length),
  );
});

Deno.test("a restart after snapshots and deltas continues the epochs; restores give the same features", () => {
  const [a, b] = [Math.floor(columns.length / 3), Math.floor((2 * columns.length) / 3)];
  const uninterrupted = newEncoder();
  features(uninterrupted, 0, b);
  const topic: Topic = [];
  run(fresh(OFTEN), topic, 0, a);
  const first = restore(topic, OFTEN);
  assert.ok(first.position.epoch >= 2, `snapshots written (epoch ${first.position.epoch})`);
  // The restarted incarnation goes on where the first one stopped, in the same topic.
  run(first, topic, a, b);
  const second = restore(topic, OFTEN);
  assert.ok(second.position.epoch > first.position.epoch, "the restarted partition snapshots on");
  const expected = features(uninterrupted, b, columns.length);
  assertSameFeatures(features(first.encoder, b, columns.length), expected);
  assertSameFeatures(features(second.encoder, b, columns.length), expected);
});

Deno.test("after compaction (the last record per key) the restore gives the same features", () => {
  const cut = columns.length - 2 * BATCH_ROWS;
  const topic: Topic = [];
  const live = fresh(OFTEN);
  run(live, topic, 0, cut);
  const kept = compacted(topic);
  assert.ok(kept.length < topic.length / 2, `compaction kept ${kept.length} of ${topic.length}`);
  const restored = restore(kept, OFTEN);
  assert.deepEqual(restored.position, restore(topic, OFTEN).position);
  assertSameFeatures(
    features(restored.encoder, cut, columns.length),
    features(live.encoder, cut, columns.length),
  );
});

Deno.test("deltas of an older epoch left by compaction are ignored", () => {
  // Epoch 0 writes many deltas; epoch 1 (after a snapshot) fewer, so compaction keeps some of
  // epoch 0's delta keys, whose states are older than the snapshot's.
  const policy: SnapshotPolicy = { everyDeltas: 1_000_000, everyMs: 10_000 };
  const topic: Topic = [];
  const live = fresh(policy);
  const cut = 14 * BATCH_ROWS;
  run(live, topic, 0, cut);
  const kept = compacted(topic);
  const older = kept.filter((r) => r.key!.includes("/delta/") && epochOf(r) === 0);
  assert.ok(older.length > 0, "compaction kept deltas of epoch 0");
  assert.ok(kept.some((r) => r.key!.includes("/delta/") && epochOf(r) === 1));
  const restored = restore(kept, policy);
  assert.equal(restored.position.epoch, 1);
  assertSameFeatures(
    features(restored.encoder, cut, columns.length),
    features(live.encoder, cut, columns.length),
  );
});

Deno.test("the latest snapshot is applied only whole, never mixed with an older one's chunks", () => {
  const writer = new CardStateWriter({
    scope: SCOPE,
    partition: 0,
    position: { epoch: 0, seq: 0 },
    policy: { everyDeltas: 1, everyMs: Infinity },
    now: 0,
  });
  const topic: Topic = [];
  for (let n = 0; n < 5; n++) {
    // Deltas hold n, snapshot chunks 10 + n and 20 + n.
    const snapshot = () => [Uint8Array.of(10 + n), Uint8Array.of(20 + n)];
    topic.push(...writer.records([Uint8Array.of(n)], snapshot, { offset: n, now: n }));
    writer.committed();
  }
  const plan = (records: Topic) => {
    const reading = new CardStateRestore();
    for (const r of records) reading.add(r.key!.slice(SCOPE.length), r.value, r.headers!);
    const { records: applied, position } = reading.finish();
    return { applied: applied.map((value) => value[0]), position };
  };
  assert.deepEqual(plan(topic), { applied: [13, 23, 4], position: { epoch: 2, seq: 1 } });
  // Without the last snapshot's second chunk, its key holds the chunk of epoch 1.
  const lastChunk = topic.findLastIndex((r) => r.key === `${SCOPE}snapshot/1`);
  const missing = topic.filter((_, i) => i !== lastChunk);
  assert.throws(
    () => plan(missing),
    /delta 0 of epoch 2 has no complete snapshot \(latest: epoch 0\)/,
  );
});

Deno.test("card-state records that contradict each other are refused with what is wrong", () => {
  const topic: Topic = [];
  run(fresh(NEVER), topic, 0, 6 * BATCH_ROWS);
  const gap = new CardStateRestore();
  topic.forEach((r, i) => i !== 2 && gap.add(r.key!.slice(SCOPE.length), r.value, r.headers!));
  assert.throws(() => gap.finish(), (error: unknown) => {
    assert.ok(error instanceof CardStateLogError);
    assert.equal(error.message, "card-state delta 2 of epoch 0 is missing");
    return true;
  });
  const ahead = new CardStateRestore();
  ahead.add("delta/0", topic[0].value, { epoch: "3", offset: "0" });
  assert.throws(() => ahead.finish(), /delta 0 of epoch 3 has no complete snapshot/);
  const unreadable = new CardStateRestore();
  assert.throws(
    () => unreadable.add("snapshot/0", topic[0].value, { epoch: "1", chunks: "x" }),
    /card-state record 'snapshot\/0' has unreadable headers/,
  );
  assert.throws(() => unreadable.add("delta/1", topic[0].value, {}), CardStateLogError);
});

Deno.test("keys of other forms are not card-state records (per-card records of older versions)", () => {
  const reading = new CardStateRestore();
  const value = new Uint8Array(8);
  for (const key of ["4263982640260001", "#ids/3", "delta/x", "snapshot/", "deltas/1"]) {
    assert.equal(reading.add(key, value, { epoch: "0" }), false, key);
  }
  assert.deepEqual(reading.finish(), { records: [], position: { epoch: 0, seq: 0 } });
});

Deno.test("a snapshot is written after the policy's deltas or time, and only then", () => {
  const policy: SnapshotPolicy = { everyDeltas: 3, everyMs: 5000 };
  const writer = new CardStateWriter({
    scope: SCOPE,
    partition: 2,
    position: { epoch: 4, seq: 1 },
    policy,
    now: 0,
  });
  const one = [new Uint8Array([1])];
  const snapshot = () => [new Uint8Array([7]), new Uint8Array([8])];
  const write = (delta: Uint8Array[], now: number, commit = true) => {
    const records = writer.records(delta, snapshot, { offset: 99, now });
    if (commit) writer.committed();
    return records.map((r) => [r.key!.slice(SCOPE.length), r.headers!.epoch, r.partition]);
  };
  assert.deepEqual(write(one, 10), [["delta/1", "4", 2]]);
  assert.deepEqual(write([], 20), [], "a batch that changed no card writes nothing");
  assert.deepEqual(write([...one, ...one], 30, false), [["delta/2", "4", 2], ["delta/3", "4", 2]]);
  assert.deepEqual(writer.position, { epoch: 4, seq: 2 }, "not counted before its commit");
  write([...one, ...one], 40);
  assert.deepEqual(write(one, 50), [["snapshot/0", "5", 2], ["snapshot/1", "5", 2]]);
  assert.deepEqual(write(one, 60), [["delta/0", "5", 2]]);
  assert.deepEqual(write(one, 5049), [["delta/1", "5", 2]]);
  assert.deepEqual(write(one, 5050), [["snapshot/0", "6", 2], ["snapshot/1", "6", 2]], "5 s on");
});
