import assert from "node:assert/strict";
import { pipelineEvents } from "../../../actors/pipeline/events.ts";
import { sayEvents } from "../../../actors/pipeline/status_lines.ts";
import { allocateColumns } from "../../../model/columns.ts";

/** Emits one of each event worth a line, and a committed batch and a published chunk. */
function emitEach(events: ReturnType<typeof pipelineEvents>): void {
  events.emit("assigned", { partitions: [0, 2] });
  events.emit("refetching", { partition: 2, offset: 40 });
  events.emit("published", { producerId: "p", rows: 1, ids: () => ["a"] });
  events.emit("committed", {
    partition: 0,
    rows: 0,
    columns: allocateColumns(0),
    scores: new Float32Array(0),
    threshold: 0.5,
    modelVersion: "v1",
    alerts: 0,
    deadLetters: 0,
    ids: () => [],
    offsets: { from: 0, to: 1 },
  });
  events.emit("fileChanged", { file: "a.csv", message: "a.csv changed after it was published" });
  events.emit("modelSwitched", { version: "v2" });
  events.emit("modelIncompatible", { version: "v3" });
  events.emit("modelRefused", { dir: "/models/v4", reason: "forest.bin is missing" });
  events.emit("revoked", { partitions: [2] });
}

Deno.test("the events worth a status line read as the roles print them; the others say nothing", () => {
  const events = pipelineEvents();
  const lines: string[] = [];
  const stop = sayEvents(events, (line) => lines.push(line));
  emitEach(events);
  assert.deepEqual(lines, [
    "assigned partitions 0, 2",
    "partition 2: fetching again from offset 40",
    "WARNING: a.csv changed after it was published",
    "now scoring with model v2",
    "model v3 keeps card history differently; restart the consumer to use it",
    "model in /models/v4 refused: forest.bin is missing",
    "revoked partitions 2",
  ]);
  stop();
  emitEach(events);
  assert.equal(lines.length, 7, "nothing is said once stopped");
});

Deno.test("events left out are not said", () => {
  const events = pipelineEvents();
  const lines: string[] = [];
  sayEvents(events, (line) => lines.push(line), ["assigned", "revoked"]);
  emitEach(events);
  assert.equal(lines.filter((line) => /partitions/.test(line)).length, 0, lines.join("\n"));
  assert.equal(lines.length, 5);
});
