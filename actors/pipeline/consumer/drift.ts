/**
 * The drift monitor of a consumer: it follows the `committed` batches, bins a sample of their rows
 * (encoded features and score) into a sliding window of event time (`model/drift_window.ts`),
 * computes the population stability index of every feature and of the score against the scoring
 * model's reference distribution (`model/reference.ts`), and raises `driftAlarm` when one is
 * over the threshold in two judgements in a row (`driftCleared` once it is back to half of it or
 * under, twice in a row: a PSI near the threshold does not flap). When the consumer
 * switches to a newer model (`--model latest`), the window starts again on that model's reference.
 *
 * Cost: per binned row, one branch-free search over at most 31 edges per numeric feature and two
 * counter increments per feature (24 features and the score); the PSI are computed (a few hundred
 * logarithms) at most once per 1,000 binned rows or closed segment.
 *
 * @module
 */

import { DriftWindow } from "../../../model/drift_window.ts";
import type { LoadedModel } from "../../../model/model_file.ts";
import { readReference, type ReferenceDistribution } from "../../../model/reference.ts";
import type { DriftStatus } from "../../observe/dashboard/drift_status.ts";
import type { CommittedBatch, PipelineEmitter } from "../events.ts";

/** What the monitor judges by. */
export interface DriftSettings {
  /** PSI over which an alarm is raised (cleared at half of it or under). */
  threshold: number;
  /** Length of the window, in hours of event time. */
  windowHours: number;
  /** Share of the transactions binned, over 0 and at most 1. */
  sample: number;
}

/** The drift settings of a configuration. */
export function driftSettings(
  config: { driftThreshold: number; driftWindow: number; driftSample: number },
): DriftSettings {
  return {
    threshold: config.driftThreshold,
    windowHours: config.driftWindow,
    sample: config.driftSample,
  };
}

/** Options of `startDriftMonitor`. */
export interface DriftMonitorOptions extends DriftSettings {
  /** Where `committed` comes from, and `driftAlarm` and `driftCleared` go. */
  events: PipelineEmitter;
  /** The model scoring now. */
  model(): LoadedModel;
  /** Told why drift is not judged for a model (no reference, a refused one). */
  say?(line: string): void;
}

/** The drift monitor of a consumer. */
export interface DriftMonitor {
  /** The figures, for the dashboard and `/metrics`. */
  status(): DriftStatus;
  /** Stops following the events. */
  stop(): void;
}

/** What the monitor holds for the model it follows. */
interface Following {
  version: string;
  window?: DriftWindow;
  note?: string;
  psi: number[];
  alarms: boolean[];
  /** Judgements in a row that went the other way than `alarms` says. */
  streaks?: number[];
}

/** Judgements in a row a PSI must be over the threshold (or back to half) to change an alarm. */
export const DRIFT_CONFIRMATIONS = 2;

/**
 * Starts a drift monitor on `options.events`, with the reference of the model scoring now.
 *
 * @throws {ModelFormatError} when that model's reference is there but unusable.
 */
export async function startDriftMonitor(options: DriftMonitorOptions): Promise<DriftMonitor> {
  const model = options.model();
  let following = follow(model, await readReference(model.dir, model.manifest));
  let loading: Promise<void> | undefined;

  function follow(model: LoadedModel, reference: ReferenceDistribution | undefined): Following {
    const version = model.version;
    if (!reference) {
      const note = `model ${version} has no reference distribution; add one with ` +
        `'fraudstream model profile ${version} --data DIR'`;
      options.say?.(`drift not judged: ${note}`);
      return { version, note, psi: [], alarms: [] };
    }
    const window = new DriftWindow({
      reference,
      windowSeconds: options.windowHours * 3600,
      // The per-card features need the cards' histories: the longest card window builds them.
      warmupSeconds: Math.max(...model.encoder.windows),
      sample: options.sample,
    });
    const none = window.subjects.map(() => false);
    return { version, window, psi: window.subjects.map(() => Number.NaN), alarms: none };
  }

  /** The monitor takes up the model scoring now (once its reference is read). */
  function switchTo(model: LoadedModel): void {
    clearAll(following);
    following = { version: model.version, note: "reading the reference", psi: [], alarms: [] };
    loading = readReference(model.dir, model.manifest).then(
      (reference) => {
        following = follow(model, reference);
      },
      (error: Error) => {
        following = { version: model.version, note: error.message, psi: [], alarms: [] };
        options.say?.(`drift not judged: ${error.message}`);
      },
    ).finally(() => (loading = undefined));
  }

  function change(name: "driftAlarm" | "driftCleared", at: Following, s: number): void {
    options.events.emit(name, {
      subject: at.window!.subjects[s],
      psi: at.psi[s],
      threshold: options.threshold,
      windowRows: at.window!.rows,
      modelVersion: at.version,
    });
  }

  /** Clears the alarms of a model no longer followed. */
  function clearAll(at: Following): void {
    at.alarms.forEach((alarm, s) => {
      if (alarm) change("driftCleared", at, s);
    });
  }

  function judge(at: Following): void {
    const window = at.window!;
    if (!window.state().judging) return;
    at.psi = window.psi();
    const streaks = at.streaks ??= at.psi.map(() => 0);
    at.psi.forEach((value, s) => {
      const turning = at.alarms[s] ? value <= options.threshold / 2 : value > options.threshold;
      streaks[s] = turning ? streaks[s] + 1 : 0;
      if (streaks[s] < DRIFT_CONFIRMATIONS) return;
      streaks[s] = 0;
      at.alarms[s] = !at.alarms[s];
      change(at.alarms[s] ? "driftAlarm" : "driftCleared", at, s);
    });
  }

  const onCommitted = (batch: CommittedBatch) => {
    // Told inside the partition actor's commit: a failure here must not fail the scoring.
    try {
      observe(batch);
    } catch (error) {
      const note = `drift monitor failed: ${(error as Error).message}`;
      clearAll(following);
      following = { version: following.version, note, psi: [], alarms: [] };
      options.say?.(note);
    }
  };

  function observe(batch: CommittedBatch): void {
    if (batch.rows === 0) return;
    if (batch.modelVersion !== following.version) {
      // Batches of the model being swapped out are not counted; the new one's start a window.
      const now = options.model();
      if (!loading && now.version === batch.modelVersion) switchTo(now);
      return;
    }
    const { window } = following;
    if (!window || !batch.features) return;
    const { transDate, transTime } = batch.columns;
    const due = window.add({
      rows: batch.rows,
      features: batch.features,
      scores: batch.scores,
      time: (i) => transDate[i] * 86_400 + transTime[i],
    });
    if (due) judge(following);
  }
  const unsubscribe = options.events.on("committed", onCommitted);

  return {
    status: (): DriftStatus => {
      const { window, version, note, psi, alarms } = following;
      const state = window?.state() ?? { judging: false, note: note ?? "no reference" };
      return {
        modelVersion: version,
        state: !window ? "no reference" : state.judging ? "judging" : "warming up",
        ...(state.judging ? {} : { note: state.note }),
        threshold: options.threshold,
        windowHours: options.windowHours,
        windowRows: window?.rows ?? 0,
        sample: options.sample,
        subjects: (window?.subjects ?? []).map((name, s) => ({
          name,
          psi: Number.isFinite(psi[s]) ? Math.round(psi[s] * 10_000) / 10_000 : null,
          alarm: alarms[s],
        })),
      };
    },
    stop: unsubscribe,
  };
}
