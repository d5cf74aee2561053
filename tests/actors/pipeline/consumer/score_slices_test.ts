import assert from "node:assert/strict";
import {
  joinReplies,
  SCORE_SLICE_ROWS,
  scoreSlices,
} from "../../../../actors/pipeline/consumer/score_slices.ts";
import type { ScoreReply } from "../../../../actors/pipeline/workers/score.ts";

Deno.test("a batch is cut into slices of at most the slice size, in order, covering every row", () => {
  assert.deepEqual(scoreSlices(0), []);
  assert.deepEqual(scoreSlices(1), [[0, 1]]);
  assert.deepEqual(scoreSlices(SCORE_SLICE_ROWS), [[0, SCORE_SLICE_ROWS]]);
  assert.deepEqual(scoreSlices(10, 4), [[0, 4], [4, 8], [8, 10]]);
});

function reply(from: number, rows: number, alerts: number[]): ScoreReply {
  const reason = (row: number) =>
    JSON.stringify([{ feature: "amt", contribution: row, value: row, text: `row ${row}` }]);
  return {
    scores: Float32Array.from({ length: rows }, (_, i) => (from + i) / 100),
    features: Float32Array.from({ length: 2 * rows }, (_, i) => from * 2 + i),
    version: "v1",
    threshold: 0.5,
    ...(alerts.length > 0
      ? {
        reasons: {
          baseRate: 0.01,
          nodeValues: "training" as const,
          rows: new Map(alerts.map((row) => [row, reason(from + row)])),
        },
      }
      : {}),
    shadow: {
      scores: Float32Array.from({ length: rows }, (_, i) => -(from + i)),
      version: "v0",
      threshold: 0.4,
    },
  };
}

Deno.test("the slices' replies join into the batch's: scores, features and shadow scores in row order, reasons by batch row", () => {
  const slices = scoreSlices(10, 4);
  const joined = joinReplies([reply(0, 4, [1]), reply(4, 4, []), reply(8, 2, [0, 1])], slices);
  assert.deepEqual([...joined.scores], Array.from({ length: 10 }, (_, i) => Math.fround(i / 100)));
  assert.deepEqual([...joined.features], Array.from({ length: 20 }, (_, i) => i));
  assert.deepEqual([...joined.shadow!.scores], Array.from({ length: 10 }, (_, i) => -i));
  assert.equal(joined.shadow!.version, "v0");
  assert.deepEqual([...joined.reasons!.rows.keys()], [1, 8, 9]);
  assert.deepEqual(joined.reasons!.rows.get(9), reply(8, 2, [1]).reasons!.rows.get(1));
  assert.equal(joined.reasons!.baseRate, 0.01);
  assert.equal(joined.threshold, 0.5);
  assert.equal(joined.version, "v1");
});

Deno.test("one slice's reply is the batch's, and slices without alerts give no reasons", () => {
  const one = reply(0, 3, []);
  assert.equal(joinReplies([one], scoreSlices(3)), one);
  const joined = joinReplies([reply(0, 4, []), reply(4, 1, [])], scoreSlices(5, 4));
  assert.equal(joined.reasons, undefined);
});
