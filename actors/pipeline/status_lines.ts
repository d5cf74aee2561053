/**
 * The status lines of the pipeline's events: what an assignment, a fetch from an earlier offset,
 * a file changed after it was published or a model switch reads as on a role's status output.
 *
 * @module
 */

import type { PipelineEmitter, PipelineEvents } from "./events.ts";

/** The status line each event worth one reads as; the others (per batch or chunk) have none. */
const STATUS_LINES: { [Name in keyof PipelineEvents]?: (event: PipelineEvents[Name]) => string } = {
  assigned: ({ partitions }) => `assigned partitions ${partitions.join(", ")}`,
  revoked: ({ partitions }) => `revoked partitions ${partitions.join(", ")}`,
  refetching: ({ partition, offset }) =>
    `partition ${partition}: fetching again from offset ${offset}`,
  fileChanged: ({ message }) => `WARNING: ${message}`,
  fileSkipped: ({ file, reason }) => `WARNING: skipping '${file}' in the input folder: ${reason}`,
  inputFolder: ({ folder, present }) =>
    present
      ? `input folder '${folder}' is there; publishing its files`
      : `WARNING: input folder '${folder}' does not exist; waiting for it (create it, or point ` +
        `--input at the generator's output)`,
  modelSwitched: ({ version }) => `now scoring with model ${version}`,
  modelIncompatible: ({ version }) =>
    `model ${version} keeps card history differently; restart the consumer to use it`,
  modelRefused: ({ dir, reason }) => `model in ${dir} refused: ${reason}`,
  driftAlarm: ({ subject, psi, threshold, windowRows, modelVersion }) =>
    `WARNING: drift alarm on ${subject}: PSI ${psi.toFixed(3)} over ${threshold} ` +
    `(${windowRows} transactions against model ${modelVersion}'s reference)`,
  driftCleared: ({ subject, psi, modelVersion }) =>
    `drift on ${subject} cleared: PSI ${psi.toFixed(3)} (model ${modelVersion})`,
};

/**
 * Says every event worth a status line through `say`, but those named in `except`; returns the
 * function that stops it.
 */
export function sayEvents(
  events: PipelineEmitter,
  say: (line: string) => void,
  except: readonly (keyof PipelineEvents)[] = [],
): () => void {
  const follow = <Name extends keyof PipelineEvents>(name: Name) => {
    const line = STATUS_LINES[name];
    return line && !except.includes(name) ? events.on(name, (event) => say(line(event))) : null;
  };
  const stops = (Object.keys(STATUS_LINES) as (keyof PipelineEvents)[]).map(follow);
  return () => stops.forEach((stop) => stop?.());
}
