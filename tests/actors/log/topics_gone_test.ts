import assert from "node:assert/strict";
import { topicsGone } from "../../../actors/log/topics_gone.ts";
import { LogError } from "../../../actors/log/types.ts";

Deno.test("deleted topics: waits while a broker still lists them, then resolves", async () => {
  const listings = [["a", "b", "other"], ["b", "other"], ["other"]];
  let calls = 0;
  await topicsGone(() => Promise.resolve(listings[Math.min(calls++, 2)]), ["a", "b"]);
  assert.equal(calls, 3);
});

Deno.test("deleted topics still listed after the timeout: a retriable error naming them", async () => {
  const error = await topicsGone(() => Promise.resolve(["a", "b", "c"]), ["a", "c"], 300).then(
    () => undefined,
    (error) => error,
  );
  assert.ok(error instanceof LogError);
  assert.equal(error.retriable, true);
  assert.match(error.message, /topics a, c still listed 0.3 s after being deleted/);
});
