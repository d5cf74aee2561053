/**
 * Scoring with a trained model inside the consumer: card states and feature encoding in each
 * partition actor, the forest on a pool of supervised Web Workers, and (with `--model latest`) a
 * watcher actor that switches to a newer model version without a restart; alerts name the
 * version that scored them.
 *
 * @module
 */

import { type ModelChoice, modelVersions, resolveModelDir } from "../../../model/catalog.ts";
import { rowEncoderFor } from "../../../model/row_encoder.ts";
import { type LoadedModel, loadModel } from "../../../model/model_file.ts";
import type { ChildSpec } from "../../runtime/mod.ts";
import { workers as workerSpecs } from "../workers/specs.ts";
import type { PartitionScorer, PartitionScorerFactory } from "./scorer.ts";
import { delay } from "../../lib/async.ts";
import type { PipelineEmitter } from "../events.ts";

/** Scoring resources of a consumer. */
export interface ModelScoring {
  /** The partition actors' scorers. */
  scorers: PartitionScorerFactory;
  /** Actors to supervise before the consumer (the worker pool, and the watcher with `latest`). */
  children: ChildSpec[];
  /** The model in use. */
  current(): LoadedModel;
}

/** Options of `modelScoring`. */
export interface ModelScoringOptions extends ModelChoice {
  /** Scoring workers. */
  workers: number;
  /** Told `modelSwitched`, `modelIncompatible` or `modelRefused` about each new version. */
  events?: PipelineEmitter;
  /** How often `latest` looks for a new version, in ms (default 2000). */
  pollMs?: number;
}

/** Loads the model (failing early on a bad one) and prepares the scoring actors. */
export async function modelScoring(options: ModelScoringOptions): Promise<ModelScoring> {
  let current = await loadModel(await resolveModelDir(options));
  const pool = workerSpecs.pool("model.score", {
    id: "scorers",
    member: "score",
    size: Math.max(1, options.workers),
    mailbox: 64,
    heartbeat: { intervalMs: 1000, timeoutMs: 15_000 },
  });
  const children: ChildSpec[] = [pool.spec];
  if (options.model === "latest") {
    children.push({
      kind: "actor",
      id: "model-watcher",
      behavior: () => ({
        run: async (ctx) => {
          while (await delay(options.pollMs ?? 2000, ctx.signal)) {
            const versions = await modelVersions(options.modelsDir);
            const newest = versions[versions.length - 1];
            if (!newest || newest.dir === current.dir) continue;
            try {
              const next = await loadModel(newest.dir);
              if (
                JSON.stringify(next.manifest.encoder) !== JSON.stringify(current.manifest.encoder)
              ) {
                options.events?.emit("modelIncompatible", { version: next.version });
                continue;
              }
              current = next;
              options.events?.emit("modelSwitched", { version: next.version });
            } catch (error) {
              options.events?.emit("modelRefused", {
                dir: newest.dir,
                reason: (error as Error).message,
              });
            }
          }
        },
      }),
    });
  }
  const scorers: PartitionScorerFactory = (partition, actors) => {
    const states = rowEncoderFor(current.manifest.encoder);
    const worker = actors(pool.members[partition % pool.members.length]);
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
