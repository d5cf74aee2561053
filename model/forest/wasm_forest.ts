/**
 * Scoring a binned forest in WebAssembly: the module is generated for the forest
 * (wasm_kernel.ts, laid out by wasm_layout.ts) and holds it in its memory; rows go in by chunks
 * of `CHUNK_ROWS`, are binned there and scored. Scores equal `scoreBinned(forest,
 * binRows(forest, x, rows), rows)` to the bit for every value the feature encoder produces (a
 * categorical value outside its bins counts as the nearest bin here).
 *
 * @module
 */

import type { BinnedForest } from "./flat.ts";
import { kernelModule } from "./wasm_kernel.ts";
import { CHUNK_ROWS, GROUP, type KernelPlan, planKernel, writeForest } from "./wasm_layout.ts";
import { i8x16, V128, v128, writeModule } from "./wasm_writer.ts";

/** A forest compiled to WebAssembly. */
export interface WasmForest {
  /** Most rows `bin` takes at once. */
  readonly chunkRows: number;
  /** Scores `rows` rows of features (row-major, one value per feature) into `out`. */
  score(features: Float32Array, rows: number, out?: Float32Array): Float32Array;
  /** Bins rows `first` to `first + rows` (at most `chunkRows`) into the module. */
  bin(features: Float32Array, first: number, rows: number): void;
  /** Scores the rows last binned into `out`, from index `at`. */
  scoreBinned(out: Float32Array, at: number): void;
  /** Generates and compiles the module now rather than on first use. */
  prepare(): void;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  bin(input: number, binned: number, groups: number): void;
  score(binned: number, output: number, groups: number): void;
}

/** Why a forest cannot be scored in WebAssembly here. */
export class WasmForestUnsupported {
  constructor(readonly reason: string) {}
}

/** Whether this engine runs the relaxed SIMD instructions the kernel uses (asked once). */
let relaxedSimd: boolean | undefined;
function engineHasRelaxedSimd(): boolean {
  const zero = v128.const(new Uint8Array(16));
  relaxedSimd ??= WebAssembly.validate(writeModule({
    memoryPages: 1,
    functions: [{
      params: [],
      results: [V128],
      locals: [],
      body: i8x16.relaxedLaneselect(i8x16.relaxedSwizzle(zero, zero), zero, zero),
    }],
  }));
  return relaxedSimd;
}

/** The module of a forest, instantiated, with the forest written into its memory. */
function instantiate(plan: KernelPlan, forest: BinnedForest) {
  const module = new WebAssembly.Module(writeModule(kernelModule(plan, forest)));
  const kernel = new WebAssembly.Instance(module).exports as unknown as KernelExports;
  const { buffer } = kernel.memory;
  writeForest(plan, forest, buffer);
  return {
    kernel,
    input: new Float32Array(buffer, plan.layout.input, CHUNK_ROWS * plan.features),
    output: new Float32Array(buffer, plan.layout.output, CHUNK_ROWS),
  };
}

/**
 * A binned forest in WebAssembly, or why it cannot be. The module is generated and compiled on
 * first use (a model loaded but never used costs nothing).
 */
export function compileWasmForest(forest: BinnedForest): WasmForest | WasmForestUnsupported {
  const plan = planKernel(forest);
  if (typeof plan === "string") return new WasmForestUnsupported(plan);
  if (!engineHasRelaxedSimd()) {
    return new WasmForestUnsupported("this engine lacks WebAssembly relaxed SIMD");
  }
  const { layout, features } = plan;
  let compiled: ReturnType<typeof instantiate> | undefined;
  let binnedRows = 0;
  const scorer: WasmForest = {
    chunkRows: CHUNK_ROWS,
    prepare() {
      compiled ??= instantiate(plan, forest);
    },
    bin(x, first, rows) {
      if (!(rows >= 0 && rows <= CHUNK_ROWS) || x.length < (first + rows) * features) {
        throw new RangeError(
          `cannot bin rows ${first} to ${first + rows} of ${x.length / features}`,
        );
      }
      const module = compiled ??= instantiate(plan, forest);
      const groups = Math.ceil(rows / GROUP);
      module.input.set(x.subarray(first * features, (first + rows) * features));
      module.input.fill(0, rows * features, groups * GROUP * features);
      module.kernel.bin(layout.input, layout.binned, groups);
      binnedRows = rows;
    },
    scoreBinned(out, at) {
      if (!compiled) throw new Error("no rows were binned");
      compiled.kernel.score(layout.binned, layout.output, Math.ceil(binnedRows / GROUP));
      out.set(compiled.output.subarray(0, binnedRows), at);
    },
    score(x, rows, out = new Float32Array(rows)) {
      for (let first = 0; first < rows; first += CHUNK_ROWS) {
        scorer.bin(x, first, Math.min(CHUNK_ROWS, rows - first));
        scorer.scoreBinned(out, first);
      }
      return out;
    },
  };
  return scorer;
}
