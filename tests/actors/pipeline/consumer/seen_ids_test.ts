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
