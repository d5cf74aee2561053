import assert from "node:assert/strict";
import { Tripwire } from "../../../actors/lib/tripwire.ts";

Deno.test("a race settles as its work does while the wire is intact", async () => {
  const wire = new Tripwire();
  assert.equal(await wire.race(Promise.resolve("done")), "done");
  await assert.rejects(wire.race(Promise.reject(new Error("work failed"))), /work failed/);
  assert.equal(wire.tripped, false);
});

Deno.test("tripping fails the races waiting and every later one, once", async () => {
  const wire = new Tripwire();
  let finish!: (value: string) => void;
  let fail!: (error: Error) => void;
  const waiting = wire.race(new Promise<string>((resolve) => (finish = resolve)));
  const failing = wire.race(new Promise<string>((_, reject) => (fail = reject)));
  wire.trip(new Error("crashed"));
  wire.trip(new Error("crashed again"));
  assert.equal(wire.tripped, true);
  await assert.rejects(waiting, /^Error: crashed$/);
  await assert.rejects(failing, /^Error: crashed$/);
  // The work settling afterwards changes nothing, and its rejection is not left unhandled.
  finish("late");
  fail(new Error("late failure"));
  await assert.rejects(wire.race(Promise.resolve("after")), /^Error: crashed$/);
  await assert.rejects(wire.race(Promise.reject(new Error("after"))), /^Error: crashed$/);
});
