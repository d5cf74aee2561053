/**
 * Which model version alerts: a pointer file, `promoted.json`, in the models folder. Consumers
 * scoring with `--model latest` follow it: the promoted version while one is promoted, else the
 * newest version, as before. A version trained after a promotion does not take over until the
 * promotion is cleared (`fraudstream model promote latest`).
 *
 * The pointer is written atomically (a reader sees the old one or the new one), and only after
 * the version it names has loaded, so it never names a missing or broken model when written.
 *
 * @module
 */

import { join } from "node:path";
import { writeFileAtomic } from "../actors/lib/atomic_write.ts";
import { UsageError } from "../actors/lib/errors.ts";
import { type LoadedModel, loadModel, ModelFormatError } from "./model_file.ts";
import { versionName } from "./version_name.ts";
import { readTextFileIfExists } from "../actors/lib/optional_file.ts";

/** Name of the pointer file in a models folder. */
export const PROMOTED_FILE = "promoted.json";

/** What the pointer file holds. */
export interface Promotion {
  /** The promoted version: a folder under the models folder. */
  version: string;
  /** When it was promoted (ISO 8601). */
  promoted_at: string;
}

/**
 * The promotion recorded in `modelsDir`, or `undefined` when none is.
 *
 * @throws {ModelFormatError} when the pointer file is not one (e.g. edited by hand).
 */
export async function readPromotion(modelsDir: string): Promise<Promotion | undefined> {
  const path = join(modelsDir, PROMOTED_FILE);
  const text = await readTextFileIfExists(path);
  if (text === undefined) return undefined;
  let promotion: Promotion;
  try {
    promotion = JSON.parse(text);
    versionName(String(promotion?.version), PROMOTED_FILE);
  } catch {
    throw new ModelFormatError(
      `${path} does not name a promoted model version; promote one again with ` +
        "'fraudstream model promote VERSION', or follow the newest with 'model promote latest'",
    );
  }
  return promotion;
}

/**
 * Promotes `version` (a version under `modelsDir`): checks that it loads, then records it. Returns
 * the loaded model.
 *
 * @example
 * ```ts
 * const model = await promoteModel("resources/models", "v2");
 * console.log(`${model.version} now alerts`);
 * ```
 *
 * @throws {InvalidValueError} when `version` is not a version name; {UsageError} when no such
 * version is under `modelsDir`; {ModelFormatError} when it does not load.
 */
export async function promoteModel(modelsDir: string, version: string): Promise<LoadedModel> {
  const name = versionName(version, "the VERSION of model promote");
  const dir = join(modelsDir, name);
  try {
    await Deno.stat(join(dir, "model.json"));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new UsageError(
      `no model version '${name}' under ${modelsDir} ('fraudstream model list' shows them)`,
    );
  }
  const model = await loadModel(dir);
  const promotion: Promotion = { version: name, promoted_at: new Date().toISOString() };
  await writeFileAtomic(join(modelsDir, PROMOTED_FILE), JSON.stringify(promotion) + "\n");
  return model;
}

/** Clears the promotion of `modelsDir` (consumers with `latest` follow the newest again). */
export async function clearPromotion(modelsDir: string): Promise<boolean> {
  try {
    await Deno.remove(join(modelsDir, PROMOTED_FILE));
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
