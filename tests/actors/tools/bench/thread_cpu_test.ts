import assert from "node:assert/strict";
import { threadSample, threadSplit } from "../../../../actors/tools/bench/thread_cpu.ts";

Deno.test({
  name: "a thread sample holds this process's main thread and its CPU so far",
  ignore: Deno.build.os !== "linux",
  fn() {
    const started = performance.now();
    while (performance.now() - started < 50) Math.sqrt(started); // some CPU to count
    const sample = threadSample();
    assert.ok(sample);
    const main = sample.get(Deno.pid);
    assert.ok(main, "the main thread's id is the process id");
    assert.ok(main.ticks > 0);
  },
});

Deno.test("the split gives each kind of thread its share of the CPU a transaction", () => {
  const before = new Map([
    [Deno.pid, { name: "deno", ticks: 100 }],
    [2, { name: "worker-1", ticks: 50 }],
    [3, { name: "worker-2", ticks: 10 }],
    [4, { name: "V8 DefaultWorke", ticks: 5 }],
    [5, { name: "tokio-runtime-w", ticks: 0 }],
  ]);
  const after = new Map([
    [Deno.pid, { name: "deno", ticks: 120 }], // 20
    [2, { name: "worker-1", ticks: 60 }], // 10
    [3, { name: "worker-2", ticks: 50 }], // 40
    [4, { name: "V8 DefaultWorke", ticks: 25 }], // 20
    [5, { name: "tokio-runtime-w", ticks: 0 }], // 0
    [6, { name: "worker-3", ticks: 10 }], // 10, started in the phase
  ]);
  // 100 ticks in all, spread over 5 µs a transaction.
  assert.deepEqual(threadSplit(before, after, 5), {
    main: 1,
    workers: [2, 0.5, 0.5],
    v8_helpers: 1,
    other: 0,
  });
});
