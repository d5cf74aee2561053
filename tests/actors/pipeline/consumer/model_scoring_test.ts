import assert from "node:assert/strict";
import {
  type ModelScoring,
  modelScoring,
} from "../../../../actors/pipeline/consumer/model_scoring.ts";
import { SCORE_SLICE_ROWS } from "../../../../actors/pipeline/consumer/score_slices.ts";
import type { ConsumerActors, ScoreResult } from "../../../../actors/pipeline/consumer/scorer.ts";
import { ActorSystem } from "../../../../actors/runtime/mod.ts";
import { transactionsToColumns } from "../../../../model/columns.ts";
import { generatedTransactions } from "../../../fixtures/generated_data.ts";

const MODELS_DIR = new URL("../../../../resources/models", import.meta.url).pathname;

/** Generated transactions in event-time order. */
async function transactionsInOrder(customers: number) {
  const all = await generatedTransactions(customers, 4);
  return all.sort((a, b) => a.unix_time - b.unix_time || (a.trans_num < b.trans_num ? -1 : 1));
}

/** Runs `use` with the pretrained model's scoring (2 workers) started, then stops it. */
async function withScoring(
  use: (
    scoring: ModelScoring,
    actors: ConsumerActors,
    system: ActorSystem,
  ) => Promise<void>,
): Promise<void> {
  const scoring = await modelScoring({ model: "pretrained", modelsDir: MODELS_DIR, workers: 2 });
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    children: scoring.children,
  });
  try {
    await use(scoring, (address) => system.ref(address), system);
  } finally {
    await system.shutdown();
  }
}

Deno.test("a batch scored whole scores as the same rows in small batches", async () => {
  const rows = (await transactionsInOrder(12)).slice(0, 2 * SCORE_SLICE_ROWS + 1000);
  assert.equal(rows.length, 2 * SCORE_SLICE_ROWS + 1000, "enough generated rows");
  await withScoring(async (scoring, actors) => {
    // Two partitions' scorers (in different workers), each with its own card states, fed the
    // same rows.
    const whole = await scoring.scorers(0, actors);
    const small = await scoring.scorers(1, actors);
    assert.deepEqual([await whole.restore([]), await small.restore([])], [0, 0]);
    const sliced = await whole.score(transactionsToColumns(rows), { snapshot: true });
    const parts: ScoreResult[] = [];
    for (let from = 0; from < rows.length; from += 1000) {
      const last = from + 1000 >= rows.length;
      const part = transactionsToColumns(rows.slice(from, from + 1000));
      parts.push(await small.score(part, { snapshot: last }));
    }
    assert.deepEqual([...sliced.scores], parts.flatMap((part) => [...part.scores]));
    assert.deepEqual([...sliced.features!], parts.flatMap((part) => [...part.features!]));
    const reasons = parts.flatMap((part, k) =>
      [...(part.reasons?.rows ?? [])].map(([row, codes]) => [k * 1000 + row, codes])
    );
    assert.ok(reasons.length > 0, "some rows alert");
    assert.deepEqual([...sliced.reasons!.rows], reasons);
    const snapshot = sliced.cardStates.snapshot!;
    assert.ok(snapshot.length > 0, "a snapshot when asked");
    assert.deepEqual(snapshot, parts.at(-1)!.cardStates.snapshot, "the same card states");
    assert.equal(parts[0].cardStates.snapshot, undefined, "no snapshot unless asked");
  });
});

Deno.test("card states restored into a scoring worker from a batch's records score the next rows as the scorer that made them", async () => {
  const all = await transactionsInOrder(6);
  await withScoring(async (scoring, actors, system) => {
    const first = await scoring.scorers(2, actors);
    await first.restore([]);
    const head = all.slice(0, 3000);
    const tail = all.slice(3000, 4000);
    const [one, two] = [head.slice(0, 1500), head.slice(1500)].map(transactionsToColumns);
    const records = [
      ...(await first.score(one)).cardStates.delta,
      ...(await first.score(two)).cardStates.delta,
    ];
    assert.ok(records.length > 0, "the batches changed card states");
    const expected = await first.score(transactionsToColumns(tail));
    // A later incarnation of the same partition takes the worker's table over from its records.
    const next = await scoring.scorers(2, actors);
    assert.ok(await next.restore(records) > 0, "cards restored");
    const again = await next.score(transactionsToColumns(tail));
    assert.deepEqual([...again.features!], [...expected.features!]);
    assert.deepEqual([...again.scores], [...expected.scores]);
    // The earlier incarnation's card states are gone from the worker: it is refused.
    await assert.rejects(
      () => first.score(transactionsToColumns(tail)),
      (error: Error) => error.name === "CardStatesNotHeldError",
    );
    // A worker that restarts holds no card states: it refuses the partitions it served until
    // they restore theirs, rather than scoring them from no history.
    system.kill("scorers/score-0", new Error("killed by the test"));
    await assert.rejects(
      () => next.score(transactionsToColumns(tail)),
      (error: Error) => error.name === "CardStatesNotHeldError",
    );
    const restored = await scoring.scorers(2, actors);
    await restored.restore(records);
    assert.deepEqual(
      [...(await restored.score(transactionsToColumns(tail))).scores],
      [...expected.scores],
    );
    // And a scorer that restored nothing is refused too, before it starts from no card.
    const unopened = await scoring.scorers(3, actors);
    await assert.rejects(
      () => unopened.score(transactionsToColumns(tail)),
      (error: Error) => error.name === "CardStatesNotHeldError",
    );
  });
});
