import assert from "node:assert/strict";
import { groupByPartition, requestSized } from "../../../../actors/log/kafka/requests.ts";
import { partitionForKey } from "../../../../actors/log/partitioner.ts";

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

Deno.test("records are grouped by partition, in order, each group bound to one partition", () => {
  const records = [
    ...Array.from({ length: 60 }, (_, i) => ({ key: `card-${i % 20}`, value: Uint8Array.of(i) })),
    { key: "card-3", value: Uint8Array.of(100), partition: 5 },
    { key: null, value: Uint8Array.of(101) },
    { key: null, value: Uint8Array.of(102) },
  ];
  const groups = groupByPartition(records, 6);
  const seen: number[] = [];
  for (const [partition, group] of groups) {
    for (const record of group) {
      assert.equal(record.partition, partition);
      if (record.key !== null && record.value[0] < 100) {
        assert.equal(partition, partitionForKey(record.key, 6), "a key keeps its partition");
      }
      seen.push(record.value[0]);
    }
    const values = group.map((record) => record.value[0]);
    assert.deepEqual(values, [...values].sort((a, b) => a - b), "order kept within a partition");
  }
  assert.deepEqual(seen.sort((a, b) => a - b), records.map((r) => r.value[0]), "every record once");
  assert.ok(groups.get(5)?.some((record) => record.value[0] === 100), "explicit partition kept");
  const unkeyed = [...groups.values()].flat().filter((record) => record.key === null);
  assert.notEqual(unkeyed[0].partition, unkeyed[1].partition, "unkeyed records spread in turn");
});
