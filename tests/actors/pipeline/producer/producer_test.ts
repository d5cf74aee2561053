import assert from "node:assert/strict";
import { readLedger } from "../../../../actors/pipeline/producer/ledger.ts";
import {
  ChunkBuffers,
  chunkLines,
  type LineChunk,
  readLines,
  type ReadLinesOptions,
} from "../../../../actors/pipeline/producer/lines.ts";
import { encodeWorker } from "../../../../actors/pipeline/producer/encode_worker.ts";
import { unwrapTransfer } from "../../../../actors/runtime/protocol.ts";
import type { EncodedChunk } from "../../../../actors/pipeline/producer/chunks.ts";
import { EmbeddedTransport, partitionForKey, type Transport } from "../../../../actors/log/mod.ts";
import { pipelineEvents } from "../../../../actors/pipeline/events.ts";
import { TOPICS, topicSpecs } from "../../../../actors/pipeline/topics.ts";
import { csvFile, csvLine, sampleTransaction } from "../../../fixtures/transactions.ts";
import { messageTransactions, startProducer, transNums } from "./helpers.ts";
import { delay, poll } from "../../../../actors/lib/async.ts";
import { sayEvents } from "../../../../actors/pipeline/status_lines.ts";
import { CLOSE_DEADLINE_MS } from "../../../../actors/pipeline/step_deadline.ts";
import type { ActorSnapshot } from "../../../../actors/runtime/mod.ts";

const SETTINGS = { topic: "transactions", partitions: 3, replicationFactor: undefined };

async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  if (!(await poll(condition, { timeoutMs, pollMs: 20 }))) {
    throw new Error(`timed out waiting for ${what}`);
  }
}

Deno.test("readLines numbers lines, chunks them and resumes at a line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/f.csv`, "a\nb\r\nc\nd");
    const read = async (options: ReadLinesOptions) => {
      const chunks = [];
      for await (const chunk of readLines(`${dir}/f.csv`, options)) {
        chunks.push({ first: chunk.first, lines: chunkLines(chunk), last: chunk.last });
      }
      return chunks;
    };
    assert.deepEqual(await read({ chunkLines: 3 }), [
      { first: 1, lines: ["a", "b\r", "c"], last: false },
      { first: 4, lines: ["d"], last: true },
    ]);
    assert.deepEqual(await read({ fromLine: 3 }), [{ first: 3, lines: ["c", "d"], last: true }]);
    // A line longer than the read buffer, and a chunk ending with the file.
    const long = "x".repeat(3 << 20);
    await Deno.writeTextFile(`${dir}/f.csv`, `a\n${long}\nb\n`);
    assert.deepEqual(await read({ chunkLines: 3 }), [
      { first: 1, lines: ["a", long, "b"], last: false },
      { first: 4, lines: [], last: true },
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readLines gathers chunks in the buffers given back, over what they held before", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Long lines, then short ones: later chunks land in buffers that held longer ones.
    const lines = Array.from({ length: 40 }, (_, i) => (i < 20 ? "long-" : "s") + String(i));
    lines[3] = "x".repeat(70_000);
    const text = lines.join("\n") + "\n";
    await Deno.writeTextFile(`${dir}/f.csv`, text);
    const buffers = new ChunkBuffers();
    const given = new Set<ArrayBufferLike>();
    const read: string[] = [];
    const decoder = new TextDecoder();
    let reused = 0;
    for await (const chunk of readLines(`${dir}/f.csv`, { chunkLines: 3, buffers })) {
      if (given.has(chunk.bytes.buffer)) reused++;
      read.push(decoder.decode(chunk.bytes));
      // As an encoder worker hands it back, a copy of the buffer (the original is moved away).
      const back = new Uint8Array(chunk.bytes.buffer.byteLength);
      back.set(new Uint8Array(chunk.bytes.buffer));
      given.add(back.buffer);
      buffers.give(back);
    }
    assert.equal(read.join(""), text);
    assert.ok(reused >= 10, `only ${reused} of 14 chunks gathered in a buffer given back`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Reads `paths` in turn, in chunks of 3 lines, through one pool of buffers, handing each chunk's
 * buffer back two chunks behind as an encoder worker does; each chunk, and whether it was gathered
 * in a buffer handed back.
 */
async function readHandingBack(paths: string[]): Promise<{ chunk: LineChunk; reused: boolean }[]> {
  const buffers = new ChunkBuffers();
  const given = new Set<ArrayBufferLike>();
  const behind: Uint8Array[] = [];
  const read: { chunk: LineChunk; reused: boolean }[] = [];
  for (const path of paths) {
    for await (const chunk of readLines(path, { chunkLines: 3, buffers })) {
      read.push({ chunk, reused: given.has(chunk.bytes.buffer) });
      behind.push(chunk.bytes);
      if (behind.length > 2) {
        const spent = behind.shift()!;
        given.add(spent.buffer);
        buffers.give(spent);
      }
    }
  }
  return read;
}

Deno.test("readLines gathers chunks each a little longer than the last in the buffers given back", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Chunks of about 120 KB, each 30 bytes longer than the one before. The first three get new
    // buffers (none is handed back before the third is read), and the last holds no lines.
    const lines = Array.from({ length: 90 }, (_, i) => "x".repeat(40_000 + 10 * i));
    await Deno.writeTextFile(`${dir}/f.csv`, lines.join("\n") + "\n");
    const read = await readHandingBack([`${dir}/f.csv`]);
    assert.equal(read.length, 31);
    const reused = read.filter((chunk) => chunk.reused).length;
    assert.ok(
      reused >= read.length - 4,
      `only ${reused} of 31 chunks gathered in a buffer given back`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("files of one chunk each take buffers for their lines only, from one pool", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Twelve files of one whole chunk of about 120 KB, so each ends with a chunk of no lines, read
    // as the producer reads a folder.
    const names = Array.from({ length: 12 }, (_, i) => `${dir}/f${i}.csv`);
    for (const name of names) {
      await Deno.writeTextFile(name, Array(3).fill("x".repeat(40_000)).join("\n") + "\n");
    }
    const read = await readHandingBack(names);
    assert.equal(read.reduce((lines, { chunk }) => lines + chunk.count, 0), 36);
    const reused = read.filter(({ chunk, reused }) => chunk.count > 0 && reused).length;
    assert.ok(reused >= 10, `only ${reused} of 12 chunks gathered in a buffer given back`);
    // Two buffers of a chunk's size do, the first two chunks' (the others are given back in time).
    const buffers = new Set(read.map(({ chunk }) => chunk.bytes.buffer));
    const allocated = [...buffers].reduce((sum, buffer) => sum + buffer.byteLength, 0);
    assert.ok(allocated < 3 * 130_000, `${allocated} bytes of buffers for 12 chunks of 120,003`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the encoder worker moves the chunk's buffer back with its messages", async () => {
  const bytes = new TextEncoder().encode(csvFile([sampleTransaction(1)]));
  const reply = await encodeWorker().handle!(
    {
      chunk: { first: 1, bytes, count: 2, last: true, end: bytes.length },
      options: { encoding: "arrow", partitions: 3, file: "f.csv", topic: "transactions" },
    },
    undefined as never,
  );
  const { value, transfer } = unwrapTransfer(reply);
  assert.equal((value as EncodedChunk).spent, bytes);
  assert.equal((value as EncodedChunk).rows, 1);
  assert.ok(transfer.includes(bytes.buffer as ArrayBuffer), "the chunk's buffer is moved");
});

for (const encoding of ["json", "arrow"] as const) {
  Deno.test(`producer (${encoding}): every valid row once, keyed by card; bad rows to the dead letters`, async () => {
    const dir = await Deno.makeTempDir();
    const transport = new EmbeddedTransport();
    await transport.ensureTopics(topicSpecs(SETTINGS));
    const good = Array.from({ length: 120 }, (_, i) => sampleTransaction(i));
    const lines = csvFile(good).trimEnd().split("\n");
    lines.splice(10, 0, "this|is|not|a|row");
    lines.splice(20, 0, csvLine({ ...sampleTransaction(999), category: "casino" as never }));
    await Deno.writeTextFile(`${dir}/a.csv`, lines.join("\n") + "\n");
    await Deno.writeTextFile(`${dir}/.b.csv.tmp`, "being written");
    const events = pipelineEvents();
    const published: { rows: number; ids: string[] }[] = [];
    events.on("published", (chunk) => published.push({ rows: chunk.rows, ids: chunk.ids!() }));
    const { system, metrics } = await startProducer(transport, dir, {
      encoding,
      producerId: "test",
      maxFilesPerTrigger: 5,
      chunkLines: 17,
      events,
      publishIds: true,
    });
    try {
      await waitFor(() => metrics.files === 1, "the file to be published");
      const nums = await transNums(transport);
      assert.equal(nums.length, 120);
      assert.deepEqual(new Set(nums), new Set(good.map((t) => t.trans_num)));
      // Each committed chunk tells its rows and, when asked, their ids in file order.
      assert.deepEqual(published.flatMap((chunk) => chunk.ids), good.map((t) => t.trans_num));
      for (const chunk of published) assert.equal(chunk.rows, chunk.ids.length);
      const ends = await transport.endOffsets("transactions");
      for (let partition = 0; partition < SETTINGS.partitions; partition++) {
        const to = ends[partition];
        const read = transport.read({ topic: "transactions", partition }, { from: 0, to });
        for await (const records of read) {
          for (const record of records) {
            for (const t of messageTransactions(record)) {
              if (encoding === "json") assert.equal(record.key, t.cc_num);
              assert.equal(partitionForKey(t.cc_num, SETTINGS.partitions), partition);
            }
          }
        }
      }
      const dead = (await transport.readTopic(TOPICS.deadLetters)).map((r) =>
        JSON.parse(new TextDecoder().decode(r.value))
      );
      assert.deepEqual(dead.map((d) => [d.line, d.file]).sort((a, b) => a[0] - b[0]), [[
        11,
        "a.csv",
      ], [21, "a.csv"]]);
      assert.match(dead.find((d) => d.line === 11).reason, /expected 26 fields/);
      assert.match(dead.find((d) => d.line === 21).reason, /unknown category 'casino'/);
      const ledger = await readLedger(transport, "test", {
        transactions: "transactions",
        ledger: TOPICS.ledger,
      });
      const info = await Deno.stat(`${dir}/a.csv`);
      assert.deepEqual(ledger.get("a.csv"), {
        file: "a.csv",
        line: 124,
        rows: 120,
        bad: 2,
        done: true,
        size: info.size,
        bytes: info.size,
        mtimeMs: info.mtime!.getTime(),
        topic: "transactions",
      });
      assert.equal(ledger.has(".b.csv.tmp"), false, "files being written are not read");
      assert.equal(metrics.deadLetters, 2);
    } finally {
      await system.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("a short last chunk is published with the one before it, a longer one on its own", async () => {
  const dir = await Deno.makeTempDir();
  const transport = new EmbeddedTransport();
  await transport.ensureTopics(topicSpecs(SETTINGS));
  try {
    // A header and 20 rows: chunks of 20 and 1 lines, one transaction.
    const first = Array.from({ length: 20 }, (_, i) => sampleTransaction(i));
    await Deno.writeTextFile(`${dir}/a.csv`, csvFile(first));
    const { system, metrics } = await startProducer(transport, dir, {
      encoding: "json",
      producerId: "test",
      maxFilesPerTrigger: 1,
      chunkLines: 20,
      transactionLines: 20,
    });
    try {
      await waitFor(() => metrics.files === 1, "the first file");
      assert.equal(metrics.transactions, 1, "21 lines in one transaction");
      // A header and 25 rows: chunks of 20 and 6 lines (more than a quarter): two transactions.
      const second = Array.from({ length: 25 }, (_, i) => sampleTransaction(100 + i));
      await Deno.writeTextFile(`${dir}/b.csv`, csvFile(second));
      await waitFor(() => metrics.files === 2, "the second file");
      assert.equal(metrics.transactions, 3, "26 lines in two transactions");
      const nums = await transNums(transport);
      assert.equal(nums.length, 45);
      assert.deepEqual(new Set(nums), new Set([...first, ...second].map((t) => t.trans_num)));
      const ledger = await readLedger(transport, "test", {
        transactions: "transactions",
        ledger: TOPICS.ledger,
      });
      assert.deepEqual(
        [ledger.get("a.csv")?.line, ledger.get("a.csv")?.rows, ledger.get("a.csv")?.done],
        [22, 20, true],
      );
      assert.deepEqual(
        [ledger.get("b.csv")?.line, ledger.get("b.csv")?.rows, ledger.get("b.csv")?.done],
        [27, 25, true],
      );
    } finally {
      await system.shutdown();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a producer not asked for the ids gathers none: its published events tell the rows alone", async () => {
  const dir = await Deno.makeTempDir();
  const transport = new EmbeddedTransport();
  await transport.ensureTopics(topicSpecs(SETTINGS));
  try {
    const rows = Array.from({ length: 30 }, (_, i) => sampleTransaction(i));
    await Deno.writeTextFile(`${dir}/a.csv`, csvFile(rows));
    const events = pipelineEvents();
    const published: { rows: number; ids?: () => string[] }[] = [];
    events.on("published", (event) => published.push(event));
    const { system, metrics } = await startProducer(transport, dir, {
      encoding: "arrow",
      producerId: "test",
      maxFilesPerTrigger: 1,
      chunkLines: 10,
      events,
    });
    try {
      await waitFor(() => metrics.files === 1, "the file to be published");
      assert.equal(published.reduce((sum, event) => sum + event.rows, 0), 30);
      assert.deepEqual(published.map((event) => event.ids), published.map(() => undefined));
      assert.equal((await transNums(transport)).length, 30);
    } finally {
      await system.shutdown();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file moved into the folder is published without waiting out the poll interval", async () => {
  const dir = await Deno.makeTempDir();
  const transport = new EmbeddedTransport();
  await transport.ensureTopics(topicSpecs(SETTINGS));
  try {
    const events = pipelineEvents();
    let idle = 0;
    events.on("idle", () => idle++);
    const { system, metrics } = await startProducer(transport, dir, {
      encoding: "arrow",
      producerId: "test",
      maxFilesPerTrigger: 10,
      // Longer than `waitFor` waits: polls alone would not find the files in time.
      pollMs: 60_000,
      events,
    });
    try {
      await waitFor(() => idle === 1, "the first scan of the empty folder");
      // As generators write: under a name the producer skips, then renamed.
      const rows = Array.from({ length: 5 }, (_, i) => sampleTransaction(i));
      await Deno.writeTextFile(`${dir}/a.csv.tmp`, csvFile(rows));
      await Deno.rename(`${dir}/a.csv.tmp`, `${dir}/a.csv`);
      await waitFor(() => metrics.files === 1, "the renamed file to be published");
      // And in a folder made after the producer started.
      await Deno.mkdir(`${dir}/later`);
      await Deno.writeTextFile(`${dir}/later/b.csv`, csvFile(rows.slice(0, 2)));
      await waitFor(() => metrics.files === 2, "the file in a new folder to be published");
      assert.equal((await transNums(transport)).length, 7);
    } finally {
      await system.shutdown();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an input folder that does not exist yet is waited for, said once, and read once it comes", async () => {
  const parent = await Deno.makeTempDir();
  const dir = `${parent}/in`;
  const transport = new EmbeddedTransport();
  await transport.ensureTopics(topicSpecs(SETTINGS));
  try {
    const events = pipelineEvents();
    const said: string[] = [];
    const stop = sayEvents(events, (line) => said.push(line));
    const { system, metrics } = await startProducer(transport, dir, {
      encoding: "arrow",
      producerId: "test",
      maxFilesPerTrigger: 10,
      pollMs: 20,
      events,
    });
    try {
      await waitFor(() => said.length === 1, "the missing folder to be said");
      await delay(200); // several scans of the missing folder
      assert.deepEqual(said, [
        `WARNING: input folder '${dir}' does not exist; waiting for it (create it, or point ` +
        `--input at the generator's output)`,
      ]);
      const rows = Array.from({ length: 5 }, (_, i) => sampleTransaction(i));
      await Deno.mkdir(`${dir}/.staging`, { recursive: true });
      await Deno.writeTextFile(`${dir}/.staging/a.csv`, csvFile(rows));
      await Deno.rename(`${dir}/.staging/a.csv`, `${dir}/a.csv`);
      await waitFor(() => metrics.files === 1, "the file in the folder that came");
      assert.equal(said[1], `input folder '${dir}' is there; publishing its files`);
      assert.equal((await transNums(transport)).length, 5);
      const restarts = (node: ActorSnapshot): number =>
        node.restarts + (node.children ?? []).reduce((n, child) => n + restarts(child), 0);
      assert.equal(restarts(system.snapshot()), 0, "waited for, not crashed and restarted");
    } finally {
      stop();
      await system.shutdown();
    }
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("chunks read ahead share a transaction up to transactionLines, across files", async () => {
  const dir = await Deno.makeTempDir();
  const transport = new EmbeddedTransport();
  await transport.ensureTopics(topicSpecs(SETTINGS));
  // Three files of a header and 29 rows (chunks of 10 lines): 90 lines, all read before the
  // first commit; transactions of at most 40 lines take 4, 4 (two files) and 1 chunks.
  const files = [0, 1, 2].map((f) =>
    Array.from({ length: 29 }, (_, i) => sampleTransaction(f * 100 + i))
  );
  for (const [f, rows] of files.entries()) {
    await Deno.writeTextFile(`${dir}/${f}.csv`, csvFile(rows));
  }
  const committed: string[] = [];
  const { system, metrics } = await startProducer(transport, dir, {
    encoding: "arrow",
    producerId: "grouped",
    maxFilesPerTrigger: 3,
    chunkLines: 10,
    transactionLines: 40,
  });
  try {
    await waitFor(() => metrics.files === 3, "the three files");
    assert.equal(metrics.transactions, 3, "90 lines in transactions of 40, 40 and 10");
    const nums = await transNums(transport);
    assert.equal(nums.length, 87);
    assert.deepEqual(new Set(nums), new Set(files.flat().map((t) => t.trans_num)));
    const ledger = await readLedger(transport, "grouped", {
      transactions: "transactions",
      ledger: TOPICS.ledger,
    });
    for (const f of ["0.csv", "1.csv", "2.csv"]) {
      const entry = ledger.get(f);
      committed.push(`${f} ${entry?.line} ${entry?.rows} ${entry?.done}`);
    }
    assert.deepEqual(committed, ["0.csv 31 29 true", "1.csv 31 29 true", "2.csv 31 29 true"]);
  } finally {
    await system.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a producer that crashes mid-file resumes from its ledger without skipping or repeating", async () => {
  const dir = await Deno.makeTempDir();
  const transport = new EmbeddedTransport();
  await transport.ensureTopics(topicSpecs(SETTINGS));
  // Every fourth transaction fails to commit, as if the broker went away at that moment.
  let begun = 0;
  const flaky: Transport = Object.create(transport);
  flaky.transactionalProducer = async (id: string) => {
    const inner = await transport.transactionalProducer(id);
    return {
      begin: async () => {
        const tx = await inner.begin();
        const fail = ++begun % 4 === 0;
        return {
          ...tx,
          commit: () => fail ? Promise.reject(new Error("lost the broker")) : tx.commit(),
        };
      },
      close: () => inner.close(),
    };
  };
  const files = [0, 1, 2].map((f) =>
    Array.from({ length: 100 }, (_, i) => sampleTransaction(f * 100 + i))
  );
  for (const [f, rows] of files.entries()) {
    await Deno.writeTextFile(`${dir}/part-${f}.csv`, csvFile(rows));
  }
  const { system, metrics } = await startProducer(flaky, dir, {
    encoding: "json",
    producerId: "crashy",
    // Transactions of three chunks, across the ends of files.
    maxFilesPerTrigger: 3,
    chunkLines: 10,
    transactionLines: 30,
  });
  try {
    await waitFor(() => metrics.files === 3, "all files");
    const nums = await transNums(transport);
    assert.equal(nums.length, 300, "no row repeated");
    assert.equal(new Set(nums).size, 300, "no row skipped");
    const publisher = system.snapshot().children![0].children![1];
    assert.ok(publisher.restarts >= 3, "the producer did crash and restart");
  } finally {
    await system.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

const STUCK = [
  { where: "send", closes: true, title: "send never returns" },
  { where: "commit", closes: true, title: "commit never returns" },
  { where: "send", closes: false, title: "send never returns, nor then its producer's close," },
] as const;

for (const { where, closes, title } of STUCK) {
  Deno.test(`a transaction whose ${title} is given up after the deadline; the restarted producer loses and repeats nothing`, async () => {
    const dir = await Deno.makeTempDir();
    const transport = new EmbeddedTransport();
    await transport.ensureTopics(topicSpecs(SETTINGS));
    // The third transaction's call never returns, as with a request whose answer never comes; a
    // commit does so after the log has taken it, so its rows are in and must not come again. A
    // client stuck so may not close either: the restart goes on without it (`closeProducer`).
    let begun = 0;
    const never = new Promise<void>(() => {});
    const stuck: Transport = Object.create(transport);
    stuck.transactionalProducer = async (id: string) => {
      const inner = await transport.transactionalProducer(id);
      let hung = false;
      return {
        begin: async () => {
          const tx = await inner.begin();
          if (++begun !== 3) return tx;
          hung = true;
          return where === "send"
            ? { ...tx, send: () => never }
            : { ...tx, commit: () => tx.commit().then(() => never) };
        },
        close: () => hung && !closes ? never : inner.close(),
      };
    };
    const rows = Array.from({ length: 100 }, (_, i) => sampleTransaction(i));
    await Deno.writeTextFile(`${dir}/part-0.csv`, csvFile(rows));
    const { system, metrics } = await startProducer(stuck, dir, {
      encoding: "json",
      producerId: `stuck-${where}`,
      maxFilesPerTrigger: 1,
      chunkLines: 10,
      stepDeadlineMs: 2000,
    });
    try {
      await waitFor(() => metrics.files === 1, "the file", CLOSE_DEADLINE_MS + 10_000);
      const nums = await transNums(transport);
      assert.equal(nums.length, 100, "no row repeated");
      assert.equal(new Set(nums).size, 100, "no row skipped");
      const publisher = system.snapshot().children![0].children![1];
      // The stuck transaction's restart (under a heavy load another step may run past 2 s too, and
      // is restarted the same way).
      assert.ok(publisher.restarts >= 1, "the producer restarted");
      assert.match(
        publisher.lastError ?? "",
        /transaction of part-0\.csv from line \d+ did not finish within 2 s/,
      );
    } finally {
      await system.shutdown();
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("an encoder worker killed mid-file loses and repeats nothing", async () => {
  const dir = await Deno.makeTempDir();
  const transport = new EmbeddedTransport();
  await transport.ensureTopics(topicSpecs(SETTINGS));
  const rows = Array.from({ length: 3000 }, (_, i) => sampleTransaction(i));
  await Deno.writeTextFile(`${dir}/part-0.csv`, csvFile(rows));
  const { system, metrics } = await startProducer(transport, dir, {
    encoding: "arrow",
    producerId: "killed-encoder",
    maxFilesPerTrigger: 1,
    chunkLines: 20,
    encoders: 2,
  });
  try {
    await waitFor(() => metrics.transactions > 0, "a first chunk");
    for (let i = 0; i < 3 && metrics.files === 0; i++) {
      system.kill(`producer/encoders/encode-${i % 2}`, new Error("killed by the test"));
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    await waitFor(() => metrics.files === 1, "the file");
    const nums = await transNums(transport);
    assert.equal(nums.length, 3000, "no row repeated");
    assert.equal(new Set(nums).size, 3000, "no row skipped");
    const encoders = system.snapshot().children![0].children![0].children!;
    assert.ok(encoders.some((worker) => worker.restarts > 0), "an encoder was restarted");
  } finally {
    await system.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the same producer id publishes a folder again to another topic; a ledger entry of an older version still counts for any", async () => {
  const dir = await Deno.makeTempDir();
  const transport = new EmbeddedTransport();
  await transport.ensureTopics([
    ...topicSpecs(SETTINGS),
    ...topicSpecs({ ...SETTINGS, topic: "other" }).slice(0, 1),
  ]);
  try {
    const rows = Array.from({ length: 30 }, (_, i) => sampleTransaction(i));
    await Deno.writeTextFile(`${dir}/a.csv`, csvFile(rows));
    // An entry as versions before topic-scoped ledgers wrote it: no topic, keyed by id and file.
    const info = await Deno.stat(`${dir}/a.csv`);
    await Deno.writeTextFile(`${dir}/old.csv`, csvFile([sampleTransaction(500)]));
    const old = await Deno.stat(`${dir}/old.csv`);
    const legacy = await transport.transactionalProducer("legacy");
    const tx = await legacy.begin();
    await tx.send(TOPICS.ledger, [{
      key: "same\u0000old.csv",
      partition: 0,
      value: new TextEncoder().encode(JSON.stringify({
        file: "old.csv",
        line: 3,
        rows: 1,
        bad: 0,
        done: true,
        size: old.size,
        bytes: old.size,
        mtimeMs: old.mtime!.getTime(),
      })),
    }]);
    await tx.commit();
    await legacy.close();
    for (const topic of ["transactions", "other"]) {
      const { system, metrics } = await startProducer(transport, dir, {
        encoding: "json",
        producerId: "same",
        maxFilesPerTrigger: 5,
        topics: { transactions: topic, deadLetters: TOPICS.deadLetters, ledger: TOPICS.ledger },
      });
      try {
        await waitFor(() => metrics.files === 1, `the file to be published to '${topic}'`);
        // A scan more: nothing else is taken up.
        await new Promise((resolve) => setTimeout(resolve, 600));
        assert.equal(metrics.files, 1, `only a.csv is published to '${topic}'`);
      } finally {
        await system.shutdown();
      }
      const nums = await transNums(transport, topic);
      assert.deepEqual(nums.sort(), rows.map((t) => t.trans_num).sort(), topic);
      const ledger = await readLedger(transport, "same", {
        transactions: topic,
        ledger: TOPICS.ledger,
      });
      assert.equal(ledger.get("a.csv")?.done, true);
      assert.equal(ledger.get("a.csv")?.size, info.size);
      assert.equal(ledger.get("old.csv")?.done, true, "the older version's entry counts");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
