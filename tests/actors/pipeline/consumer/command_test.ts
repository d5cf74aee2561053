import assert from "node:assert/strict";
import { consumeSummary } from "../../../../actors/pipeline/consumer/command.ts";

Deno.test("consume's last line counts the dead letters beside what it scored", () => {
  assert.equal(
    consumeSummary({ scored: 536, alerts: 11, dead_letters: 199, seconds: 12.3 }),
    "scored 536 transactions, 11 alerts, 199 dead letters, in 12.3 s",
  );
});
