import assert from "node:assert/strict";
import { isJsonObject } from "../../../actors/lib/json_object.ts";

Deno.test("isJsonObject: an object is one; null, an array, text and numbers are not", () => {
  assert.equal(isJsonObject(JSON.parse('{"a": 1}')), true);
  assert.equal(isJsonObject({}), true);
  for (const value of [null, [], [{}], "x", 1, true, undefined]) {
    assert.equal(isJsonObject(value), false, JSON.stringify(value));
  }
});
