/**
 * The writer of a stream's batch files, in a Web Worker of its own: it draws the transactions,
 * formats them as CSV and writes each file under its temporary name, off the thread that runs the
 * producer and the consumers (in `run`, a third of that thread's work). The stream's actor on
 * the main thread keeps the clock, holds back while the pipeline is behind, and renames each file
 * into place once the worker has told what is in it.
 *
 * @module
 */

import type { WorkerBehavior } from "../../runtime/mod.ts";
import {
  step,
  type StepRequest,
  type StreamPosition,
  type StreamSettings,
  StreamState,
  type WrittenBatch,
} from "./stream_batches.ts";

/** What a stream writer is started with. */
export interface StreamWriterArgs {
  settings: StreamSettings;
  /** The run's tag, in every file name. */
  tag: string;
}

/** The next step of a stream, from where its caller last saw it. */
export interface StreamStep extends StepRequest {
  /** The position the last reply gave (the start for the first step). */
  at: StreamPosition;
}

/** What a step wrote, and where the stream stands after it. */
export interface StreamStepDone {
  behind: boolean;
  at: StreamPosition;
  written?: WrittenBatch;
}

/**
 * The writer's behaviour. A writer that starts afresh (its worker restarted, or a step sent again
 * after a crash) takes up the stream at the position its caller sends, so no file is repeated:
 * the rows drawn past the last file it handed over, not yet in any file nor counted anywhere,
 * are not drawn again.
 */
export function streamWriter(args: StreamWriterArgs): WorkerBehavior<StreamStep, StreamStepDone> {
  let state: StreamState | undefined;
  return {
    handle(request) {
      if (!state || !samePosition(state.position(), request.at)) {
        state = new StreamState(args.settings, args.tag, request.at);
      }
      const { behind, written } = step(state, request);
      return { behind, at: state.position(), ...(written ? { written } : {}) };
    },
  };
}

function samePosition(a: StreamPosition, b: StreamPosition): boolean {
  return a.files === b.files && a.draws === b.draws && a.horizon === b.horizon;
}
