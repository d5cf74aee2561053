import assert from "node:assert/strict";
import { DEFAULT_SPLIT, holdoutSplit, ROLE, splitRows } from "../../model/split.ts";

/** `cards` cards with one transaction a minute each, over the same span. */
function columns(cards: number, perCard: number) {
  const length = cards * perCard;
  const card = new Uint32Array(length);
  const time = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    card[i] = i % cards;
    time[i] = 1_700_000_000 + Math.floor(i / cards) * 60;
  }
  return {
    length,
    card,
    time,
    cards: Array.from({ length: cards }, (_, c) => String(4000_0000_0000_0000 + c)),
  };
}

function shares(role: Uint8Array): Record<string, number> {
  const counts = [0, 0, 0, 0];
  for (const r of role) counts[r]++;
  return {
    unused: counts[ROLE.unused] / role.length,
    train: counts[ROLE.train] / role.length,
    validation: counts[ROLE.validation] / role.length,
    test: counts[ROLE.test] / role.length,
  };
}

Deno.test("the default hold-out: 30 % of the cards and of the time; about half the rows train", () => {
  assert.deepEqual(DEFAULT_SPLIT, { trainCards: 0.7, validationCards: 0.1, timeCut: 0.7 });
  assert.deepEqual(holdoutSplit(0.3), DEFAULT_SPLIT);
  const { role } = splitRows(columns(2000, 50), { ...DEFAULT_SPLIT, seed: 42 });
  const s = shares(role);
  assert.ok(Math.abs(s.train - 0.49) < 0.03, `train ${s.train}`);
  assert.ok(Math.abs(s.validation - 0.03) < 0.01, `validation ${s.validation}`);
  assert.ok(Math.abs(s.test - 0.06) < 0.015, `test ${s.test}`);
});

Deno.test("no hold-out: every row trains, the latest ones too", () => {
  const data = columns(50, 20);
  const { role, cutTime } = splitRows(data, { ...holdoutSplit(0), seed: 42 });
  assert.equal(cutTime, Number.POSITIVE_INFINITY);
  assert.deepEqual(shares(role), { unused: 0, train: 1, validation: 0, test: 0 });
});
