/**
 * A one-line progress bar (rows, rows/s, ETA) for long runs such as the generator's, drawn on a
 * terminal and silent when the output is not a terminal (a pipe, a file, CI).
 *
 * @module
 */

/** How far a run is. */
export interface Progress {
  /** Rows done so far. */
  rows: number;
  /** Fraction of the work done, 0..1 (0 when the total is not known: no bar, no ETA). */
  fraction: number;
  /** Seconds since the start. */
  seconds: number;
}

/** Where the bar is drawn: `Deno.stderr` by default. */
export interface BarOutput {
  writeSync(bytes: Uint8Array): number;
  isTerminal(): boolean;
}

/** Options of `createProgressBar`. */
export interface ProgressBarOptions {
  /** Default `Deno.stderr`. */
  output?: BarOutput;
  /** Width of the bar in characters (default 24). */
  width?: number;
  /** Text before the bar (default `generate`). */
  label?: string;
}

/** A progress bar: feed it progress, finish it once. */
export interface ProgressBar {
  /** Whether anything is drawn (the output is a terminal). */
  readonly active: boolean;
  /** Redraws the line; use as the generator's `onProgress`. */
  update(progress: Progress): void;
  /** Ends the line. */
  finish(): void;
}

const encoder = new TextEncoder();

/** Formats a count with thousands separators, e.g. `1,234,567`. */
export function formatCount(n: number): string {
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Formats a duration in seconds as `42s`, `3m05s` or `1h02m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** The text of one progress line. */
export function progressLine(progress: Progress, width = 24, label = "generate"): string {
  const rate = progress.seconds > 0 ? progress.rows / progress.seconds : 0;
  const parts = [label];
  if (progress.fraction > 0) {
    const filled = Math.round(progress.fraction * width);
    parts.push(`[${"#".repeat(filled)}${"-".repeat(width - filled)}]`);
    parts.push(`${(progress.fraction * 100).toFixed(0).padStart(3)}%`);
  }
  parts.push(`${formatCount(progress.rows)} rows`, `${formatCount(rate)} rows/s`);
  if (progress.fraction > 0 && progress.fraction < 1) {
    parts.push(
      `ETA ${formatDuration((progress.seconds * (1 - progress.fraction)) / progress.fraction)}`,
    );
  }
  return parts.join("  ");
}

/** A progress bar on `output` (standard error by default) if it is a terminal, else a silent one. */
export function createProgressBar(options: ProgressBarOptions = {}): ProgressBar {
  const output = options.output ?? Deno.stderr;
  const active = output.isTerminal();
  let drawn = false;
  return {
    active,
    update(progress) {
      if (!active) return;
      output.writeSync(
        encoder.encode(`\r\x1b[2K${progressLine(progress, options.width, options.label)}`),
      );
      drawn = true;
    },
    finish() {
      if (active && drawn) output.writeSync(encoder.encode("\n"));
      drawn = false;
    },
  };
}
