import assert from "node:assert/strict";
import { modelScoring } from "../../../../actors/pipeline/consumer/model_scoring.ts";
import { SCORE_SLICE_ROWS } from "../../../../actors/pipeline/consumer/score_slices.ts";
import type { ScoreResult } from "../../../../actors/pipeline/consumer/scorer.ts";
import { ActorSystem } from "../../../../actors/runtime/mod.ts";
import { transactionsToColumns } from "../../../../model/columns.ts";
import { generatedTransactions } from "../../../fixtures/generated_data.ts";

const MODELS_DIR = new URL("../../../../resources/models", import.meta.url).pathname;

Deno.test("a batch scored in slices scores as the same rows in small batches", async () => {
  const all = await generatedTransactions(12, 4);
  all.sort((a, b) => a.unix_time - b.unix_time || (a.trans_num < b.trans_num ? -1 : 1));
  const rows = all.slice(0, 2 * SCORE_SLICE_ROWS + 1000);
  assert.equal(rows.length, 2 * SCORE_SLICE_ROWS + 1000, "enough generated rows for 3 slices");
  const scoring = await modelScoring({ model: "pretrained", modelsDir: MODELS_DIR, workers: 2 });
  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "root",
    children: scoring.children,
  });
  try {
    // Two partitions' scorers, each with its own card states, fed the same rows.
    const whole = await scoring.scorers(0, (path) => system.ref(path));
    const small = await scoring.scorers(1, (path) => system.ref(path));
    const sliced = await whole.score(transactionsToColumns(rows));
    const parts: ScoreResult[] = [];
    for (let from = 0; from < rows.length; from += 1000) {
      parts.push(await small.score(transactionsToColumns(rows.slice(from, from + 1000))));
    }
    assert.deepEqual([...sliced.scores], parts.flatMap((part) => [...part.scores]));
    assert.deepEqual([...sliced.features!], parts.flatMap((part) => [...part.features!]));
    const reasons = parts.flatMap((part, k) =>
      [...(part.reasons?.rows ?? [])].map(([row, codes]) => [k * 1000 + row, codes])
    );
    assert.ok(reasons.length > 0, "some rows alert");
    assert.deepEqual([...sliced.reasons!.rows], reasons);
    assert.deepEqual(whole.snapshot(), small.snapshot(), "the same card states");
  } finally {
    await system.shutdown();
  }
});
