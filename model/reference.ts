/**
 * A model's reference distribution (`reference.json` in its folder): the share of the rows in
 * each bin of every feature (the model's own training bins) and of the score (deciles), as the
 * drift monitor compares the live traffic against. Training writes it (the training rows' bins,
 * the validation part's scores); `fraudstream model profile` computes it from any data.
 *
 * The file names its model's version and repeats the bin edges: one that does not match the model
 * it lies beside is refused, as is a malformed one. A model folder without one loads and scores as
 * before; drift is then not judged.
 *
 * @module
 */

import { join } from "node:path";
import { writeError, writeFileAtomic } from "../actors/lib/atomic_write.ts";
import { seededRandom } from "../actors/lib/random.ts";
import { BinSearch, MAX_SEARCH_EDGES, shares } from "./drift.ts";
import type { FeatureKind, FeatureSpec } from "./features.ts";
import { type FeatureBins, numericBins } from "./forest/binning.ts";
import { ModelFormatError, type ModelManifest } from "./model_file.ts";
import { readTextFileIfExists } from "../actors/lib/optional_file.ts";

/** Name of the reference file in a model folder. */
export const REFERENCE_FILE = "reference.json";

/** Name of the format in `reference.json`. */
export const REFERENCE_FORMAT = "fraudstream-reference";

/** Version of the format this program reads and writes. */
export const REFERENCE_FORMAT_VERSION = 1;

/** Bins of the score's reference: deciles of the reference scores. */
export const SCORE_BINS = 10;

/** A binned distribution: numeric bin b holds values <= edges[b] (the last: the rest). */
export interface BinnedDistribution {
  /** Ascending edges (none for a categorical feature, whose bins are its values). */
  edges: number[];
  /** Share of the rows in each bin (sums to 1). */
  shares: number[];
}

/** The reference of one feature. */
export interface FeatureReference extends BinnedDistribution {
  name: string;
  kind: FeatureKind;
}

/** Contents of `reference.json`. */
export interface ReferenceDistribution {
  format: typeof REFERENCE_FORMAT;
  format_version: number;
  /** Version of the model it belongs to. */
  model_version: string;
  created_at: string;
  /** Where the feature shares come from (the training rows, or a profiled folder). */
  source: string;
  /** Rows the feature shares were counted on. */
  rows: number;
  /** One per model feature, in the model's order. */
  features: FeatureReference[];
  /** The score's deciles and shares, and where the scores come from; null when unknown. */
  score: (BinnedDistribution & { rows: number; source: string }) | null;
}

/**
 * The feature references of binned rows: `binned[f][i]` is the bin of row i's feature f under
 * `bins[f]`, for `rows` rows (or only the rows listed in `only`).
 */
export function featureReferences(
  specs: readonly FeatureSpec[],
  bins: readonly FeatureBins[],
  binned: readonly Uint8Array[],
  rows: number,
  only?: Uint32Array,
): FeatureReference[] {
  return specs.map((spec, f) => {
    const counts = new Float64Array(bins[f].count);
    const column = binned[f];
    if (only) { for (let i = 0; i < only.length; i++) counts[column[only[i]]]++; }
    else for (let i = 0; i < rows; i++) counts[column[i]]++;
    return {
      name: spec.name,
      kind: spec.kind,
      edges: Array.from(bins[f].edges),
      shares: shares(counts),
    };
  });
}

/** The score's reference: deciles of `scores` (fewer bins where scores repeat), and shares. */
export function scoreReference(
  scores: Float32Array,
  source: string,
): NonNullable<ReferenceDistribution["score"]> {
  const edges = numericBins(scores, SCORE_BINS, seededRandom(SCORE_BINS)).edges;
  const search = new BinSearch(edges);
  const counts = new Float64Array(search.count);
  for (let i = 0; i < scores.length; i++) counts[search.bin(scores[i])]++;
  return { edges: Array.from(edges), shares: shares(counts), rows: scores.length, source };
}

/** A reference for the model of `manifest`, from its parts. */
export function referenceDistribution(
  manifest: Pick<ModelManifest, "version">,
  parts: Pick<ReferenceDistribution, "source" | "rows" | "features" | "score">,
): ReferenceDistribution {
  return {
    format: REFERENCE_FORMAT,
    format_version: REFERENCE_FORMAT_VERSION,
    model_version: manifest.version,
    created_at: new Date().toISOString(),
    ...parts,
  };
}

/** The text of `reference.json`. */
export function referenceText(reference: ReferenceDistribution): string {
  return JSON.stringify(reference) + "\n";
}

/**
 * Writes `reference.json` into the model folder `dir` (atomically, replacing one there).
 *
 * @throws {FraudstreamError} naming the file when it cannot be written (a read-only folder).
 */
export async function writeReference(dir: string, reference: ReferenceDistribution): Promise<void> {
  const path = join(dir, REFERENCE_FILE);
  try {
    await writeFileAtomic(path, referenceText(reference));
  } catch (error) {
    throw writeError(path, error);
  }
}

/**
 * Reads the reference of the model in `dir` (its `manifest`): undefined when the folder has none.
 *
 * @throws {ModelFormatError} when the file is not a reference of this model.
 */
export async function readReference(
  dir: string,
  manifest: ModelManifest,
): Promise<ReferenceDistribution | undefined> {
  const path = join(dir, REFERENCE_FILE);
  const text = await readTextFileIfExists(path);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw refused(path, "it is not valid JSON");
  }
  return checkReference(value, manifest, path);
}

function refused(path: string, why: string): ModelFormatError {
  return new ModelFormatError(
    `${path} is not a usable reference distribution (${why}); remove it, or compute it again ` +
      "with 'fraudstream model profile VERSION --data DIR'",
  );
}

/**
 * Checks that `value` is a reference distribution of the model of `manifest` (its version, its
 * features and, where the model has them, its bins); `where` names the file in the error.
 *
 * @throws {ModelFormatError} saying what is wrong.
 */
export function checkReference(
  value: unknown,
  manifest: ModelManifest,
  where: string,
): ReferenceDistribution {
  const fail = (why: string) => refused(where, why);
  const ref = value as ReferenceDistribution;
  if (ref?.format !== REFERENCE_FORMAT) throw fail(`format '${ref?.format}'`);
  if (ref.format_version !== REFERENCE_FORMAT_VERSION) {
    throw fail(`format version ${ref.format_version}; this fraudstream reads version 1`);
  }
  if (ref.model_version !== manifest.version) {
    throw fail(`it belongs to model '${ref.model_version}', not '${manifest.version}'`);
  }
  if (!(Number.isInteger(ref.rows) && ref.rows > 0)) throw fail(`rows ${ref.rows}`);
  const names = manifest.encoder.features;
  if (!Array.isArray(ref.features) || ref.features.length !== names.length) {
    throw fail(`${ref.features?.length} features, the model has ${names.length}`);
  }
  ref.features.forEach((feature, f) => {
    if (feature?.name !== names[f]) {
      throw fail(`feature ${f} is '${feature?.name}', the model's is '${names[f]}'`);
    }
    if (feature.kind !== "numeric" && feature.kind !== "categorical") {
      throw fail(`feature ${feature.name} has kind '${feature.kind}'`);
    }
    checkDistribution(feature, feature.kind, `feature ${feature.name}`, fail);
    const bins = manifest.bins?.[f];
    if (bins) {
      const same = bins.kind === feature.kind &&
        bins.count === feature.shares.length &&
        bins.edges.length === feature.edges.length &&
        bins.edges.every((e, b) => Math.fround(e) === Math.fround(feature.edges[b]));
      if (!same) throw fail(`the bins of feature ${feature.name} are not the model's`);
    }
  });
  if (ref.score !== null) {
    if (typeof ref.score !== "object") throw fail("score is not an object or null");
    checkDistribution(ref.score, "numeric", "score", fail);
  }
  return ref;
}

function checkDistribution(
  distribution: BinnedDistribution,
  kind: FeatureKind,
  what: string,
  fail: (why: string) => Error,
): void {
  const { edges, shares } = distribution;
  if (!Array.isArray(edges) || !Array.isArray(shares)) throw fail(`${what} lacks edges or shares`);
  if (edges.length > MAX_SEARCH_EDGES) throw fail(`${what} has ${edges.length} edges`);
  if (!edges.every((e, b) => Number.isFinite(e) && (b === 0 || e > edges[b - 1]))) {
    throw fail(`${what}'s edges are not ascending numbers`);
  }
  const expected = kind === "numeric" ? edges.length + 1 : shares.length;
  if (shares.length !== expected || shares.length < 1 || (kind === "categorical" && edges.length)) {
    throw fail(`${what} has ${shares.length} shares for ${edges.length} edges`);
  }
  let sum = 0;
  for (const share of shares) {
    if (!(Number.isFinite(share) && share >= 0)) throw fail(`${what} has a share ${share}`);
    sum += share;
  }
  if (Math.abs(sum - 1) > 1e-6) throw fail(`${what}'s shares sum to ${sum}, not 1`);
}
