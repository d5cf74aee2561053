import assert from "node:assert/strict";
import { Mailbox, MailboxClosedError } from "../../../actors/runtime/mod.ts";

Deno.test("mailbox delivers in FIFO order", async () => {
  const box = new Mailbox<number>(4);
  for (let i = 0; i < 4; i++) await box.put(i);
  const out = [];
  for (let i = 0; i < 4; i++) out.push(await box.take());
  assert.deepEqual(out, [0, 1, 2, 3]);
});

Deno.test("a full mailbox makes put wait until a take makes room", async () => {
  const box = new Mailbox<number>(2);
  await box.put(1);
  await box.put(2);
  assert.equal(box.tryPut(3), false);
  let third = false;
  const pending = box.put(3).then(() => (third = true));
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(third, false, "put must wait while the mailbox is full");
  assert.equal(box.depth, 2);
  assert.equal(box.blockedSenders, 1);
  assert.equal(await box.take(), 1);
  await pending;
  assert.equal(third, true);
  assert.equal(box.depth, 2);
});

Deno.test("putFront puts a message ahead of the queue without waiting for room", async () => {
  const box = new Mailbox<string>(1);
  await box.put("b");
  box.putFront("a");
  assert.equal(box.depth, 2);
  assert.equal(await box.take(), "a");
  assert.equal(await box.take(), "b");
});

Deno.test("take waits for a message and ends on abort", async () => {
  const box = new Mailbox<string>(1);
  const waiting = box.take();
  await box.put("x");
  assert.equal(await waiting, "x");
  const abort = new AbortController();
  const aborted = box.take(abort.signal);
  abort.abort();
  assert.equal(await aborted, undefined);
  await box.put("y");
  assert.equal(await box.take(), "y", "an aborted take must not swallow a later message");
});

Deno.test("close rejects waiting and later senders and releases receivers", async () => {
  const box = new Mailbox<number>(1);
  await box.put(1);
  const blocked = box.put(2);
  box.close();
  await assert.rejects(blocked, MailboxClosedError);
  await assert.rejects(box.put(3), MailboxClosedError);
  assert.equal(await box.take(), 1, "messages accepted before close can still be taken");
  assert.equal(await box.take(), undefined);
});

Deno.test("drain empties the mailbox and wakes a blocked sender", async () => {
  const box = new Mailbox<number>(1);
  await box.put(1);
  const blocked = box.put(2);
  assert.deepEqual(box.drain(), [1]);
  await blocked;
  assert.deepEqual(box.drain(), [2]);
});

Deno.test("mailbox capacity must be a positive integer", () => {
  assert.throws(() => new Mailbox(0), RangeError);
  assert.throws(() => new Mailbox(1.5), RangeError);
});
