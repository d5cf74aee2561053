/**
 * Stream mode: batch files appear whole (a reader never sees half a file), event time advances
 * with the clock times `speed`, customers stay the same across batches, fraud bursts happen,
 * `rate` caps the throughput, and the stream stops on its signal or after its duration.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { generateStream } from "../../../../actors/pipeline/generator/mod.ts";
import { CSV_SEPARATOR, HEADER } from "../../../../model/schema.ts";
import { tempDir } from "./helpers.ts";
import {
  MAX_BATCH_ROWS,
  sortHour,
  startPosition,
  step,
  type StreamSettings,
  StreamState,
  type WrittenBatch,
} from "../../../../actors/pipeline/generator/stream_batches.ts";
import {
  type StreamStep,
  type StreamStepDone,
  streamWriter,
} from "../../../../actors/pipeline/generator/stream_worker.ts";
import { commitPart } from "../../../../actors/lib/atomic_write.ts";
import { FraudstreamError } from "../../../../actors/lib/errors.ts";
import type { StreamRow } from "../../../../actors/pipeline/generator/stream_model.ts";

const START = new Date("2024-03-01T00:00:00Z");
const DAY = 86_400;

/** Reads every complete batch file of `dir` as it appears, checking that it is whole. */
function watchFolder(dir: string): { stop: () => Promise<void>; seen: Map<string, string> } {
  const seen = new Map<string, string>();
  let running = true;
  const loop = (async () => {
    while (running) {
      for (const entry of Deno.readDirSync(dir)) {
        if (!entry.name.endsWith(".csv") || seen.has(entry.name)) continue;
        const text = Deno.readTextFileSync(join(dir, entry.name));
        assert.ok(text.endsWith("\n"), `${entry.name} was visible before it was complete`);
        const lines = text.slice(0, -1).split("\n");
        assert.equal(lines[0], HEADER);
        for (const line of lines.slice(1)) {
          assert.equal(line.split(CSV_SEPARATOR).length, 26, `half a row in ${entry.name}`);
        }
        seen.set(entry.name, text);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    seen,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

function rowsOf(files: Map<string, string>): string[][] {
  return [...files.keys()].sort().flatMap((name) =>
    files.get(name)!.slice(0, -1).split("\n").slice(1).map((line) => line.split(CSV_SEPARATOR))
  );
}

Deno.test("stream: whole batch files whose event time follows the clock times speed", async () => {
  const dir = await tempDir();
  const watcher = watchFolder(dir.path);
  try {
    const speed = 20 * DAY;
    const durationMs = 1500;
    const report = await generateStream({
      customers: 500,
      outDir: dir.path,
      speed,
      batchMs: 100,
      durationMs,
      startTime: START,
      seed: 4,
    });
    await watcher.stop();
    const names = [...Deno.readDirSync(dir.path)].map((e) => e.name).sort();
    assert.deepEqual(names.filter((n) => !n.endsWith(".csv")), [], "no temporary file left");
    assert.equal(names.length, report.files);
    assert.ok(report.files >= 4, `${report.files} batch files`);
    // The watcher read most files while the stream ran (the last ones may come after its last
    // look), each whole, and as they are now.
    assert.ok(watcher.seen.size >= report.files / 2, `${watcher.seen.size} files seen`);
    const files = new Map(names.map((n) => [n, Deno.readTextFileSync(join(dir.path, n))]));
    for (const [name, text] of watcher.seen) assert.equal(text, files.get(name), name);

    const rows = rowsOf(files);
    assert.equal(rows.length, report.rows);
    const times = rows.map((f) => Number(f[19]));
    for (let i = 1; i < times.length; i++) {
      assert.ok(times[i] >= times[i - 1], "event times only move forward, across files too");
    }
    const start = START.getTime() / 1000;
    const end = start + (durationMs / 1000) * speed;
    assert.ok(times[0] >= start, "nothing before the start");
    assert.ok(times.at(-1)! < end, "nothing after start + duration x speed");
    assert.ok(times.at(-1)! > end - 2 * DAY, `event time reached ${times.at(-1)} of ${end}`);
    for (const f of rows) {
      assert.equal(Number(f[19]), Date.parse(`${f[17]}T${f[18]}Z`) / 1000, "unix_time is UTC");
    }

    // A fixed population: a card always comes with the same customer columns.
    const customers = new Map<string, string>();
    for (const f of rows) {
      const columns = f.slice(0, 16).join("|");
      assert.equal(customers.get(f[1]) ?? columns, columns, `card ${f[1]} changed`);
      customers.set(f[1], columns);
    }
    assert.ok(customers.size > 300, `${customers.size} cards`);

    // Fraud comes in bursts per card: one or two days each.
    const fraudDays = new Map<string, Set<string>>();
    for (const f of rows.filter((f) => f[22] === "1")) {
      fraudDays.set(f[1], (fraudDays.get(f[1]) ?? new Set()).add(f[17]));
    }
    assert.ok(fraudDays.size >= 5, `${fraudDays.size} cards with fraud in 30 days`);
    for (const days of fraudDays.values()) assert.ok(days.size <= 2);
    assert.equal(report.frauds, rows.filter((f) => f[22] === "1").length);
  } finally {
    await watcher.stop();
    await dir.cleanup();
  }
});

Deno.test("stream: rate caps transactions per second; event time falls behind instead", async () => {
  const dir = await tempDir();
  try {
    const rate = 2000;
    const durationMs = 1200;
    const speed = 365 * DAY;
    const report = await generateStream({
      customers: 1000,
      outDir: dir.path,
      speed,
      rate,
      batchMs: 100,
      durationMs,
      startTime: START,
    });
    // The cap holds over the wall time the run actually took.
    assert.ok(report.rows <= rate * report.seconds, `${report.rows} rows in ${report.seconds} s`);
    assert.ok(report.rows >= rate * (durationMs / 1000) * 0.6, `${report.rows} rows`);
    // Uncapped, 1.2 s at this speed would be over a year of transactions.
    assert.equal(report.first_day, "2024-03-01");
    assert.ok(report.last_day! < "2024-03-05", `event time reached ${report.last_day}`);
  } finally {
    await dir.cleanup();
  }
});

Deno.test("stream: holdWhile holds batches back while it answers true, then lets them go", async () => {
  const dir = await tempDir();
  try {
    const csvFiles = () => [...Deno.readDirSync(dir.path)].filter((e) => e.name.endsWith(".csv"));
    let held = true;
    let filesWhenReleased = -1;
    // Released 300 ms (six batch intervals) after the first file appeared.
    const release = (async () => {
      while (csvFiles().length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 300));
      filesWhenReleased = csvFiles().length;
      held = false;
    })();
    const report = await generateStream({
      customers: 200,
      outDir: dir.path,
      speed: 5 * DAY,
      batchMs: 50,
      durationMs: 900,
      startTime: START,
      // The first batch, then none while held.
      holdWhile: (rowsWritten) => held && rowsWritten > 0,
    });
    await release;
    assert.equal(filesWhenReleased, 1, "no batch was written while held");
    assert.ok(report.files > 1, `${report.files} files: the stream went on once released`);
    assert.equal(csvFiles().length, report.files);
  } finally {
    await dir.cleanup();
  }
});

Deno.test("stream: stops when its signal aborts", async () => {
  const dir = await tempDir();
  try {
    const controller = new AbortController();
    let abortedAt = 0;
    // Aborted 200 ms after the first file appeared.
    const abort = (async () => {
      while ([...Deno.readDirSync(dir.path)].length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      abortedAt = performance.now();
      controller.abort();
    })();
    const report = await generateStream({
      customers: 200,
      outDir: dir.path,
      speed: 5 * DAY,
      batchMs: 50,
      signal: controller.signal,
      startTime: START,
    });
    await abort;
    const elapsed = performance.now() - abortedAt;
    assert.ok(elapsed < 1000, `stopped ${elapsed} ms after the abort`);
    assert.ok(report.files > 0 && report.rows > 0);
    const count = [...Deno.readDirSync(dir.path)].length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal([...Deno.readDirSync(dir.path)].length, count, "no file after the stop");
  } finally {
    await dir.cleanup();
  }
});

for (const fidelity of ["sparkov", "independent"] as const) {
  Deno.test(`stream (${fidelity}): the first weeks of a stream year are all AM only with the quirk`, async () => {
    const dir = await tempDir();
    try {
      await generateStream({
        customers: 300,
        outDir: dir.path,
        speed: 30 * DAY,
        batchMs: 100,
        durationMs: 600,
        startTime: START,
        fidelity,
      });
      const rows = rowsOf(
        new Map(
          [...Deno.readDirSync(dir.path)].map((
            e,
          ) => [e.name, Deno.readTextFileSync(join(dir.path, e.name))]),
        ),
      ).filter((f) => f[22] === "0");
      assert.ok(rows.length > 1000, `${rows.length} rows`);
      const am = rows.filter((f) => Number(f[18].slice(0, 2)) < 12).length / rows.length;
      if (fidelity === "sparkov") assert.equal(am, 1, "the first days of the range are all AM");
      else assert.ok(am > 0.2 && am < 0.5, `AM share ${am}`);
    } finally {
      await dir.cleanup();
    }
  });
}

Deno.test("a stream behind the clock writes files of at most MAX_BATCH_ROWS rows, the rest next", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "fraudstream-stream-cap-" });
  try {
    const state = new StreamState({
      customers: 3000,
      seed: 7,
      fidelity: "sparkov",
      outDir,
      speed: 1e9,
      rate: 0,
      durationMs: 0,
      batchMs: 1000,
      startSeconds: Date.UTC(2024, 0, 1) / 1000,
      asOf: Math.floor(Date.UTC(2024, 0, 1) / 86_400_000),
    }, "cap");
    // Years of event time behind.
    const first = step(state, { elapsedMs: 20, final: false });
    assert.equal(first.behind, true, "behind the clock");
    assert.equal(first.written?.rows, MAX_BATCH_ROWS);
    assert.ok(state.pending.length < MAX_BATCH_ROWS, "what was drawn over the limit waits");
    const second = step(state, { elapsedMs: 20, final: false });
    assert.equal(second.written?.rows, MAX_BATCH_ROWS, "the rest, up to the limit, next");
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

/** Settings of a stream of 200 cards whose event time runs an hour a millisecond, into `outDir`. */
function hourlyStream(outDir: string): StreamSettings {
  return {
    customers: 200,
    seed: 11,
    fidelity: "sparkov",
    outDir,
    speed: 3600 * 1000,
    rate: 0,
    durationMs: 0,
    batchMs: 1000,
    startSeconds: Date.UTC(2024, 0, 1) / 1000,
    asOf: Math.floor(Date.UTC(2024, 0, 1) / 86_400_000),
  };
}

Deno.test("a stream writer started afresh at the last position handed over repeats no file and no transaction", async () => {
  const outDir = await Deno.makeTempDir({ prefix: "fraudstream-stream-resume-" });
  try {
    const settings = hourlyStream(outDir);
    const ids = (path: string) =>
      Deno.readTextFileSync(path).trim().split("\n").slice(1).map((line) =>
        line.split(CSV_SEPARATOR)[HEADER.split(CSV_SEPARATOR).indexOf("trans_num")]
      );
    const committed: string[] = [];
    const hand = (written: WrittenBatch | undefined) => {
      assert.ok(written, "a file was written");
      commitPart(written.partPath, written.path);
      committed.push(written.path);
    };
    // A step of `writer` as its worker runs it.
    const stepOf = async (writer: ReturnType<typeof streamWriter>, request: StreamStep) =>
      (await writer.handle!(request, undefined as never)) as StreamStepDone;
    const first = streamWriter({ settings, tag: "resume" });
    const one = await stepOf(first, { elapsedMs: 5, final: false, at: startPosition(settings) });
    hand(one.written);
    // The second file is written but its writer dies before handing it over.
    const lost = await stepOf(first, { elapsedMs: 10, final: false, at: one.at });
    assert.ok(lost.written);
    // A writer started afresh is sent the same step again, from the last position handed over.
    const again = streamWriter({ settings, tag: "resume" });
    const two = await stepOf(again, { elapsedMs: 10, final: false, at: one.at });
    assert.equal(two.written?.path, lost.written.path, "the same file, written again");
    hand(two.written);
    const three = await stepOf(again, { elapsedMs: 15, final: false, at: two.at });
    hand(three.written);
    assert.equal(three.at.files, 3);
    const all = committed.flatMap(ids);
    assert.ok(all.length > 100, `${all.length} transactions`);
    assert.equal(new Set(all).size, all.length, "no transaction twice");
    const left = [...Deno.readDirSync(outDir)].map((entry) => entry.name).sort();
    assert.deepEqual(
      left,
      committed.map((path) => path.split("/").pop()).sort(),
      "no temporary file left",
    );
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
});

Deno.test("stream: an output folder that is a file is refused saying so, the file left as it is", async () => {
  const dir = await tempDir();
  try {
    const file = join(dir.path, "notes.txt");
    await Deno.writeTextFile(file, "mine\n");
    await assert.rejects(
      generateStream({ customers: 5, outDir: file, durationMs: 100 }),
      (error: unknown) =>
        error instanceof FraudstreamError &&
        /'[^']*notes\.txt' is a file, not a folder/.test(error.message) &&
        !/File exists/.test(error.message),
    );
    assert.equal(await Deno.readTextFile(file), "mine\n");
  } finally {
    await dir.cleanup();
  }
});

Deno.test("an hour's rows are sorted as a stable sort by time and card would, with or without keys", () => {
  const from = 1_767_225_600;
  let seed = 7;
  const next = (below: number) => (seed = (seed * 1_103_515_245 + 12_345) >>> 0) % below;
  for (const size of [0, 1, 2, 70, 1500]) {
    // Few seconds and cards, so that ties of both are common and only the drawing order breaks them.
    const rows: StreamRow[] = Array.from({ length: size }, (_, i) => ({
      time: from + (i % 3 === 0 ? 3599 : 60 * next(8)),
      customer: next(5),
      category: i,
      cents: 100,
      fraud: 0,
    }));
    const expected = rows.slice().sort((a, b) => a.time - b.time || a.customer - b.customer);
    for (const customers of [5, 2 ** 45]) { // the second too many cards for exact keys
      const sorted = rows.slice();
      sortHour(sorted, from, customers);
      assert.deepEqual(sorted, expected, `${size} rows, ${customers} cards`);
    }
  }
  const outside = [{ time: from + 3600, customer: 0, category: 0, cents: 1, fraud: 0 as const }];
  assert.throws(() => sortHour(outside, from, 5), RangeError);
});

Deno.test("a batch whose file could not be written stays in the backlog, and the next step writes it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fraudstream-stream-failed-" });
  try {
    const outDir = join(dir, "out");
    const settings = hourlyStream(outDir);
    const state = new StreamState(settings, "failed");
    // The output folder is missing: the file cannot be written.
    assert.throws(() => step(state, { elapsedMs: 48, final: false }));
    const backlog = state.pending.length;
    assert.ok(backlog > 0, "rows were drawn");
    await Deno.mkdir(outDir);
    const { written } = step(state, { elapsedMs: 48, final: false });
    assert.equal(written?.rows, backlog);
    assert.equal(state.pending.length, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
