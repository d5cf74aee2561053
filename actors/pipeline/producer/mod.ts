/**
 * The producer role: a supervised actor that watches the input folder like Spark's file source
 * (new complete files only, at most `maxFilesPerTrigger` per scan, progress kept in the ledger so a
 * restart neither skips nor repeats a row) and publishes the files with `publishFiles`, their
 * chunks parsed and encoded ahead by a pool of encoder workers. A file that changes after it was
 * published is reported; when it grew, the lines added are published too.
 *
 * Tree: `producer` (rest_for_one) -> `encoders` (one worker per encoder), `publish` (the actor).
 *
 * @module
 */

import type { ActorAddress, ActorSpec, SupervisorSpec } from "../../runtime/mod.ts";
import type { Transport } from "../../log/types.ts";
import type { WireEncoding } from "../codec/wire_encoding.ts";
import type { ChunkOptions, EncodedChunk } from "./chunks.ts";
import type { EncodeRequest } from "./encode_worker.ts";
import { changeSince, isLaterEntry, resumeGrown } from "./changes.ts";
import { FolderArrivals } from "./arrivals.ts";
import { deadline, delay, openWithin } from "../../lib/async.ts";
import { closeProducer, STEP_DEADLINE_MS } from "../step_deadline.ts";
import { type InputFile, InputFolderMissingError, scanInputFolder, SettleFilter } from "./files.ts";
import { type LedgerEntry, readLedger } from "./ledger.ts";
import type { LineChunk } from "./lines.ts";
import { type FileToPublish, type ProducerMetrics, publishFiles } from "./publisher.ts";
import { workers } from "../workers/specs.ts";
import type { PipelineEmitter } from "../events.ts";

export { type ProducerMetrics, producerMetrics } from "./publisher.ts";

/** What the producer actor needs. */
export interface ProducerActorOptions {
  transport: Transport;
  /** Folder to watch. */
  input: string;
  /** Where it publishes; its ledger's entries go to `ledger` (a deployment's: `TOPICS.ledger`). */
  topics: { transactions: string; deadLetters: string; ledger: string };
  partitions: number;
  encoding: WireEncoding;
  producerId: string;
  maxFilesPerTrigger: number;
  /**
   * Pause between scans when nothing is new, in ms (default 250); a file created or moved into
   * the folder ends it early (`FolderArrivals`).
   */
  pollMs?: number;
  /** Lines read and encoded together (default: the encoding's `CHUNK_LINES`). */
  chunkLines?: number;
  /**
   * Most lines per published transaction (default: on Kafka a chunk's, so files shorter than a
   * chunk share transactions, each costing tens of ms of round trips whatever its size; on the
   * embedded log, where a transaction costs next to nothing, one chunk: grouping the short files
   * of a burst there measured 7 % slower end to end).
   */
  transactionLines?: number;
  /** Longest line read, in bytes (default 64 KiB): a longer one is a dead letter, not held. */
  maxLineBytes?: number;
  /**
   * How long a file's size and modification time must stay the same before it is taken up, in
   * ms (default 0: at once, for writers that write under a hidden name and rename).
   */
  settleMs?: number;
  /** Encoder workers (default 1). */
  encoders?: number;
  /**
   * Longest the actor's start (its producer and ledger read) or one transaction may take before
   * it counts as hung and the actor is restarted, in ms (default 90 s).
   */
  stepDeadlineMs?: number;
  metrics: ProducerMetrics;
  /**
   * Told `published` after every committed transaction, `idle` when a scan found nothing new to
   * publish nor any file waiting to settle, and `fileChanged`, once per change, about a file that
   * changed after it was published.
   */
  events?: PipelineEmitter;
  /** Delete each file once it is wholly published (like Spark's `cleanSource=delete`). */
  deletePublished?: boolean;
  /**
   * Gather the `trans_num` of the published rows for the `published` events (`ids()`), as an id
   * ledger needs (the benchmarks' and chaos scenarios' proof); without it they are not gathered.
   */
  publishIds?: boolean;
}

/** The producer's supervision tree, with id `producer` (or `id`). */
export function producerTree(options: ProducerActorOptions & { id?: string }): SupervisorSpec {
  const encoders = workers.pool("producer.encode", {
    id: "encoders",
    member: "encode",
    size: Math.max(1, options.encoders ?? 1),
    mailbox: 4,
    heartbeat: { intervalMs: 1000, timeoutMs: 15_000 },
  });
  return {
    kind: "supervisor",
    id: options.id ?? "producer",
    strategy: "rest_for_one",
    intensity: 5,
    periodMs: 60_000,
    backoff: { initialMs: 200, maxMs: 5000 },
    children: [encoders.spec, publisherActor(options, encoders.members)],
  };
}

/** The actor that publishes the files, handing chunks to the encoders (its sibling pool) in turn. */
function publisherActor(
  options: ProducerActorOptions,
  encoders: ActorAddress<EncodeRequest, EncodedChunk>[],
): ActorSpec {
  // What this process saw committed, kept across restarts of the actor: a commit that succeeded is
  // durable, but reading the ledger back right after it may not show it yet (the transaction's
  // markers can still be on their way), and resuming from an older entry would send a chunk twice.
  const committed = new Map<string, LedgerEntry>();
  const settle = new SettleFilter(options.settleMs ?? 0);
  // Changes already reported (file, size and time), so each is reported once.
  const reported = new Set<string>();
  const report = (file: InputFile, message: string) => {
    const key = `${file.name}\u0000${file.size}\u0000${file.mtimeMs}`;
    if (reported.has(key)) return;
    reported.add(key);
    options.metrics.changedFiles++;
    options.events?.emit("fileChanged", { file: file.name, message });
  };
  // Names not to read, each reported once.
  const skipped = new Set<string>();
  const skip = (file: string, reason: string) => {
    if (skipped.has(file)) return;
    skipped.add(file);
    options.events?.emit("fileSkipped", { file, reason });
  };
  return {
    kind: "actor",
    id: "publish",
    shutdownMs: 30_000,
    behavior: () => ({
      run: async (ctx) => {
        const refs = encoders.map((address) => ctx.sibling(address));
        let turn = 0;
        // The chunk's bytes move to the encoder (a copy of a megabyte a chunk cost the thread that
        // talks to the log more than reading it); a chunk its encoder died with is read again.
        const encode = (chunk: LineChunk, chunkOptions: ChunkOptions) =>
          refs[turn++ % refs.length].call({ chunk, options: chunkOptions }, {
            signal: ctx.signal,
            transfer: [chunk.bytes.buffer as ArrayBuffer],
          });
        const deadlineMs = options.stepDeadlineMs ?? STEP_DEADLINE_MS;
        const step = `producer ${options.producerId}`;
        const producer = await openWithin(
          options.transport.transactionalProducer(`fraudstream-producer-${options.producerId}`),
          deadlineMs,
          `${step}: start`,
          closeProducer,
        );
        let arrivals = new FolderArrivals(options.input);
        /** Whether the last scan found no input folder (reported once, until it comes). */
        let missing = false;
        try {
          const ledger = await deadline(
            readLedger(options.transport, options.producerId, options.topics),
            deadlineMs,
            `${step}: reading the ledger`,
          );
          for (const [file, entry] of committed) {
            const read = ledger.get(file);
            if (!read || isLaterEntry(entry, read)) ledger.set(file, entry);
          }
          while (!ctx.signal.aborted) {
            let files: InputFile[];
            try {
              files = await scanInputFolder(options.input, { onSkipped: skip });
            } catch (error) {
              if (!(error instanceof InputFolderMissingError)) throw error;
              // Started before the folder's writer, say: waited for, not a crash.
              if (!missing) {
                options.events?.emit("inputFolder", { folder: options.input, present: false });
              }
              missing = true;
              await delay(options.pollMs ?? 250, ctx.signal);
              continue;
            }
            if (missing) {
              missing = false;
              options.events?.emit("inputFolder", { folder: options.input, present: true });
              // Watched from now on (a folder that did not exist could not be).
              arrivals.close();
              arrivals = new FolderArrivals(options.input);
            }
            const wanted = files.filter((file) => {
              const entry = ledger.get(file.name);
              if (!entry?.done) return true;
              const change = changeSince(file, entry);
              if (change?.kind === "rewritten") report(file, change.message);
              return change?.kind === "grew";
            });
            const todo = settle.settled(wanted).slice(0, options.maxFilesPerTrigger);
            if (todo.length === 0) {
              if (settle.pending === 0) {
                options.events?.emit("idle", { producerId: options.producerId });
              }
              await arrivals.wait(options.pollMs ?? 250, ctx.signal);
              continue;
            }
            await publishFiles(resumedFiles(todo, ledger, report), {
              producer,
              producerId: options.producerId,
              topics: options.topics,
              partitions: options.partitions,
              encoding: options.encoding,
              chunkLines: options.chunkLines,
              transactionLines: options.transactionLines ??
                (options.transport.kind === "embedded" ? 1 : undefined),
              maxLineBytes: options.maxLineBytes,
              encode,
              readAhead: 2 * encoders.length,
              metrics: options.metrics,
              signal: ctx.signal,
              deadlineMs,
              events: options.events,
              publishIds: options.publishIds,
              onCommitted: async (file, entry) => {
                committed.set(entry.file, entry);
                ledger.set(file.name, entry);
                // A file that changed while it was read is kept for the next scan to report.
                if (entry.done && options.deletePublished && await unchanged(file, entry)) {
                  await Deno.remove(file.path).catch(() => {});
                }
              },
            });
          }
        } finally {
          arrivals.close();
          await closeProducer(producer);
        }
      },
    }),
  };
}

/**
 * `files` one after the other, each from where the ledger says; a file that grew since it was
 * published is reported and published on from where it ended.
 */
async function* resumedFiles(
  files: InputFile[],
  ledger: Map<string, LedgerEntry>,
  report: (file: InputFile, message: string) => void,
): AsyncGenerator<FileToPublish> {
  for (const file of files) {
    let from = ledger.get(file.name);
    const change = from && changeSince(file, from);
    if (from && change) {
      const grown = await resumeGrown(file, from);
      report(file, [change.message, grown.warning].filter(Boolean).join("; "));
      from = grown.entry;
    }
    yield { file, from };
  }
}

/** Whether `file` still has the size and time it had when `entry` finished publishing it. */
async function unchanged(file: InputFile, entry: LedgerEntry): Promise<boolean> {
  const now = await Deno.stat(file.path).catch(() => undefined);
  return now !== undefined && now.size === entry.bytes &&
    (now.mtime?.getTime() ?? 0) === file.mtimeMs;
}
