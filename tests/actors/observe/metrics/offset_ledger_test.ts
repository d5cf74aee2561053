import assert from "node:assert/strict";
import { OffsetLedger } from "../../../../actors/observe/metrics/offset_ledger.ts";

Deno.test("ranges that follow one another to each end cover every offset once", () => {
  const ledger = new OffsetLedger();
  // Out of order, as partitions commit side by side.
  ledger.committed({ partition: 1, from: 300, to: 700, rows: 400 });
  ledger.committed({ partition: 0, from: 0, to: 120, rows: 100 });
  ledger.committed({ partition: 1, from: 0, to: 300, rows: 300 });
  ledger.committed({ partition: 0, from: 120, to: 121, rows: 1 });
  const r = ledger.reconcile([121, 700]);
  assert.deepEqual(r, { gaps: 0, overlaps: 0, batches: 4, rows: 801, problems: [] });
});

Deno.test("a batch scored twice is an overlap, an offset never committed a gap", () => {
  const ledger = new OffsetLedger();
  ledger.committed({ partition: 0, from: 0, to: 100, rows: 100 });
  ledger.committed({ partition: 0, from: 50, to: 150, rows: 100 });
  ledger.committed({ partition: 1, from: 10, to: 20, rows: 10 });
  const r = ledger.reconcile([150, 30]);
  assert.equal(r.overlaps, 50);
  // Partition 1: 0..10 before its only range, 20..30 after it.
  assert.equal(r.gaps, 20);
  assert.equal(r.problems.length, 2);
  assert.match(r.problems[0], /partition 0: 0 offsets never committed, 50 committed twice/);
  assert.match(r.problems[1], /partition 1: 20 offsets never committed, 0 committed twice/);
});

Deno.test("a partition with records and no commit at all is a gap; a start offset is honoured", () => {
  const ledger = new OffsetLedger();
  ledger.committed({ partition: 0, from: 40, to: 60, rows: 20 });
  assert.equal(ledger.reconcile([60, 5]).gaps, 40 + 5);
  assert.equal(ledger.reconcile([60, 5], [40, 5]).gaps, 0);
});
