import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  type AbortedTransaction,
  committedRecords,
  type FetchedBatch,
  toProduceMessages,
} from "../../../../actors/log/platformatic/records.ts";

const IS_TRANSACTIONAL = 0x10;
const IS_CONTROL = 0x20;

/** A batch of `values` from `firstOffset`, by `producerId`. */
function batch(
  firstOffset: number,
  values: string[],
  options: { producerId?: number; transactional?: boolean } = {},
): FetchedBatch {
  return {
    firstOffset: BigInt(firstOffset),
    attributes: options.transactional ? IS_TRANSACTIONAL : 0,
    lastOffsetDelta: values.length - 1,
    firstTimestamp: 1_700_000_000_000n,
    producerId: BigInt(options.producerId ?? -1),
    records: values.map((value, i) => ({
      timestampDelta: BigInt(i),
      offsetDelta: i,
      key: Buffer.from(`k${value}`),
      value: Buffer.from(value),
      headers: [[Buffer.from("n"), Buffer.from(value)]],
    })),
  };
}

/** A transaction marker of `producerId` at `offset`: commit or abort. */
function marker(offset: number, producerId: number, commit: boolean): FetchedBatch {
  const key = Buffer.alloc(4);
  key.writeInt16BE(0, 0);
  key.writeInt16BE(commit ? 1 : 0, 2);
  return {
    firstOffset: BigInt(offset),
    attributes: IS_TRANSACTIONAL | IS_CONTROL,
    lastOffsetDelta: 0,
    firstTimestamp: 0n,
    producerId: BigInt(producerId),
    records: [{ timestampDelta: 0n, offsetDelta: 0, key, value: Buffer.alloc(6), headers: [] }],
  };
}

const values = (batches: FetchedBatch[], aborted: AbortedTransaction[], from = 0) =>
  committedRecords(batches, aborted, BigInt(from)).map((r) => `${r.offset}:${r.value.length}`);

Deno.test("records of aborted transactions and markers are left out; committed ones kept", () => {
  // Producer 7 commits 0-1, producer 8 aborts 2-3 while 7 commits 4, then 8 commits 7.
  const batches = [
    batch(0, ["a", "bb"], { producerId: 7, transactional: true }),
    batch(2, ["xx", "yyy"], { producerId: 8, transactional: true }),
    marker(4, 7, true),
    batch(5, ["cccc"], { producerId: 7, transactional: true }),
    marker(6, 8, false),
    batch(7, ["ddddd"], { producerId: 8, transactional: true }),
    marker(8, 7, true),
    marker(9, 8, true),
    batch(10, ["plain!"]),
  ];
  const aborted = [{ producerId: 8n, firstOffset: 2n }];
  assert.deepEqual(values(batches, aborted), ["0:1", "1:2", "5:4", "7:5", "10:6"]);
  assert.deepEqual(
    values(batches, []),
    ["0:1", "1:2", "2:2", "3:3", "5:4", "7:5", "10:6"],
    "nothing is left out that the broker does not list as aborted",
  );
  assert.deepEqual(values(batches, aborted, 1), ["1:2", "5:4", "7:5", "10:6"], "from an offset");
});

Deno.test("a fetched record keeps its key, headers, offset and time", () => {
  const [record] = committedRecords([batch(41, ["a", "b"])], null, 42n);
  assert.equal(record.offset, 42);
  assert.equal(record.key, "kb");
  assert.deepEqual(record.headers, { n: "b" });
  assert.equal(record.timestamp, 1_700_000_000_001);
  assert.equal(new TextDecoder().decode(record.value), "b");
});

Deno.test("records to produce carry their partition, key bytes and headers", () => {
  const [message] = toProduceMessages("t", [{
    key: "4263982640269299",
    partition: 3,
    value: new Uint8Array([1, 2]),
    headers: { kind: "scored" },
  }]);
  assert.equal(message.partition, 3);
  assert.equal(message.key!.toString(), "4263982640269299");
  assert.deepEqual([...message.value], [1, 2]);
  assert.deepEqual(
    [...message.headers!].map(([name, value]) => [name.toString(), value.toString()]),
    [["kind", "scored"]],
  );
});
