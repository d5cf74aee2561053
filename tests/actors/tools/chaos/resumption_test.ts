import assert from "node:assert/strict";
import { PartitionResumption } from "../../../../actors/tools/chaos/resumption.ts";

Deno.test("recovery waits for the last partition to move on after the fault", () => {
  const resumption = new PartitionResumption();
  resumption.observe([5, 5, 5], 100); // before watching: ignored
  resumption.watchFrom(1000);
  resumption.observe([10, 10, 10], 1000); // baseline
  resumption.observe([12, 10, 11], 1500);
  assert.equal(resumption.recoveredAfter(900, 3), undefined, "partition 1 has not moved yet");
  resumption.observe([20, 10, 30], 2000);
  resumption.observe([25, 14, 31], 4000);
  assert.equal(resumption.recoveredAfter(900, 3), 3100, "the slowest partition decides");
});
