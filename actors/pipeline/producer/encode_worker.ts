/**
 * The producer's encoder worker: parses, validates and encodes chunks of lines off the thread
 * that talks to the log.
 *
 * @module
 */

import { withTransfer } from "../../runtime/protocol.ts";
import type { WorkerBehavior, WorkerRegistry } from "../../runtime/worker_host.ts";
import { type ChunkOptions, encodeChunk, type EncodedChunk } from "./chunks.ts";
import type { LineChunk } from "./lines.ts";

/** Name of the encoder behaviour in the worker registry. */
export const ENCODE_WORKER = "producer.encode";

/** A chunk to encode. */
export interface EncodeRequest {
  chunk: LineChunk;
  options: ChunkOptions;
}

function encodeWorker(): WorkerBehavior<EncodeRequest, unknown> {
  return {
    handle({ chunk, options }) {
      const encoded: EncodedChunk = encodeChunk(chunk, options);
      return withTransfer(encoded, [encoded.records.values.buffer as ArrayBuffer]);
    },
  };
}

/** Worker behaviours of the producer. */
export const PRODUCER_WORKERS: WorkerRegistry = {
  [ENCODE_WORKER]: encodeWorker,
};
