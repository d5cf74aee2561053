/**
 * Scoring with a trained model inside the consumer: a pool of supervised Web Workers, each holding
 * the card states of the partitions sent to it (`partition % workers`) and computing their
 * batches' features (one matrix per batch) and scores, so the consumer's own thread only moves a
 * batch's feature columns to its worker; and (with `--model latest`) a watcher actor that switches
 * to the promoted version (`model promote`), else to a newer one, without a restart; alerts name
 * the version that scored them. With `--shadow-model` the same workers score each batch with a
 * second model too. (The seed's encoder keeps no card state: its features are computed here.)
 *
 * @module
 */

import { join } from "node:path";
import { latestModelDir, type ModelChoice, resolveModelDir } from "../../../model/catalog.ts";
import { maxCardStateBytes } from "../../../model/card_state_records.ts";
import type { EncoderSettings } from "../../../model/features.ts";
import { columnEncoderFor } from "../../../model/row_encoder.ts";
import { type LoadedModel, loadModel } from "../../../model/model_file.ts";
import type { ChildSpec } from "../../runtime/mod.ts";
import { workers as workerSpecs } from "../workers/specs.ts";
import type { PartitionScorer, PartitionScorerFactory, ScoreResult } from "./scorer.ts";
import { delay } from "../../lib/async.ts";
import { sliceRows } from "../../../model/column_rows.ts";
import type { ScoreReply, ScoreRequest, ScoreWorkerReply } from "../workers/score.ts";
import { fromWireError } from "../../runtime/protocol.ts";
import { featureColumnsBuffer, packFeatureColumns } from "../../../model/feature_columns.ts";
import { SEED_ENCODER } from "../../../model/seed_encoding.ts";
import { joinReplies, scoreSlices } from "./score_slices.ts";
import type { PipelineEmitter } from "../events.ts";
import { loadShadowModel } from "./shadow_model.ts";

/** Scoring resources of a consumer. */
export interface ModelScoring {
  /** The partition actors' scorers. */
  scorers: PartitionScorerFactory;
  /** Actors to supervise before the consumer (the worker pool, and the watcher with `latest`). */
  children: ChildSpec[];
  /** The model in use. */
  current(): LoadedModel;
  /** The shadow model (`--shadow-model`), which scores every row too and never alerts. */
  shadow?: LoadedModel;
}

/** Options of `modelScoring`. */
export interface ModelScoringOptions extends ModelChoice {
  /** Scoring workers. */
  workers: number;
  /** Told `modelSwitched`, `modelIncompatible` or `modelRefused` about each new version. */
  events?: PipelineEmitter;
  /** How often `latest` looks for a new version, in ms (default 2000). */
  pollMs?: number;
  /** Reason codes per alert (default `REASON_CODES`; 0: none). */
  reasonCodes?: number;
  /**
   * A second model (a version under `modelsDir` or a folder) that scores every row too, from the
   * same features, and never alerts.
   */
  shadowModel?: string;
}

/** Score requests a worker's mailbox holds (at most this many posted to it at a time too). */
const SCORE_REQUESTS_QUEUED = 64;

/** Reason codes an alert carries by default. */
export const REASON_CODES = 3;

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
  const shadow = options.shadowModel === undefined
    ? undefined
    : await loadShadowModel(options.shadowModel, { modelsDir: options.modelsDir, main: current });
  const pool = workerSpecs.pool("model.score", {
    id: "scorers",
    member: "score",
    size: Math.max(1, options.workers),
    args: { preload: shadow ? [current.dir, shadow.dir] : [current.dir] },
    mailbox: SCORE_REQUESTS_QUEUED,
    // Every queued request is posted at once: a worker never waits for a partition's thread.
    ahead: SCORE_REQUESTS_QUEUED,
    heartbeat: { intervalMs: 1000, timeoutMs: 15_000 },
  });
  const children: ChildSpec[] = [pool.spec];
  if (options.model === "latest") {
    children.push({
      kind: "actor",
      id: "model-watcher",
      behavior: () => ({
        run: async (ctx) => {
          /**
           * The version last refused, with the state of its files: told once, until another is
           * named or its files change (a copy by hand that finishes, a repair).
           */
          let refused: string | undefined;
          while (await delay(options.pollMs ?? 2000, ctx.signal)) {
            // The promoted version while one is promoted (`model promote`), else the newest.
            let wanted: string | undefined;
            try {
              wanted = await latestModelDir(options.modelsDir);
            } catch (error) {
              // A promotion that names no model: the folder stands for it, told once.
              wanted = options.modelsDir;
              if (refused !== wanted) {
                options.events?.emit("modelRefused", {
                  dir: wanted,
                  reason: (error as Error).message,
                });
              }
              refused = wanted;
              continue;
            }
            if (wanted === current.dir) refused = undefined;
            if (!wanted || wanted === current.dir) continue;
            const seen = `${wanted}\u0000${await filesState(wanted)}`;
            if (seen === refused) continue;
            refused = seen;
            try {
              const next = await loadModel(wanted);
              if (
                JSON.stringify(next.manifest.encoder) !== JSON.stringify(current.manifest.encoder)
              ) {
                options.events?.emit("modelIncompatible", { version: next.version });
                continue;
              }
              current = next;
              refused = undefined;
              options.events?.emit("modelSwitched", { version: next.version });
            } catch (error) {
              options.events?.emit("modelRefused", {
                dir: wanted,
                reason: (error as Error).message,
              });
            }
          }
        },
      }),
    });
  }
  const scorers: PartitionScorerFactory = (partition, actors) => {
    const { encoder } = current.manifest;
    // An encoder without card states (the seed's) encodes here; fraudstream's in the worker that
    // holds the partition's card states.
    const stateless = encoder.name === SEED_ENCODER ? columnEncoderFor(encoder) : undefined;
    const cardsPerRecord = cardsPerStateRecord(encoder.settings);
    const worker = actors(pool.members[partition % pool.members.length]);
    const owner = { partition, incarnation: crypto.randomUUID() };
    return Promise.resolve<PartitionScorer>({
      restore: async (records) => {
        if (stateless) return 0;
        const reply = await worker.call({
          kind: "open",
          owner,
          settings: encoder.settings,
          records,
        });
        return (unlessRefused(reply) as { cards: number }).cards;
      },
      score: async (columns, scoreOptions = {}) => {
        const model = current;
        const base = {
          modelDir: model.dir,
          reasons: options.reasonCodes ?? REASON_CODES,
          shadowDir: shadow?.dir,
        };
        // What the request moves to the worker comes back with the scores rather than being
        // copied; a request whose worker died with it is not sent again but fails the batch,
        // which its partition actor then reads and scores again from the last commit (and a
        // worker that restarted holds no card states: the actor restores them first).
        const ask = (request: ScoreRequest, moved: ArrayBuffer, onStarted?: () => void) =>
          worker.call(request, { transfer: [moved], onStarted })
            .then((reply) => unlessRefused(reply) as ScoreReply);
        if (!stateless) {
          // The worker computes the features: the batch goes whole, its columns packed in a
          // moment (slices of 4,096 rows measured their replies' joins at 7 % of this thread).
          const packed = packFeatureColumns(columns, 0, columns.length);
          const changes = { cardsPerRecord, snapshot: !!scoreOptions.snapshot };
          const cards = { owner, columns: packed, changes };
          const request = { ...base, rows: columns.length, cards };
          return scoreResult(await ask(request, featureColumnsBuffer(packed)));
        }
        // Features computed here go in slices, each posted to the partition's worker before the
        // next one's are computed, so that the worker scores while this thread encodes.
        const slices = scoreSlices(columns.length);
        const replies: Promise<ScoreReply>[] = [];
        for (const [from, to] of slices) {
          const part = slices.length === 1 ? columns : sliceRows(columns, from, to);
          const features = stateless.encode(part);
          const posted = Promise.withResolvers<void>();
          const request = { ...base, rows: part.length, features };
          const reply = ask(request, features.buffer as ArrayBuffer, posted.resolve);
          replies.push(reply);
          if (replies.length < slices.length) await Promise.race([posted.promise, reply]);
        }
        return scoreResult(joinReplies(await Promise.all(replies), slices));
      },
      close: () => {
        if (stateless) return;
        // Nothing to drop when the worker is gone (it restarts with no card states).
        try {
          worker.call({ kind: "close", owner }).catch(() => {});
        } catch {
          // its mailbox is closed or full: the next owner's `open` replaces the table
        }
      },
    });
  };
  return { scorers, children, current: () => current, shadow };
}

/** A partition's scores from its worker's reply. */
function scoreResult(reply: ScoreReply): ScoreResult {
  return {
    scores: reply.scores,
    threshold: reply.threshold,
    modelVersion: reply.version,
    ...(reply.reasons ? { reasons: reply.reasons } : {}),
    shadow: reply.shadow && {
      scores: reply.shadow.scores,
      threshold: reply.shadow.threshold,
      modelVersion: reply.shadow.version,
    },
    features: reply.features,
    cardStates: reply.cardStates ?? { delta: [] },
  };
}

/**
 * `reply`, unless the worker refused the request's card states: then the error it named
 * (`CardStatesNotHeldError`, `StateFormatError`), thrown here for the partition actor.
 */
function unlessRefused(reply: ScoreWorkerReply): ScoreWorkerReply {
  if (reply !== undefined && "refused" in reply) throw fromWireError(reply.refused);
  return reply;
}

/** The size and time of a model folder's files, to tell when a refused version changed. */
async function filesState(dir: string): Promise<string> {
  const states = await Promise.all(["model.json", "forest.bin"].map(async (name) => {
    const info = await Deno.stat(join(dir, name)).catch(() => undefined);
    return info ? `${info.size}@${info.mtime?.getTime()}` : "-";
  }));
  return states.join(",");
}
