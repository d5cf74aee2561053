/**
 * What the generator can be asked for: its mode (one training set, or a never-ending stream of
 * batch files) and its fidelity to Sparkov v1.0 (see `sampler.ts`).
 *
 * @module
 */

/** What the generator writes: one training set, or a never-ending sequence of batch files. */
export type GeneratorMode = "train" | "stream";

/** The generator's modes. */
export const GENERATOR_MODES: readonly GeneratorMode[] = ["train", "stream"];

/** How faithfully to reproduce Sparkov v1.0 (see the documentation of `sampler.ts`). */
export type Fidelity = "sparkov" | "independent";

/** The fidelity modes. */
export const FIDELITIES: readonly Fidelity[] = ["sparkov", "independent"];
