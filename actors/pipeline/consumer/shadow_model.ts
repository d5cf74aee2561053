/**
 * The shadow model of a consumer (`--shadow-model`): a second model that scores every transaction
 * beside the one that alerts, from the same feature matrix, and never alerts.
 *
 * Both models read the features one encoder computes, so the shadow model must have the same
 * encoder (the same features and card history) as the model that alerts: a consumer refuses to
 * start otherwise. The model that alerts only ever switches (`--model latest`) to a version with
 * the encoder it started with, so the two stay compatible for the consumer's life.
 *
 * @module
 */

import { join } from "node:path";
import { UsageError } from "../../lib/errors.ts";
import { type LoadedModel, loadModel, ModelFormatError } from "../../../model/model_file.ts";
import { pinnedModelChoice } from "../../../model/version_name.ts";

/** The setting, as the user writes it. */
const SHADOW_FLAG = "--shadow-model";

/**
 * Loads the shadow model `choice` (a version under `modelsDir`, or a folder written with a `/`)
 * for a consumer whose alerting model is `main`.
 *
 * @throws {UsageError} naming --shadow-model when `choice` is not a version or folder, holds no
 * model, or the model's encoder differs from `main`'s; {ModelFormatError} when it does not load.
 */
export async function loadShadowModel(
  choice: string,
  options: { modelsDir: string; main: LoadedModel },
): Promise<LoadedModel> {
  const value = pinnedModelChoice(choice, SHADOW_FLAG);
  const dir = value.includes("/") ? value : join(options.modelsDir, value);
  try {
    await Deno.stat(join(dir, "model.json"));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new UsageError(
      `${SHADOW_FLAG} ${choice}: no model in ${dir} ('fraudstream model list' shows the versions)`,
    );
  }
  let shadow: LoadedModel;
  try {
    shadow = await loadModel(dir);
  } catch (error) {
    if (!(error instanceof ModelFormatError)) throw error;
    throw new ModelFormatError(`${SHADOW_FLAG} ${choice}: ${error.message}`);
  }
  const main = options.main;
  if (JSON.stringify(shadow.manifest.encoder) !== JSON.stringify(main.manifest.encoder)) {
    throw new UsageError(
      `${SHADOW_FLAG} ${choice}: model ${shadow.version} computes its features with encoder ` +
        `${encoderText(shadow)}, the alerting model ${main.version} with ${encoderText(main)}; ` +
        "a shadow model must read the same features (train it on the same encoder settings)",
    );
  }
  return shadow;
}

function encoderText(model: LoadedModel): string {
  return `'${model.manifest.encoder.name}' ${
    JSON.stringify(model.manifest.encoder.settings ?? {})
  }`;
}
