/**
 * The model folder: `model.json` (format version, features and encoder settings, training
 * parameters, data summary, chosen threshold, metrics, feature importance) and `forest.bin` (the
 * trees), checked on load: a corrupt, truncated or incompatible model is refused with a clear
 * message.
 *
 * @module
 */

import { basename, join, resolve } from "node:path";
import { writeDirAtomic } from "../actors/lib/atomic_write.ts";
import { FraudstreamError } from "../actors/lib/errors.ts";
import type { FlatForest } from "./forest/flat.ts";
import { decodeNodeValues, encodeNodeValues } from "./forest/node_values.ts";
import { type ModelScorer, modelScorer } from "./model_scorer.ts";
import { DEFAULT_ENCODER, type EncoderSettings, FEATURES } from "./features.ts";
import type { ForestParams } from "./forest/train.ts";
import type { Evaluation } from "./metrics.ts";
import { SEED_ENCODER, SEED_FEATURES } from "./seed_encoding.ts";
import { manifestShapeProblem } from "./manifest_shape.ts";

/** Name of the format in `model.json`. */
export const MODEL_FORMAT = "fraudstream-forest";

/** Version of the format this program reads and writes. */
export const MODEL_FORMAT_VERSION = 1;

/** Encoders a model can be trained with. */
export type EncoderName = "fraudstream" | "spark-seed";

/** A model folder cannot be used; the message says why and what to do. */
export class ModelFormatError extends FraudstreamError {
  override name = "ModelFormatError";
}

/** Contents of `model.json`. */
export interface ModelManifest {
  format: typeof MODEL_FORMAT;
  format_version: number;
  version: string;
  created_at: string;
  encoder: { name: EncoderName; settings: EncoderSettings; features: string[] };
  threshold: number;
  /**
   * Training parameters; an imported model's `source`, and its seed as Spark wrote it (the
   * exact decimal text when it does not fit a double).
   */
  params: Partial<Omit<ForestParams, "seed">> & { seed?: number | string; source?: string };
  /** Bins of the training data (absent for imported models). */
  bins?: { kind: "numeric" | "categorical"; edges: number[]; count: number }[];
  data?: Record<string, unknown>;
  metrics?: { validation?: Evaluation; test?: Evaluation };
  importance?: { feature: string; importance: number }[];
  forest: {
    file: string;
    bytes: number;
    sha256: string;
    trees: number;
    depth: number;
    features: number;
  };
  /**
   * The internal nodes' fraud shares for reason codes (`nodes.bin`); absent in models saved
   * before them, whose reason codes use estimated values (`childrenMeanNodeValues`).
   */
  nodes?: { file: string; bytes: number; sha256: string };
}

const MAGIC = new TextEncoder().encode("FSFOREST");
const HEADER_BYTES = MAGIC.length + 4 * 4;
/** Layouts of `forest.bin`: 32-bit thresholds (trained models), 64-bit (imported ones). */
const FOREST_LAYOUT = { float32: 1, float64: 2 } as const;

/** Serialises a flat forest. */
export function encodeForest(forest: FlatForest): Uint8Array {
  const internal = forest.feature.length;
  const leaves = forest.leaf.length;
  const wide = forest.threshold instanceof Float64Array;
  const thresholdBytes = wide ? 8 : 4;
  const size = HEADER_BYTES + internal + internal * (thresholdBytes + 4) + leaves * 4;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  let at = MAGIC.length;
  const layout = wide ? FOREST_LAYOUT.float64 : FOREST_LAYOUT.float32;
  for (const value of [layout, forest.trees, forest.depth, forest.features]) {
    view.setUint32(at, value, true);
    at += 4;
  }
  bytes.set(forest.feature, at);
  at += internal;
  if (wide) {
    for (let i = 0; i < internal; i++, at += 8) view.setFloat64(at, forest.threshold[i], true);
  } else {
    for (let i = 0; i < internal; i++, at += 4) view.setFloat32(at, forest.threshold[i], true);
  }
  for (let i = 0; i < internal; i++, at += 4) view.setUint32(at, forest.categoriesRight[i], true);
  for (let i = 0; i < leaves; i++, at += 4) view.setFloat32(at, forest.leaf[i], true);
  return bytes;
}

/** Reads a forest written by `encodeForest`; throws `ModelFormatError` on any inconsistency. */
export function decodeForest(bytes: Uint8Array, where = "forest.bin"): FlatForest {
  const corrupt = (why: string) =>
    new ModelFormatError(
      `${where} is corrupt or truncated (${why}); train the model again or restore it`,
    );
  if (bytes.length < HEADER_BYTES || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw corrupt("bad header");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const layout = view.getUint32(MAGIC.length, true);
  if (layout !== FOREST_LAYOUT.float32 && layout !== FOREST_LAYOUT.float64) {
    throw corrupt(`unknown forest layout ${layout}`);
  }
  const wide = layout === FOREST_LAYOUT.float64;
  const trees = view.getUint32(MAGIC.length + 4, true);
  const depth = view.getUint32(MAGIC.length + 8, true);
  const features = view.getUint32(MAGIC.length + 12, true);
  if (depth < 1 || depth > 24 || trees < 1 || trees > 100_000) throw corrupt("implausible shape");
  const internal = trees * (2 ** depth - 1);
  const leaves = trees * 2 ** depth;
  const expected = HEADER_BYTES + internal * (wide ? 13 : 9) + leaves * 4;
  if (bytes.length !== expected) throw corrupt(`${bytes.length} bytes, expected ${expected}`);
  let at = HEADER_BYTES;
  const feature = bytes.slice(at, at + internal);
  at += internal;
  const threshold = wide ? new Float64Array(internal) : new Float32Array(internal);
  if (wide) {
    for (let i = 0; i < internal; i++, at += 8) threshold[i] = view.getFloat64(at, true);
  } else {
    for (let i = 0; i < internal; i++, at += 4) threshold[i] = view.getFloat32(at, true);
  }
  const categoriesRight = new Uint32Array(internal);
  for (let i = 0; i < internal; i++, at += 4) categoriesRight[i] = view.getUint32(at, true);
  const leaf = new Float32Array(leaves);
  for (let i = 0; i < leaves; i++, at += 4) leaf[i] = view.getFloat32(at, true);
  for (let i = 0; i < internal; i++) {
    if (feature[i] >= features) throw corrupt("a split uses an unknown feature");
  }
  return { trees, depth, features, feature, threshold, categoriesRight, leaf };
}

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Files a model folder holds; a folder holding anything else is not a model folder. */
const MODEL_FILES = new Set([
  "model.json",
  "forest.bin",
  "nodes.bin",
  "report.html",
  "reference.json",
]);

/** What is at the place of a model folder about to be written. */
export type ModelTarget =
  | { kind: "free" }
  | { kind: "model" }
  | { kind: "other"; what: string };

/** Tells whether `dir` is free, holds a fraudstream model folder, or holds something else. */
async function inspectTarget(dir: string): Promise<ModelTarget> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { kind: "free" };
    throw error;
  }
  if (info.isSymlink) return { kind: "other", what: "is a symbolic link" };
  if (!info.isDirectory) return { kind: "other", what: "is a file" };
  const names: string[] = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  if (names.length === 0) return { kind: "free" };
  const foreign = names.filter((name) => !MODEL_FILES.has(name)).sort();
  if (foreign.length > 0) {
    const listed = foreign.slice(0, 3).map((name) => `'${name}'`).join(", ");
    return {
      kind: "other",
      what: `holds ${listed}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ""}, ` +
        "which a model folder does not",
    };
  }
  try {
    const manifest = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
    if (manifest?.format === MODEL_FORMAT) return { kind: "model" };
  } catch {
    // no readable model.json: not a model folder
  }
  return { kind: "other", what: "has no readable fraudstream model.json" };
}

/** A model would be written over something that is not a model folder. */
export class ModelTargetError extends FraudstreamError {
  override name = "ModelTargetError";
}

/**
 * Checks that a model may be written at `dir`: it is free, an empty folder or a model folder
 * (a previous version, replaced), or `force` is given. Throws `ModelTargetError` otherwise.
 */
export async function checkModelTarget(
  dir: string,
  options: { force?: boolean } = {},
): Promise<ModelTarget> {
  if (basename(resolve(dir)) === "") {
    throw new ModelTargetError(`a model folder cannot be written at '${dir}'`);
  }
  const target = await inspectTarget(dir);
  if (target.kind === "other" && !options.force) {
    throw new ModelTargetError(
      `'${dir}' ${target.what}: it is not a fraudstream model folder, so it is left as it is; ` +
        "write the model elsewhere, or pass --force to replace it",
    );
  }
  return target;
}

/** Options of `saveModel`. */
export interface SaveModelOptions {
  /** Text files written beside `model.json` (e.g. `report.html`). */
  extraFiles?: Record<string, string>;
  /** Replace what is at the folder even when it is not a model folder. */
  force?: boolean;
}

/**
 * Writes a model folder: the new folder is written beside `dir` under a temporary name, then
 * swapped in. Only a previous model folder at `dir` is replaced (or anything with `force`);
 * nothing else is ever removed, and no temporary folder is left behind.
 */
export async function saveModel(
  dir: string,
  manifest: Omit<ModelManifest, "format" | "format_version" | "forest" | "nodes">,
  forest: FlatForest,
  options: SaveModelOptions = {},
): Promise<ModelManifest> {
  await checkModelTarget(dir, options);
  const bytes = encodeForest(forest);
  const nodeBytes = forest.node ? encodeNodeValues(forest.node) : undefined;
  const full: ModelManifest = {
    format: MODEL_FORMAT,
    format_version: MODEL_FORMAT_VERSION,
    ...manifest,
    forest: {
      file: "forest.bin",
      bytes: bytes.length,
      sha256: await sha256(bytes),
      trees: forest.trees,
      depth: forest.depth,
      features: forest.features,
    },
    ...(nodeBytes
      ? { nodes: { file: "nodes.bin", bytes: nodeBytes.length, sha256: await sha256(nodeBytes) } }
      : {}),
  };
  // Another model's entry (a manifest passed on as it was loaded) does not describe this forest.
  if (!nodeBytes) delete full.nodes;
  await writeDirAtomic(dir, async (temporary) => {
    await Deno.writeFile(join(temporary, "forest.bin"), bytes);
    if (nodeBytes) await Deno.writeFile(join(temporary, "nodes.bin"), nodeBytes);
    await Deno.writeTextFile(join(temporary, "model.json"), JSON.stringify(full, null, 2) + "\n");
    for (const [name, text] of Object.entries(options.extraFiles ?? {})) {
      await Deno.writeTextFile(join(temporary, name), text);
    }
  }, {
    // Checked again just before the swap: the place may have changed while the files were written.
    beforeCommit: () => checkModelTarget(dir, options),
  });
  return full;
}

/** A loaded, validated model ready to score encoded rows. */
export interface LoadedModel extends ModelScorer {
  dir: string;
  manifest: ModelManifest;
  version: string;
  threshold: number;
  encoder: EncoderSettings;
}

/** Loads and checks a model folder. */
export async function loadModel(dir: string): Promise<LoadedModel> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, "model.json"));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ModelFormatError(
        `no model in '${dir}' (model.json is missing); train one with 'fraudstream train' or pass --model`,
      );
    }
    throw new ModelFormatError(
      `${join(dir, "model.json")} cannot be read (${(error as Error).message}); the model is ` +
        "not usable",
    );
  }
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new ModelFormatError(
      `${join(dir, "model.json")} is not valid JSON; the model is corrupt`,
    );
  }
  if (Array.isArray(manifest) || manifest?.format !== MODEL_FORMAT) {
    throw new ModelFormatError(
      `${dir} does not hold a fraudstream model (format '${manifest?.format}')`,
    );
  }
  if (manifest.format_version !== MODEL_FORMAT_VERSION) {
    throw new ModelFormatError(
      `${dir} is model format version ${manifest.format_version}; this fraudstream reads version ${MODEL_FORMAT_VERSION}; retrain the model or use a matching fraudstream`,
    );
  }
  if (manifest.encoder?.name === "fraudstream") {
    const expected = FEATURES.map((f) => f.name);
    if (JSON.stringify(manifest.encoder.features) !== JSON.stringify(expected)) {
      throw new ModelFormatError(
        `${dir} was trained with features [${manifest.encoder.features}] that this fraudstream does not compute; retrain it`,
      );
    }
  } else if (manifest.encoder?.name === SEED_ENCODER) {
    if (JSON.stringify(manifest.encoder.features) !== JSON.stringify(SEED_FEATURES)) {
      throw new ModelFormatError(
        `${dir} lists features [${manifest.encoder.features}] that the seed's encoding does not give; import the Spark model again`,
      );
    }
  } else {
    throw new ModelFormatError(`${dir} uses an unknown encoder '${manifest.encoder?.name}'`);
  }
  const shape = manifestShapeProblem(manifest);
  if (shape !== undefined) {
    throw new ModelFormatError(
      `${join(dir, "model.json")} has no valid ${shape}; the model is corrupt: train it again ` +
        "or restore it",
    );
  }
  const forestPath = join(dir, manifest.forest?.file ?? "forest.bin");
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(forestPath);
  } catch {
    throw new ModelFormatError(`${forestPath} is missing; the model is incomplete`);
  }
  if (bytes.length !== manifest.forest.bytes || (await sha256(bytes)) !== manifest.forest.sha256) {
    throw new ModelFormatError(
      `${forestPath} does not match its checksum in model.json (corrupt or truncated); train the model again or restore it`,
    );
  }
  const flat = decodeForest(bytes, forestPath);
  if (flat.features !== manifest.encoder.features.length) {
    throw new ModelFormatError(
      `${forestPath} splits on ${flat.features} features but model.json lists ${manifest.encoder.features.length}; the model is corrupt`,
    );
  }
  if (manifest.nodes) flat.node = await readNodeValues(dir, manifest.nodes, flat);
  return {
    dir,
    manifest,
    version: manifest.version,
    threshold: manifest.threshold,
    encoder: manifest.encoder.settings ?? DEFAULT_ENCODER,
    ...modelScorer(flat, manifest),
  };
}

/** Reads and checks the `nodes.bin` that `model.json` lists. */
async function readNodeValues(
  dir: string,
  listed: NonNullable<ModelManifest["nodes"]>,
  forest: FlatForest,
): Promise<Float32Array> {
  const path = join(dir, listed.file ?? "nodes.bin");
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch {
    throw new ModelFormatError(`${path} is missing; the model is incomplete`);
  }
  if (bytes.length !== listed.bytes || (await sha256(bytes)) !== listed.sha256) {
    throw new ModelFormatError(
      `${path} does not match its checksum in model.json (corrupt or truncated); train the model again or restore it`,
    );
  }
  try {
    return decodeNodeValues(bytes, forest.feature.length);
  } catch (error) {
    throw new ModelFormatError(
      `${path} is corrupt or truncated (${
        (error as Error).message
      }); train the model again or restore it`,
    );
  }
}
