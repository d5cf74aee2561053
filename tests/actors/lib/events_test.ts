import assert from "node:assert/strict";
import { Emitter } from "../../../actors/lib/events.ts";

interface DoorEvents {
  opened: { by: string };
  closed: { after: number };
}

Deno.test("listeners hear the events they subscribed to, in order, until they unsubscribe", () => {
  const events = new Emitter<DoorEvents>();
  const heard: string[] = [];
  const offFirst = events.on("opened", ({ by }) => heard.push(`first ${by}`));
  events.on("opened", ({ by }) => heard.push(`second ${by}`));
  events.on("closed", ({ after }) => heard.push(`closed after ${after}`));
  events.emit("opened", { by: "ann" });
  events.emit("closed", { after: 3 });
  offFirst();
  offFirst();
  events.emit("opened", { by: "bob" });
  assert.deepEqual(heard, ["first ann", "second ann", "closed after 3", "second bob"]);
});

Deno.test("an event nobody listens to is a no-op; one function subscribed twice is called twice", () => {
  const events = new Emitter<DoorEvents>();
  events.emit("closed", { after: 1 });
  const heard: string[] = [];
  const listener = ({ by }: { by: string }) => heard.push(by);
  const offOne = events.on("opened", listener);
  events.on("opened", listener);
  events.emit("opened", { by: "ann" });
  offOne();
  events.emit("opened", { by: "bob" });
  assert.deepEqual(heard, ["ann", "ann", "bob"]);
});

Deno.test("those subscribed when an event happens hear it, whoever unsubscribes during it", () => {
  const events = new Emitter<DoorEvents>();
  const heard: string[] = [];
  let offSecond = () => {};
  events.on("opened", ({ by }) => {
    heard.push(`first ${by}`);
    offSecond();
    events.on("opened", ({ by }) => heard.push(`late ${by}`));
  });
  offSecond = events.on("opened", ({ by }) => heard.push(`second ${by}`));
  events.emit("opened", { by: "ann" });
  assert.deepEqual(heard, ["first ann", "second ann"]);
});

Deno.test("a listener that throws ends the emit, and its error reaches the emitter", () => {
  const events = new Emitter<DoorEvents>();
  const heard: string[] = [];
  events.on("opened", () => {
    throw new Error("listener failed");
  });
  events.on("opened", ({ by }) => heard.push(by));
  assert.throws(() => events.emit("opened", { by: "ann" }), /listener failed/);
  assert.deepEqual(heard, []);
});
