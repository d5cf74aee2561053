/**
 * How a loaded model scores and explains: the forest in WebAssembly when its thresholds lie on the
 * model's bins and the engine allows, else in TypeScript; its reason codes; and the compiling of
 * both ahead of their first use.
 *
 * @module
 */

import type { FeatureBins } from "./forest/binning.ts";
import {
  binForest,
  type BinnedForest,
  binRows,
  type FlatForest,
  scoreBinned,
  scoreForest,
} from "./forest/flat.ts";
import { compileWasmForest, WasmForestUnsupported } from "./forest/wasm_forest.ts";
import { ReasonExplainer } from "./reason_codes.ts";
import { DEFAULT_ENCODER, type EncoderSettings } from "./features.ts";

/** How a loaded model scores rows and explains alerts (part of `LoadedModel`). */
export interface ModelScorer {
  /**
   * Scores rows of encoded features (row-major, one value per model feature); 64-bit rows for
   * models of the `spark-seed` encoder.
   */
  score(features: Float32Array | Float64Array, rows: number): Float32Array;
  /** How `score` scores: `webassembly`, or `typescript` and why not in WebAssembly. */
  scorer: string;
  /** Reason codes of scored rows (for alerts: a walk of every tree per row). */
  explainer: ReasonExplainer;
  /**
   * Generates and compiles the model's WebAssembly (the forest's kernel, the reason walk) now,
   * rather than in the first `score` and the first alert explained (about 0.2 s for the
   * pretrained model): for a worker to call before it takes requests.
   */
  prepare(): void;
}

/** What of a model's `model.json` its scoring reads. */
export interface ScoredManifest {
  version: string;
  encoder: { name: string; settings?: EncoderSettings; features: string[] };
  bins?: { kind: "numeric" | "categorical"; edges: number[]; count: number }[];
}

/** The scorer of the forest `flat` of the model that `manifest` describes. */
export function modelScorer(flat: FlatForest, manifest: ScoredManifest): ModelScorer {
  let score: ModelScorer["score"];
  let prepareScore = () => {};
  let scorer = "typescript (thresholds not on bins)";
  if (manifest.bins) {
    const bins: FeatureBins[] = manifest.bins.map((b) => ({
      kind: b.kind,
      edges: Float32Array.from(b.edges),
      count: b.count,
    }));
    const binned: BinnedForest = binForest(flat, bins);
    const wasm = compileWasmForest(binned);
    scorer = wasm instanceof WasmForestUnsupported ? `typescript (${wasm.reason})` : "webassembly";
    if (!(wasm instanceof WasmForestUnsupported)) prepareScore = () => wasm.prepare();
    score = (features, rows) => {
      if (!(features instanceof Float32Array)) {
        throw new TypeError(`model ${manifest.version} scores 32-bit feature rows`);
      }
      return wasm instanceof WasmForestUnsupported
        ? scoreBinned(binned, binRows(binned, features, rows), rows)
        : wasm.score(features, rows);
    };
  } else {
    score = (features, rows) => scoreForest(flat, features, rows);
  }
  const explainer = new ReasonExplainer({
    forest: flat,
    features: manifest.encoder.features,
    encoder: manifest.encoder.name,
    settings: manifest.encoder.settings ?? DEFAULT_ENCODER,
  });
  return {
    score,
    scorer,
    explainer,
    prepare: () => {
      prepareScore();
      explainer.prepare();
    },
  };
}
