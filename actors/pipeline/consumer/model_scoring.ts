/**
 * Scoring with a trained model inside the consumer: card states and the features of each column
 * batch in each partition actor (one matrix per batch), the forest on a pool of supervised Web
 * Workers, and (with `--model latest`) a watcher actor that switches to a newer model version
 * without a restart; alerts name the version that scored them.
 *
 * @module
 */

import { type ModelChoice, modelVersions, resolveModelDir } from "../../../model/catalog.ts";
import { maxCardStateBytes } from "../../../model/card_state_records.ts";
import type { EncoderSettings } from "../../../model/features.ts";
import { columnEncoderFor } from "../../../model/row_encoder.ts";
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

/**
 * Most bytes of one card-state record: well under what a log accepts in one record (1 MiB by
 * default on Kafka), and under what the Kafka transport sends in one request.
 */
const CARD_STATE_RECORD_BYTES = 256 * 1024;

/** Cards per card-state record for a model's encoder settings (`CARD_STATE_RECORD_BYTES` at most). */
export function cardsPerStateRecord(settings: EncoderSettings): number {
  return Math.max(1, Math.floor(CARD_STATE_RECORD_BYTES / maxCardStateBytes(settings)));
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
    const encoder = columnEncoderFor(current.manifest.encoder);
    const cardsPerRecord = cardsPerStateRecord(current.manifest.encoder.settings);
    const worker = actors(pool.members[partition % pool.members.length]);
    return Promise.resolve<PartitionScorer>({
      restore: (record) => encoder.restore(record),
      score: async (columns) => {
        const model = current;
        const features = encoder.encode(columns);
        // Copied to the worker, not moved: a request is sent again as it is after a crash.
        const reply = await worker.call({ modelDir: model.dir, features, rows: columns.length });
        return {
          scores: reply.scores,
          threshold: reply.threshold,
          modelVersion: reply.version,
          features,
        };
      },
      takeChanges: () => encoder.takeChanges(cardsPerRecord),
      snapshot: () => encoder.snapshot(cardsPerRecord),
      close: () => {},
    });
  };
  return { scorers, children, current: () => current };
}
