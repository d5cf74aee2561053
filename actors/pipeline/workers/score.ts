/**
 * The worker behaviour that scores rows with a model it loads from its folder (and keeps loaded,
 * so swapping versions costs one load per worker). With fraudstream's encoder it also computes the
 * rows' features, against the card states of the rows' partition, which it holds
 * (`partition_card_states.ts`): a partition's batches all go to the same worker.
 *
 * @module
 */

import { type LoadedModel, loadModel } from "../../../model/model_file.ts";
import type { EncoderSettings } from "../../../model/features.ts";
import type { FeatureColumns } from "../../../model/feature_columns.ts";
import type { BatchReasons } from "../../../model/reason_codes.ts";
import { explainAlerts } from "./score_reasons.ts";
import type { WorkerBehavior } from "../../runtime/mod.ts";
import { toWireError, type WireError, withTransfer } from "../../runtime/protocol.ts";
import { StateFormatError } from "../../../model/card_states.ts";
import {
  CardStatesNotHeldError,
  type CardStatesOwner,
  PartitionCardStates,
} from "./partition_card_states.ts";

/** Rows to score with the model in `modelDir`. */
export interface ScoreRequest {
  kind?: "score";
  modelDir: string;
  /**
   * Encoded features, row-major (64-bit for `spark-seed` models), of an encoder that keeps no
   * card state. Moved in and back out with the reply, so a request whose worker crashed is not
   * sent again: its caller fails instead.
   */
  features?: Float32Array | Float64Array;
  /** Or the rows' feature columns, encoded here against the card states of `cards.owner`. */
  cards?: CardStatesStep;
  rows: number;
  /** Reason codes per alert (row scored at or above the threshold); none when absent or 0. */
  reasons?: number;
  /** Also score the same rows with the model in this folder (a shadow model: never alerts). */
  shadowDir?: string;
}

/** Rows of a partition to compute the features of, against its card states. */
export interface CardStatesStep {
  owner: CardStatesOwner;
  /** The rows' feature columns (`packFeatureColumns`: one buffer, moved in). */
  columns: FeatureColumns;
  /**
   * With the batch's last rows: the states of the cards the batch changed, as records of at most
   * `cardsPerRecord` cards, and with `snapshot` every card's state too.
   */
  changes?: { cardsPerRecord: number; snapshot: boolean };
}

/**
 * Makes the card states of a partition for `owner`, restored from `records` (a table it held
 * before is dropped).
 */
export interface OpenCardStatesRequest {
  kind: "open";
  owner: CardStatesOwner;
  settings: EncoderSettings;
  records: readonly Uint8Array[];
}

/** Drops the card states of `owner`. */
export interface CloseCardStatesRequest {
  kind: "close";
  owner: CardStatesOwner;
}

/** What a scoring worker is asked. */
export type ScoreWorkerRequest = ScoreRequest | OpenCardStatesRequest | CloseCardStatesRequest;

/** What a scoring worker is started with. */
export interface ScoreWorkerArgs {
  /**
   * Model folders loaded and compiled before the worker says it is ready (the model and shadow
   * model in use), so that no request, the first one to each worker included, waits for either.
   */
  preload?: string[];
}

/** Scores and the version that produced them. */
export interface ScoreReply {
  scores: Float32Array;
  /** The request's features, moved back. */
  features: Float32Array | Float64Array;
  version: string;
  threshold: number;
  /** Reason codes of the alerts, when the request asked for them and there are alerts. */
  reasons?: BatchReasons;
  /** The shadow model's scores, version and threshold, when the request named one. */
  shadow?: { scores: Float32Array; version: string; threshold: number };
  /** The card-state records a request's `cards.changes` asked for. */
  cardStates?: CardStateChanges;
}

/** The card states a batch changed, as records, and every card's state when asked. */
export interface CardStateChanges {
  delta: Uint8Array[];
  snapshot?: Uint8Array[];
}

/**
 * What a scoring worker replies: scores, or the cards restored, or nothing to a close; or why it
 * refused a request's card states (`refused`).
 */
export type ScoreWorkerReply = ScoreReply | { cards: number } | { refused: WireError } | undefined;

/**
 * The features of a step's rows against its partition's card states, and the records of the card
 * states it changed when the step asks for them.
 *
 * @throws {CardStatesNotHeldError} when this worker holds no card states of the step's owner.
 */
function encodeStep(
  cardStates: PartitionCardStates,
  step: CardStatesStep,
): { features: Float32Array; changes?: CardStateChanges } {
  const encoder = cardStates.encoder(step.owner);
  const features = encoder.encode(step.columns);
  if (!step.changes) return { features };
  const { cardsPerRecord, snapshot } = step.changes;
  const changes: CardStateChanges = { delta: encoder.takeChanges(cardsPerRecord) };
  if (snapshot) changes.snapshot = encoder.snapshot(cardsPerRecord);
  return { features, changes };
}

/**
 * `run()`, or the refusal of card states this worker cannot restore or does not hold: told to
 * the partition, which then restarts, rather than crashing the worker and with it the other
 * partitions' tables.
 */
function refusing<T>(run: () => T): T | { refused: WireError } {
  try {
    return run();
  } catch (error) {
    if (error instanceof CardStatesNotHeldError || error instanceof StateFormatError) {
      return { refused: toWireError(error) };
    }
    throw error;
  }
}

/**
 * Models a worker keeps loaded, least recently used dropped first: the one that alerts, a shadow
 * model, and a version being swapped in.
 */
const LOADED_MODELS = 3;

/**
 * Builds the scoring behaviour; the scores, and the features the request moved in, are moved to
 * the main thread, not copied.
 */
export function scoreWorker(
  args: ScoreWorkerArgs = {},
): WorkerBehavior<ScoreWorkerRequest, ScoreWorkerReply> {
  const models = new Map<string, Promise<LoadedModel>>();
  const cardStates = new PartitionCardStates();
  const load = (dir: string) => {
    let loading = models.get(dir);
    // Most recently used last.
    if (loading) models.delete(dir);
    else {
      // Compiled at once: a worker's first request (or a swapped-in version's) does not wait
      // for it.
      loading = loadModel(dir).then((model) => {
        model.prepare();
        return model;
      });
      loading.catch(() => models.delete(dir));
    }
    models.set(dir, loading);
    if (models.size > LOADED_MODELS) models.delete(models.keys().next().value!);
    return loading;
  };
  return {
    async init() {
      await Promise.all((args.preload ?? []).map(load));
    },
    async handle(request) {
      if (request.kind === "open") {
        const { owner, settings, records } = request;
        return refusing(() => ({ cards: cardStates.open(owner, settings, records) }));
      }
      if (request.kind === "close") {
        cardStates.close(request.owner);
        return undefined;
      }
      // The features computed against the partition's card states before anything is awaited.
      let features = request.features;
      let changes: CardStateChanges | undefined;
      const step = request.cards;
      if (step) {
        const encoded = refusing(() => encodeStep(cardStates, step));
        if ("refused" in encoded) return encoded;
        ({ features, changes } = encoded);
      }
      if (!features) throw new TypeError("a score request has neither features nor columns");
      const model = await load(request.modelDir);
      const scores = model.score(features, request.rows);
      const reply: ScoreReply = {
        scores,
        features,
        version: model.version,
        threshold: model.threshold,
      };
      if (changes) reply.cardStates = changes;
      const reasons = explainAlerts(model, { ...request, features }, scores);
      if (reasons) reply.reasons = reasons;
      if (request.shadowDir !== undefined) {
        const shadow = await load(request.shadowDir);
        // The same model in both roles (e.g. the shadow promoted) scores once.
        const shadowScores = shadow === model
          ? scores.slice()
          : shadow.score(features, request.rows);
        reply.shadow = {
          scores: shadowScores,
          version: shadow.version,
          threshold: shadow.threshold,
        };
      }
      const transfer = new Set([scores.buffer as ArrayBuffer, features.buffer as ArrayBuffer]);
      if (reply.shadow) transfer.add(reply.shadow.scores.buffer as ArrayBuffer);
      for (const record of [...changes?.delta ?? [], ...changes?.snapshot ?? []]) {
        transfer.add(record.buffer as ArrayBuffer);
      }
      return withTransfer(reply, [...transfer]);
    },
  };
}
