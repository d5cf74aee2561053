/**
 * What a consumer reports of drift: the population stability index (PSI) of each model feature
 * and of the score over its live window against the model's reference, which ones are in alarm,
 * and why nothing is judged when nothing is. Read by the dashboard's drift panel and `/metrics`.
 *
 * @module
 */

/** The PSI of one feature (or of `score`). */
export interface DriftSubject {
  name: string;
  /** Null until judged. */
  psi: number | null;
  /** Over the threshold (and not yet back to half of it). */
  alarm: boolean;
}

/** A consumer's drift figures. */
export interface DriftStatus {
  /** The model whose reference the live traffic is compared with. */
  modelVersion: string;
  /**
   * `judging`: the PSI are current; `warming up`: the window is not yet covered (or card
   * histories not yet built); `no reference`: the model has no usable reference distribution.
   */
  state: "judging" | "warming up" | "no reference";
  /** Why not judging, in words. */
  note?: string;
  threshold: number;
  /** Length of the window, in hours of event time. */
  windowHours: number;
  /** Transactions binned in the window now (the sampled ones). */
  windowRows: number;
  /** Share of the transactions binned. */
  sample: number;
  /** Features, then `score`. */
  subjects: DriftSubject[];
}

/** One Prometheus family of the drift figures. */
export interface DriftFamily {
  name: string;
  type: "gauge";
  help: string;
  samples: { labels: Record<string, string>; value: number }[];
}

/** The drift figures as Prometheus gauges (PSI only of judged subjects). */
export function driftFamilies(drift: DriftStatus): DriftFamily[] {
  const model = { model_version: drift.modelVersion };
  const judged = drift.subjects.filter((s) => s.psi !== null);
  return [
    {
      name: "fraudstream_drift_psi",
      type: "gauge",
      help: "Population stability index of a feature (or the score) over the live window " +
        "against the model's reference.",
      samples: judged.map((s) => ({ labels: { ...model, feature: s.name }, value: s.psi! })),
    },
    {
      name: "fraudstream_drift_alarm",
      type: "gauge",
      help: "1 while a feature's (or the score's) PSI is in alarm.",
      samples: judged.map((s) => ({ labels: { ...model, feature: s.name }, value: +s.alarm })),
    },
    {
      name: "fraudstream_drift_threshold",
      type: "gauge",
      help: "PSI over which a drift alarm is raised.",
      samples: [{ labels: model, value: drift.threshold }],
    },
    {
      name: "fraudstream_drift_window_rows",
      type: "gauge",
      help: "Transactions binned in the drift window.",
      samples: [{ labels: model, value: drift.windowRows }],
    },
    {
      name: "fraudstream_drift_judging",
      type: "gauge",
      help: "1 while drift is judged (a reference, and the window covered).",
      samples: [{ labels: model, value: +(drift.state === "judging") }],
    },
  ];
}
