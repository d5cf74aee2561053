import assert from "node:assert/strict";
import { requestSized } from "../../../actors/transport/kafka.ts";

Deno.test("records are split, in order, into runs under the request size", () => {
  const records = Array.from({ length: 100 }, (_, i) => ({
    key: `card-${i}`,
    value: new Uint8Array(100 + i * 10),
  }));
  const chunks = requestSized(records, 4000);
  assert.ok(chunks.length > 1);
  assert.deepEqual(chunks.flat(), records, "every record once, in order");
  for (const chunk of chunks) {
    const bytes = chunk.reduce((sum, r) => sum + r.value.byteLength + (r.key?.length ?? 0) + 70, 0);
    assert.ok(chunk.length === 1 || bytes <= 4000, `${bytes} bytes in ${chunk.length} records`);
  }
  const huge = [{ key: null, value: new Uint8Array(10_000) }];
  assert.deepEqual(requestSized(huge, 4000), [huge], "a record over the limit goes alone");
});
