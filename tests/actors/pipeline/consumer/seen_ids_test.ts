import assert from "node:assert/strict";
import {
  SeenIds,
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
    for (const { slot, value } of live.takeChanges()) topic.set(segmentKey(slot), value);
  };
  let next = 0;
  for (const batch of [1, 3000, 7, (WINDOW_SEGMENTS - 3) * SEGMENT_IDS, 2 * SEGMENT_IDS + 11]) {
    for (let i = 0; i < batch; i++) live.add(id(next++));
    commit();
    const restored = new SeenIds();
    for (const [key, value] of topic) restored.restore(segmentSlot(key), value);
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
  assert.equal(segmentSlot("4263982640269299"), -1);
  assert.equal(segmentSlot(segmentKey(WINDOW_SEGMENTS)), -1);
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
