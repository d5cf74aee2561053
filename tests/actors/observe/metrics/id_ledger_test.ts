import assert from "node:assert/strict";
import { IdLedger } from "../../../../actors/observe/metrics/id_ledger.ts";

/** Ids of both shapes the ledger keeps apart: 32 hexadecimal digits (as generated), and others. */
const SHAPES = {
  hex: (i: number) => i.toString(16).padStart(32, "0"),
  other: (i: number) => `t${i}`,
};

for (const [shape, idOf] of Object.entries(SHAPES)) {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => idOf(i));

  Deno.test(`exact mode finds lost, duplicated and unknown ids (${shape} ids)`, () => {
    const ledger = new IdLedger();
    // Enough ids for the table to grow several times.
    for (const id of ids(5000)) ledger.produced(id);
    for (const id of ids(4998)) ledger.scored(id);
    ledger.scored(idOf(3));
    ledger.deadLettered(idOf(4998));
    ledger.scored(idOf(9999));
    const r = ledger.reconcile();
    assert.deepEqual(
      { lost: r.lost, duplicates: r.duplicates, unknown: r.unknown, exact: r.exact },
      { lost: 1, duplicates: 1, unknown: 1, exact: true },
    );
    assert.equal(r.checksumsMatch, false);
    assert.deepEqual(ledger.counts(), { produced: 5000, scored: 5000, deadLetters: 1 });
  });

  Deno.test(`a clean run reconciles with matching checksums in both modes (${shape} ids)`, () => {
    for (const limit of [1_000_000, 10]) {
      const ledger = new IdLedger(limit);
      const all = ids(1000);
      for (const id of all) ledger.produced(id);
      for (const id of [...all].reverse().slice(1)) ledger.scored(id);
      ledger.deadLettered(all[all.length - 1]);
      const r = ledger.reconcile();
      assert.equal(r.exact, limit > 10);
      assert.equal(r.checksumsMatch, true);
      assert.equal(r.lost, 0);
      assert.equal(r.duplicates, 0);
    }
  });

  Deno.test(`checksum mode notices a loss hidden by a duplicate (${shape} ids)`, () => {
    const ledger = new IdLedger(10);
    const all = ids(1000);
    for (const id of all) ledger.produced(id);
    for (const id of all.slice(1)) ledger.scored(id);
    ledger.scored(all[5]);
    const r = ledger.reconcile();
    assert.equal(r.exact, false);
    assert.equal(r.produced, r.scored, "the counts alone would look fine");
    assert.equal(r.checksumsMatch, false);
    assert.ok(r.lost >= 1 && r.duplicates >= 1, "reported as at least one of each");
  });
}

Deno.test("ids that differ only in case are different ids", () => {
  const ledger = new IdLedger();
  const lower = SHAPES.hex(0xabc);
  ledger.produced(lower);
  ledger.scored(lower.toUpperCase());
  const r = ledger.reconcile();
  assert.deepEqual({ lost: r.lost, unknown: r.unknown }, { lost: 1, unknown: 1 });
});
