import assert from "node:assert/strict";
import { IdLedger } from "../../../actors/metrics/id_ledger.ts";

const ids = (n: number, prefix = "t") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

Deno.test("exact mode finds lost, duplicated and unknown ids", () => {
  const ledger = new IdLedger();
  for (const id of ids(10)) ledger.produced(id);
  for (const id of ids(8)) ledger.scored(id);
  ledger.scored("t3");
  ledger.deadLettered("t8");
  ledger.scored("stranger");
  const r = ledger.reconcile();
  assert.deepEqual(
    { lost: r.lost, duplicates: r.duplicates, unknown: r.unknown, exact: r.exact },
    { lost: 1, duplicates: 1, unknown: 1, exact: true },
  );
  assert.equal(r.checksumsMatch, false);
  assert.deepEqual(ledger.counts(), { produced: 10, scored: 10, deadLetters: 1 });
  assert.ok(r.lost >= 1 && r.duplicates >= 1, "reported as at least one of each");
});

Deno.test("a clean run reconciles with matching checksums in both modes", () => {
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

Deno.test("checksum mode notices a loss hidden by a duplicate", () => {
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
