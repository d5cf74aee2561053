/**
 * The model catalogue: the versions under a models folder, and which folder a model choice
 * names.
 *
 * @module
 */

import { isAbsolute, join } from "node:path";
import { ModelFormatError } from "./model_file.ts";
import { modelChoice } from "./version_name.ts";
import { PROMOTED_FILE, readPromotion } from "./promotion.ts";

/** Where the model comes from. */
export interface ModelChoice {
  /** `latest`, a version under `modelsDir`, or a folder. */
  model: string;
  modelsDir: string;
}

/**
 * The folder of every model version under `modelsDir`, newest (by creation time) last. A folder
 * whose `model.json` cannot be parsed (cut short, being copied in by hand) counts, as of the time
 * that file was written, so that whoever follows the newest version tries it and says why not.
 */
export async function modelVersions(
  modelsDir: string,
): Promise<{ dir: string; created: string }[]> {
  const found: { dir: string; created: string }[] = [];
  try {
    for await (const entry of Deno.readDir(modelsDir)) {
      if (!entry.isDirectory || entry.name.includes(".tmp-") || entry.name.includes(".staging-")) {
        continue;
      }
      const dir = join(modelsDir, entry.name);
      let text: string;
      try {
        text = await Deno.readTextFile(join(dir, "model.json"));
      } catch {
        continue; // not a model folder
      }
      try {
        found.push({ dir, created: String(JSON.parse(text).created_at ?? "") });
      } catch {
        const written = (await Deno.stat(join(dir, "model.json")).catch(() => undefined))?.mtime;
        found.push({ dir, created: written?.toISOString() ?? "" });
      }
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotADirectory) {
      throw new ModelFormatError(`models folder '${modelsDir}' is a file, not a folder`);
    }
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found.sort((a, b) => a.created.localeCompare(b.created) || a.dir.localeCompare(b.dir));
}

/**
 * The folder `latest` names under `modelsDir` now: the promoted version while one is promoted
 * (`model promote`), else the newest version; `undefined` when there is neither.
 *
 * @throws {ModelFormatError} when the promoted version is not a model folder any more.
 */
export async function latestModelDir(modelsDir: string): Promise<string | undefined> {
  const promotion = await readPromotion(modelsDir);
  if (promotion) {
    const dir = join(modelsDir, promotion.version);
    try {
      await Deno.stat(join(dir, "model.json"));
    } catch {
      throw new ModelFormatError(
        `the promoted model version '${promotion.version}' (${join(modelsDir, PROMOTED_FILE)}) ` +
          "is not in the models folder; promote another, or follow the newest with " +
          "'fraudstream model promote latest'",
      );
    }
    return dir;
  }
  const versions = await modelVersions(modelsDir);
  return versions[versions.length - 1]?.dir;
}

/**
 * The folder a model choice names. A choice without a `/` is a version name, one folder under
 * `modelsDir` (`.`, `..` and other paths are refused with a `UsageError` naming --model);
 * `latest` is the promoted version, else the newest (`latestModelDir`).
 *
 * @throws {ModelFormatError} when a version name has no model under `modelsDir` (naming
 * --models-dir: the default is relative to the working folder), or nothing is there for `latest`.
 */
export async function resolveModelDir(choice: ModelChoice): Promise<string> {
  modelChoice(choice.model, "--model");
  if (choice.model === "latest") {
    const dir = await latestModelDir(choice.modelsDir);
    if (!dir) {
      throw new ModelFormatError(
        `no model under '${choice.modelsDir}'; train one with 'fraudstream train' or pass --model`,
      );
    }
    return dir;
  }
  if (choice.model.includes("/")) return choice.model;
  const dir = join(choice.modelsDir, choice.model);
  try {
    await Deno.stat(join(dir, "model.json"));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) return dir; // loading it says what is wrong
    const where = isAbsolute(choice.modelsDir)
      ? ""
      : ` (relative to the working folder ${Deno.cwd()})`;
    throw new ModelFormatError(
      `no model version '${choice.model}' in '${choice.modelsDir}'${where}; pass --models-dir ` +
        "with the folder of model versions, a model folder with --model, or train one with " +
        "'fraudstream train'",
    );
  }
  return dir;
}
