/**
 * The program's worker behaviours by name, with what each is started with, accepts, replies and
 * emits: the one map the worker specs, the references to the workers and the registry the worker
 * entry serves are all typed by.
 *
 * @module
 */

import type { GrowData, GrowRequest } from "../../../model/forest/grow.ts";
import type { Tree } from "../../../model/forest/tree.ts";
import type { WorkUnit } from "../generator/plan.ts";
import type { UnitProgress, UnitResult, UnitWorkerArgs } from "../generator/unit_worker.ts";
import type { StreamStep, StreamStepDone, StreamWriterArgs } from "../generator/stream_worker.ts";
import type { EncodedChunk } from "../producer/chunks.ts";
import type { EncodeRequest } from "../producer/encode_worker.ts";
import type { ScoreWorkerArgs, ScoreWorkerReply, ScoreWorkerRequest } from "./score.ts";

/** Every behaviour fraudstream runs in a Web Worker. */
export interface Workers {
  /** Writes one (chunk, profile) file of a training set. */
  "generator.unit": {
    args: UnitWorkerArgs;
    request: WorkUnit;
    reply: UnitResult;
    emit: UnitProgress;
  };
  /** Draws and writes a stream's next batch file under its temporary name (stream mode). */
  "generator.stream": {
    args: StreamWriterArgs;
    request: StreamStep;
    reply: StreamStepDone;
    emit: never;
  };
  /** Parses, validates and encodes a chunk of input lines (the producer). */
  "producer.encode": {
    args: undefined;
    request: EncodeRequest;
    reply: EncodedChunk;
    emit: never;
  };
  /** Computes rows' features against their partition's card states and scores them (the consumer). */
  "model.score": {
    args: ScoreWorkerArgs;
    request: ScoreWorkerRequest;
    reply: ScoreWorkerReply;
    emit: never;
  };
  /** Grows one tree of a forest over rows in shared memory (training). */
  "forest.grow": { args: GrowData; request: GrowRequest; reply: Tree; emit: never };
}

/** Name of a worker behaviour. */
export type WorkerName = keyof Workers;
