/**
 * Scoring with a trained model inside the consumer: card states and feature encoding in each
 * partition actor, the forest on a pool of supervised Web Workers, and (with `--model latest`) a
 * watcher actor that switches to a newer model version without a restart; alerts name the
 * version that scored them.
 *
 * @module
 */

import { join } from "node:path";
import { modelChoice } from "../../../config/values.ts";
import { rowEncoderFor } from "../../../model/row_encoder.ts";
import { type LoadedModel, loadModel, ModelFormatError } from "../../../model/model_file.ts";
import { SCORE_WORKER, type ScoreReply, type ScoreRequest } from "../../../model/score_worker.ts";
import { type ActorRef, type ChildSpec, sleep, workerPool } from "../../runtime/mod.ts";
import type { PartitionScorer, PartitionScorerFactory } from "./scorer.ts";

/** Where the model comes from. */
export interface ModelChoice {
  /** `latest`, a version under `modelsDir`, or a folder. */
  model: string;
  modelsDir: string;
}

/** Scoring resources of a consumer. */
export interface ModelScoring {
  /** The partition actors' scorers. */
  scorers: PartitionScorerFactory;
  /** Actors to supervise before the consumer (the worker pool, and the watcher with `latest`). */
  children: ChildSpec[];
  /** The model in use. */
  current(): LoadedModel;
}

/** The folder of every model version under `modelsDir`, newest (by creation time) last. */
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
      try {
        const manifest = JSON.parse(await Deno.readTextFile(join(dir, "model.json")));
        found.push({ dir, created: String(manifest.created_at ?? "") });
      } catch {
        // not a model folder (or one being written)
      }
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return found.sort((a, b) => a.created.localeCompare(b.created) || a.dir.localeCompare(b.dir));
}

/**
 * The folder a model choice names. A choice without a `/` is a version name, one folder under
 * `modelsDir` (`.`, `..` and other paths are refused with a `UsageError` naming --model).
 */
export async function resolveModelDir(choice: ModelChoice): Promise<string> {
  modelChoice(choice.model, "--model");
  if (choice.model === "latest") {
    const versions = await modelVersions(choice.modelsDir);
    if (versions.length === 0) {
      throw new ModelFormatError(
        `no model under '${choice.modelsDir}'; train one with 'fraudstream train' or pass --model`,
      );
    }
    return versions[versions.length - 1].dir;
  }
  if (choice.model.includes("/")) return choice.model;
  return join(choice.modelsDir, choice.model);
}

/** Options of `modelScoring`. */
export interface ModelScoringOptions extends ModelChoice {
  /** Scoring workers. */
  workers: number;
  /** Called on a model switch or a refused new version. */
  onEvent?: (line: string) => void;
  /** How often `latest` looks for a new version, in ms (default 2000). */
  pollMs?: number;
}

/** Loads the model (failing early on a bad one) and prepares the scoring actors. */
export async function modelScoring(options: ModelScoringOptions): Promise<ModelScoring> {
  let current = await loadModel(await resolveModelDir(options));
  const workers = Math.max(1, options.workers);
  const pool = workerPool({
    id: "scorers",
    member: "score",
    size: workers,
    behavior: SCORE_WORKER,
    mailbox: 64,
    heartbeat: { intervalMs: 1000, timeoutMs: 15_000 },
  });
  const children: ChildSpec[] = [pool];
  if (options.model === "latest") {
    children.push({
      kind: "actor",
      id: "model-watcher",
      behavior: () => ({
        run: async (ctx) => {
          while (await sleep(options.pollMs ?? 2000, ctx.signal)) {
            const versions = await modelVersions(options.modelsDir);
            const newest = versions[versions.length - 1];
            if (!newest || newest.dir === current.dir) continue;
            try {
              const next = await loadModel(newest.dir);
              if (
                JSON.stringify(next.manifest.encoder) !== JSON.stringify(current.manifest.encoder)
              ) {
                options.onEvent?.(
                  `model ${next.version} keeps card history differently; restart the consumer to use it`,
                );
                continue;
              }
              current = next;
              options.onEvent?.(`now scoring with model ${next.version}`);
            } catch (error) {
              options.onEvent?.(`model in ${newest.dir} refused: ${(error as Error).message}`);
            }
          }
        },
      }),
    });
  }
  const scorers: PartitionScorerFactory = (partition, actors) => {
    const states = rowEncoderFor(current.manifest.encoder);
    const worker = actors(`scorers/score-${partition % workers}`) as unknown as ActorRef<
      ScoreRequest,
      ScoreReply
    >;
    return Promise.resolve<PartitionScorer>({
      restore: (card, state) => states.restore(card, state),
      score: async (rows) => {
        const model = current;
        const { features, touched } = states.encode(rows);
        const reply = await worker.call({ modelDir: model.dir, features, rows: rows.length });
        const changed = new Map<string, Uint8Array>();
        for (const card of touched) changed.set(card, states.snapshot(card));
        return {
          scores: reply.scores,
          threshold: reply.threshold,
          modelVersion: reply.version,
          changed,
        };
      },
      close: () => {},
    });
  };
  return { scorers, children, current: () => current };
}
