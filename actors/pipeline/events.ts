/**
 * The events of the pipeline's roles, by name, with what each carries. The producer, the consumer
 * and the scoring emit them on one `Emitter<PipelineEvents>`; the dashboard's recent alerts, the
 * id ledger, the status lines, the benchmarks and the chaos scenarios subscribe to those they need.
 *
 * @module
 */

import { Emitter } from "../lib/events.ts";
import type { TransactionColumns } from "../../model/columns.ts";
import type { BatchReasons } from "../../model/reason_codes.ts";
import type { ShadowScores } from "./consumer/scorer.ts";

/** What a partition actor committed in one batch. */
export interface CommittedBatch {
  partition: number;
  /** Rows scored. */
  rows: number;
  /**
   * The rows scored, in order (views of the fetched messages where they could be: read them,
   * do not change them).
   */
  columns: TransactionColumns;
  /** Score of each row. */
  scores: Float32Array;
  /**
   * The rows' encoded features the model scored, row-major (64-bit for `spark-seed` models), when
   * the scorer gives them: read them, do not change them.
   */
  features?: Float32Array | Float64Array;
  threshold: number;
  modelVersion: string;
  /** Reason codes of the rows at or over the threshold, by row (absent when none were made). */
  reasons?: BatchReasons;
  /** Rows scored at or over the threshold. */
  alerts: number;
  /** The rows' scores by the shadow model (`--shadow-model`), which alerts on none. */
  shadow?: ShadowScores;
  /** Messages of the batch that could not be decoded, and rows whose id was seen before. */
  deadLetters: number;
  /** `trans_num` of each row scored, in order, decoded from the columns on each call. */
  ids(): string[];
  /**
   * The offsets of the transactions topic the commit covers, `from` (inclusive) to `to` (the
   * committed offset): each follows the previous commit or `passed` range of the partition.
   */
  offsets: { from: number; to: number };
}

/** A drift alarm raised or cleared. */
export interface DriftChange {
  /** A model feature's name, or `score`. */
  subject: string;
  psi: number;
  threshold: number;
  /** Transactions binned in the window. */
  windowRows: number;
  modelVersion: string;
}

/** Every event of the pipeline and its payload. */
export interface PipelineEvents {
  /**
   * A producer committed a transaction (chunks of one file or several): how many rows it
   * published (none for bad rows only, or ledger entries alone) and, from a producer started with
   * `publishIds`, their `trans_num`, decoded on each call of `ids()`.
   */
  published: { producerId: string; rows: number; ids?: () => string[] };
  /** A producer's scan found nothing new to publish, nor any file waiting to settle. */
  idle: { producerId: string };
  /** A file changed after it was published (reported once per change): what happened to it. */
  fileChanged: { file: string; message: string };
  /** A `.csv` name in the input folder is not a file to read (reported once per name). */
  fileSkipped: { file: string; reason: string };
  /**
   * The input folder is missing, and the producer waits for it (`present` false); or it has come
   * (back) after that (`present` true). Each change is reported once.
   */
  inputFolder: { folder: string; present: boolean };
  /** A partition actor committed a batch: its rows, their scores, the threshold and its counts. */
  committed: CommittedBatch;
  /**
   * A partition actor went past offsets that hold nothing to score (transaction markers, aborted
   * records), `from` (inclusive) to `to`, without a commit.
   */
  passed: { partition: number; from: number; to: number };
  /** The consumer-group member was given these partitions. */
  assigned: { partitions: number[] };
  /** The consumer-group member gave these partitions up. */
  revoked: { partitions: number[] };
  /** A partition actor asked to fetch its partition again from `offset` (after a gap). */
  refetching: { partition: number; offset: number };
  /** Scoring switched to a newer model version (`--model latest`). */
  modelSwitched: { version: string };
  /** A newer model version keeps card history differently: it needs a restart to be used. */
  modelIncompatible: { version: string };
  /** A newer model version could not be loaded. */
  modelRefused: { dir: string; reason: string };
  /**
   * The population stability index of a feature (or of `score`) over the consumer's live window
   * went over the threshold (`consumer/drift.ts`).
   */
  driftAlarm: DriftChange;
  /** A feature (or the score) in drift alarm came back to half the threshold or under. */
  driftCleared: DriftChange;
}

/** The emitter the roles of one pipeline share. */
export type PipelineEmitter = Emitter<PipelineEvents>;

/** A new emitter of pipeline events. */
export function pipelineEvents(): PipelineEmitter {
  return new Emitter<PipelineEvents>();
}
