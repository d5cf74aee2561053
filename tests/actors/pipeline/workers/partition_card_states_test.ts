import assert from "node:assert/strict";
import { transactionsToColumns } from "../../../../model/columns.ts";
import { StateFormatError } from "../../../../model/card_states.ts";
import { DEFAULT_ENCODER } from "../../../../model/features.ts";
import {
  CardStatesNotHeldError,
  PartitionCardStates,
} from "../../../../actors/pipeline/workers/partition_card_states.ts";
import { scoreWorker } from "../../../../actors/pipeline/workers/score.ts";
import { sampleTransaction } from "../../../fixtures/transactions.ts";
import { scoreReplyOf } from "../../../fixtures/score_reply.ts";
import { packFeatureColumns } from "../../../../model/feature_columns.ts";

const PRETRAINED = new URL("../../../../resources/models/pretrained", import.meta.url).pathname;
const rows = Array.from({ length: 40 }, (_, i) => sampleTransaction(i, 5));

Deno.test("a partition's card states serve the incarnation that opened them, and no other", () => {
  const states = new PartitionCardStates();
  const first = { partition: 1, incarnation: "a" };
  const second = { partition: 1, incarnation: "b" };
  assert.throws(() => states.encoder(first), CardStatesNotHeldError);
  assert.equal(states.open(first, DEFAULT_ENCODER, []), 0);
  const encoder = states.encoder(first);
  encoder.encode(transactionsToColumns(rows));
  const records = encoder.snapshot(10);
  assert.equal(states.open(second, DEFAULT_ENCODER, records), 5, "five cards restored");
  assert.throws(() => states.encoder(first), CardStatesNotHeldError, "taken over");
  states.close(first);
  assert.ok(states.encoder(second), "a stale close leaves the new owner's table");
  states.close(second);
  assert.throws(() => states.encoder(second), CardStatesNotHeldError);
  // A record that does not fit leaves the partition without a table.
  const corrupt = records[0].slice(0, 20);
  assert.throws(() => states.open(first, DEFAULT_ENCODER, [corrupt]), StateFormatError);
  assert.throws(() => states.encoder(first), CardStatesNotHeldError);
});

Deno.test("a scoring worker refuses card states it cannot restore or does not hold, and goes on serving the others", async () => {
  const behaviour = scoreWorker({ preload: [PRETRAINED] });
  await behaviour.init!(undefined as never);
  const ask = (request: Parameters<NonNullable<typeof behaviour.handle>>[0]) =>
    behaviour.handle!(request, undefined as never);
  const held = { partition: 0, incarnation: "held" };
  assert.deepEqual(
    await ask({ kind: "open", owner: held, settings: DEFAULT_ENCODER, records: [] }),
    {
      cards: 0,
    },
  );
  const bad = await ask({
    kind: "open",
    owner: { partition: 1, incarnation: "bad" },
    settings: DEFAULT_ENCODER,
    records: [new Uint8Array([1, 2, 3])],
  });
  assert.equal((bad as { refused: { name: string } }).refused.name, "StateFormatError");
  const score = (owner: typeof held) =>
    ask({
      modelDir: PRETRAINED,
      rows: rows.length,
      cards: {
        owner,
        columns: packFeatureColumns(transactionsToColumns(rows), 0, rows.length),
        changes: { cardsPerRecord: 100, snapshot: false },
      },
    });
  const unknown = await score({ partition: 2, incarnation: "never opened" });
  assert.equal((unknown as { refused: { name: string } }).refused.name, "CardStatesNotHeldError");
  const reply = scoreReplyOf(await score(held));
  assert.equal(reply.scores.length, rows.length);
  assert.equal(reply.cardStates?.delta.length, 1, "the five cards changed, in one record");
});
