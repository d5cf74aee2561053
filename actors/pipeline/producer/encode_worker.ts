/**
 * The producer's encoder worker: parses, validates and encodes chunks of lines off the thread
 * that talks to the log.
 *
 * @module
 */

import type { WorkerBehavior } from "../../runtime/mod.ts";
import { withTransfer } from "../../runtime/protocol.ts";
import { type ChunkOptions, encodeChunk, type EncodedChunk } from "./chunks.ts";
import type { LineChunk } from "./lines.ts";

/** A chunk to encode. */
export interface EncodeRequest {
  chunk: LineChunk;
  options: ChunkOptions;
}

/**
 * Builds the encoder behaviour; the encoded records and ids are moved to the main thread, not
 * copied, and so is the chunk's buffer, for later chunks to be read into (`EncodedChunk.spent`).
 */
export function encodeWorker(): WorkerBehavior<EncodeRequest, EncodedChunk> {
  return {
    handle({ chunk, options }) {
      const encoded: EncodedChunk = { ...encodeChunk(chunk, options), spent: chunk.bytes };
      const moved = [
        encoded.records.values.buffer as ArrayBuffer,
        chunk.bytes.buffer as ArrayBuffer,
      ];
      if (encoded.ids) {
        moved.push(
          encoded.ids.bytes.buffer as ArrayBuffer,
          encoded.ids.offsets.buffer as ArrayBuffer,
        );
      }
      return withTransfer(encoded, moved);
    },
  };
}
