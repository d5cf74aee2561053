/**
 * The shape of the `model.json` entries that loading reads past its format and encoder (checked
 * by `model_file.ts`): an edited or cut manifest is refused with the entry named, not failed on
 * later with an internal error.
 *
 * @module
 */

import { isJsonObject } from "../actors/lib/json_object.ts";

/** Whether `value` lists a file of the model folder: its name, size and SHA-256. */
function isFileEntry(value: unknown): boolean {
  return isJsonObject(value) && typeof value.file === "string" && typeof value.bytes === "number" &&
    typeof value.sha256 === "string";
}

/**
 * What is wrong with the shape of a parsed `model.json` whose encoder (with its feature list) was
 * checked already: its threshold, files, encoder settings or bins, as "'entry' (expected ...)";
 * `undefined` when nothing is.
 *
 * @example
 * ```ts
 * const problem = manifestShapeProblem(JSON.parse(text));
 * if (problem) throw new Error(`model.json has no valid ${problem}`);
 * ```
 */
export function manifestShapeProblem(
  parsed: { encoder: { features: readonly unknown[]; settings?: unknown } },
): string | undefined {
  const manifest = parsed as typeof parsed & Record<string, unknown>;
  if (typeof manifest.version !== "string" || manifest.version === "") {
    return "'version' (expected the version name as text)";
  }
  const threshold = manifest.threshold;
  if (typeof threshold !== "number" || !(threshold >= 0 && threshold <= 1)) {
    return `'threshold' (expected a number from 0 to 1, got ${JSON.stringify(threshold)})`;
  }
  if (!isFileEntry(manifest.forest)) {
    return "'forest' (expected an object with the file, its bytes and its sha256)";
  }
  if (manifest.nodes !== undefined && !isFileEntry(manifest.nodes)) {
    return "'nodes' (expected an object with the file, its bytes and its sha256)";
  }
  const settings = manifest.encoder.settings;
  if (
    settings !== undefined &&
    !(isJsonObject(settings) && Number.isInteger(settings.historySize) &&
      (settings.historySize as number) > 0 && Array.isArray(settings.windows) &&
      settings.windows.length === 3 &&
      settings.windows.every((w) => typeof w === "number" && w > 0))
  ) {
    return "'encoder.settings' (expected historySize and three window lengths)";
  }
  const bins = manifest.bins;
  if (
    bins !== undefined &&
    !(Array.isArray(bins) && bins.length === manifest.encoder.features.length &&
      bins.every((bin) =>
        isJsonObject(bin) && (bin.kind === "numeric" || bin.kind === "categorical") &&
        typeof bin.count === "number" && Array.isArray(bin.edges) &&
        bin.edges.every((edge) => typeof edge === "number")
      ))
  ) {
    return "'bins' (expected one bin list per feature)";
  }
  return undefined;
}
