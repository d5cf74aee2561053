import assert from "node:assert/strict";
import {
  BLOCK_IDS,
  SeenIds,
  SeenIdsFormatError,
  SEGMENT_IDS,
  segmentKey,
  segmentSlot,
  WINDOW_SEGMENTS,
} from "../../../../actors/pipeline/consumer/seen_ids.ts";

const id = (i: number) => i.toString(16).padStart(32, "0");

Deno.test("the window keeps the last segments of ids and forgets the oldest a segment at a time", () => {
  const seen = new SeenIds();
  const total = (WINDOW_SEGMENTS + 2) * SEGMENT_IDS + 5;
  for (let i = 0; i < total; i++) {
    assert.equal(seen.has(id(i)), false);
    seen.add(id(i));
  }
  // Open segment: 5 ids; before it, WINDOW_SEGMENTS - 1 full segments.
  const kept = (WINDOW_SEGMENTS - 1) * SEGMENT_IDS + 5;
  assert.equal(seen.size, kept);
  assert.equal(seen.has(id(total - kept)), true, "the oldest id kept");
  assert.equal(seen.has(id(total - kept - 1)), false, "the newest id forgotten");
  assert.equal(seen.has(id(total - 1)), true);
});

Deno.test("the window restored from its latest segment records answers as the live one", () => {
  const live = new SeenIds();
  /** The card-state topic after compaction: the latest record of each key. */
  const topic = new Map<string, Uint8Array>();
  const commit = () => {
    for (const { key, value } of live.takeChanges()) topic.set(key, value);
  };
  let next = 0;
  for (const batch of [1, 3000, 7, (WINDOW_SEGMENTS - 3) * SEGMENT_IDS, 2 * SEGMENT_IDS + 11]) {
    for (let i = 0; i < batch; i++) live.add(id(next++));
    commit();
    const restored = new SeenIds();
    for (const [key, value] of topic) assert.ok(restored.restore(key, value), key);
    restored.finishRestore();
    assert.equal(restored.size, live.size, `after ${next} ids`);
    for (let i = 0; i < next; i++) assert.equal(restored.has(id(i)), live.has(id(i)));
    // Both go on alike.
    restored.add(id(next));
    live.add(id(next));
    assert.deepEqual(restored.takeChanges(), live.takeChanges());
    next++;
  }
  assert.equal(live.takeChanges().length, 0, "nothing changed since the last commit");
});

Deno.test("segment keys are told apart from card numbers", () => {
  assert.equal(segmentSlot(segmentKey(0)), 0);
  assert.equal(segmentSlot(segmentKey(WINDOW_SEGMENTS - 1)), WINDOW_SEGMENTS - 1);
  assert.equal(segmentSlot(segmentKey(5, 0)), 5);
  assert.equal(segmentSlot(segmentKey(5, SEGMENT_IDS / BLOCK_IDS - 1)), 5);
  assert.equal(segmentSlot("4263982640269299"), -1);
  assert.equal(segmentSlot(segmentKey(WINDOW_SEGMENTS)), -1);
  assert.equal(segmentSlot(segmentKey(5, SEGMENT_IDS / BLOCK_IDS)), -1);
  for (const key of ["#ids/", "#ids//1", "#ids/1/", "#ids/1/2/3", "#ids/1.5", "#ids/-1"]) {
    assert.equal(segmentSlot(key), -1, key);
    assert.equal(new SeenIds().restore(key, new Uint8Array(8)), false, key);
  }
});

/** A segment record of ids `from` to `to - 1` as earlier versions wrote it: one per slot. */
function wholeSegment(segment: number, from: number, to: number): Uint8Array {
  const bytes = new Uint8Array(8 + 16 * (to - from));
  new DataView(bytes.buffer).setFloat64(0, segment);
  for (let i = from; i < to; i++) {
    const hex = id(i);
    for (let b = 0; b < 16; b++) {
      bytes[8 + 16 * (i - from) + b] = parseInt(hex.slice(2 * b, 2 * b + 2), 16);
    }
  }
  return bytes;
}

Deno.test("a batch writes the blocks its ids went to, the partly filled one again", () => {
  const seen = new SeenIds();
  const written = (count: number, from: number) => {
    for (let i = 0; i < count; i++) seen.add(id(from + i));
    return seen.takeChanges().map(({ key, value }) => [key, (value.length - 8) / 16]);
  };
  assert.deepEqual(written(100, 0), [[segmentKey(0, 0), 64], [segmentKey(0, 1), 36]]);
  assert.deepEqual(written(10, 100), [[segmentKey(0, 1), 46]]);
  assert.deepEqual(written(30, 110), [[segmentKey(0, 1), 64], [segmentKey(0, 2), 12]]);
  assert.deepEqual(written(0, 140), []);
  // Batches of 83 ids: about 16 bytes an id, and half a block written again a batch.
  const store = new SeenIds();
  let bytes = 0;
  for (let from = 0; from < 12 * 83; from += 83) {
    for (let i = 0; i < 83; i++) store.add(id(from + i));
    for (const { value } of store.takeChanges()) bytes += value.length;
  }
  assert.ok(bytes / (12 * 83) < 30, `${bytes / (12 * 83)} bytes an id`);
});

Deno.test("a window restored from an earlier version's whole segments and the blocks after them", () => {
  // Segment 0 full and segment 1 holding 600 ids, as whole records; then 100 ids more, as blocks.
  const topic = new Map<string, Uint8Array>([
    [segmentKey(0), wholeSegment(0, 0, SEGMENT_IDS)],
    [segmentKey(1), wholeSegment(1, SEGMENT_IDS, SEGMENT_IDS + 600)],
  ]);
  const live = new SeenIds();
  for (const [key, value] of topic) live.restore(key, value);
  live.finishRestore();
  assert.equal(live.size, SEGMENT_IDS + 600);
  for (let i = SEGMENT_IDS + 600; i < SEGMENT_IDS + 700; i++) live.add(id(i));
  const blocks = live.takeChanges();
  assert.deepEqual(blocks.map(({ key }) => key), [9, 10].map((b) => segmentKey(1, b)));
  for (const { key, value } of blocks) topic.set(key, value);
  const restored = new SeenIds();
  for (const [key, value] of topic) restored.restore(key, value);
  restored.finishRestore();
  assert.equal(restored.size, SEGMENT_IDS + 700);
  for (let i = 0; i < SEGMENT_IDS + 701; i++) {
    assert.equal(restored.has(id(i)), i < SEGMENT_IDS + 700);
  }
});

Deno.test("a segment whose blocks leave a gap is refused", () => {
  const live = new SeenIds();
  for (let i = 0; i < 3 * BLOCK_IDS; i++) live.add(id(i));
  const restored = new SeenIds();
  for (const { key, value } of live.takeChanges()) {
    if (key !== segmentKey(0, 1)) restored.restore(key, value);
  }
  assert.throws(() => restored.finishRestore(), SeenIdsFormatError);
  assert.throws(
    () => new SeenIds().restore(segmentKey(0, 0), wholeSegment(0, 0, BLOCK_IDS + 1)),
    SeenIdsFormatError,
  );
});

Deno.test("ids checked from their bytes answer as a plain window of the last segments does", () => {
  // Random ids from a small pool, so many repeat, over three windows' worth of segments; the
  // reference is the window written the plain way: a list of segments of strings, and a set.
  const seen = new SeenIds();
  const segments: string[][] = [[]];
  const kept = new Set<string>();
  const pool = Array.from({ length: 200_000 }, () => {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  });
  const text = new TextEncoder();
  let random = 7;
  for (let i = 0; i < 3 * WINDOW_SEGMENTS * SEGMENT_IDS; i++) {
    random = (Math.imul(random, 1103515245) + 12345) >>> 0;
    const id = pool[random % pool.length];
    const known = kept.has(id);
    const line = text.encode(`x,${id},y`);
    assert.equal(seen.addNew(line, 2), !known, `id ${i}`);
    if (known) continue;
    if (segments[segments.length - 1].length === SEGMENT_IDS) {
      segments.push([]);
      if (segments.length > WINDOW_SEGMENTS) {
        for (const old of segments.shift()!) kept.delete(old);
      }
    }
    segments[segments.length - 1].push(id);
    kept.add(id);
    if (i % 50_000 === 0) assert.equal(seen.size, kept.size);
  }
});

Deno.test("ids checked a batch at a time answer and are written as one at a time", () => {
  // Batches of 1 to 3,000 ids drawn from a small pool (repeats within a batch and across the
  // window's edge), over two windows' worth of segments: each batch's answers and block records
  // are those of the same ids added one by one.
  const each = new SeenIds();
  const one = new SeenIds();
  const pool = Array.from({ length: 150_000 }, (_, i) => (i * 2654435761 >>> 0).toString(16));
  const encoder = new TextEncoder();
  let random = 11;
  const next = () => (random = (Math.imul(random, 1103515245) + 12345) >>> 0);
  for (let added = 0; added < 2 * WINDOW_SEGMENTS * SEGMENT_IDS;) {
    const count = 1 + (next() % 3000);
    const text = encoder.encode(
      Array.from({ length: count }, () => "|" + pool[next() % pool.length].padStart(32, "0"))
        .join(""),
    );
    const starts = Int32Array.from({ length: count }, (_, i) => 33 * i + 1);
    const fresh = each.addNewEach(text, starts, count);
    for (let i = 0; i < count; i++) {
      assert.equal(fresh[i], one.addNew(text, starts[i]) ? 1 : 0, `row ${i} of a batch`);
    }
    assert.equal(each.size, one.size);
    assert.deepEqual(each.takeChanges(), one.takeChanges());
    added += count;
  }
});
