/**
 * The batches of a stream: the state a stream's writer keeps (cards, event-time horizon, rows
 * drawn but not yet written, counters) and one step of it: draw up to the clock, write one batch
 * file under its temporary name, for the caller to rename into place.
 *
 * @module
 */

import { HEADER } from "../../../model/schema.ts";
import { AtomicFile } from "../../lib/atomic_write.ts";
import { civilDate, DAY_SECONDS } from "./calendar.ts";
import { CustomerFactory, customerLine } from "./customers.ts";
import { RowEncoder } from "./encoder.ts";
import { Random, STREAM } from "./random.ts";
import { FIDELITIES, type Fidelity } from "./modes.ts";
import { StreamModel, type StreamRow } from "./stream_model.ts";

/**
 * Most rows drawn for one batch: when generation cannot keep up with the clock (a high speed for
 * many cards), event time falls behind instead of batches, and memory, growing without bound.
 */
export const MAX_BATCH_ROWS = 100_000;

/** Event time drawn at once while filling a batch, in seconds. */
const DRAW_STEP_SECONDS = 3600;

/** Validated settings of a stream run. */
export interface StreamSettings {
  customers: number;
  seed: number;
  fidelity: Fidelity;
  outDir: string;
  speed: number;
  rate: number;
  durationMs: number;
  batchMs: number;
  startSeconds: number;
  asOf: number;
}

/**
 * A tag for this run's file names: the wall-clock start and 4 random hex digits, e.g.
 * `20240131T235959-3fa2`, so runs never overwrite each other's batches.
 */
export function runTag(now: Date): string {
  const random = crypto.getRandomValues(new Uint16Array(1))[0].toString(16).padStart(4, "0");
  return `${now.toISOString().replace(/[-:]/g, "").slice(0, 15)}-${random}`;
}

/**
 * Where a stream stands after a step, as its caller keeps it: enough for a writer started afresh
 * (its worker restarted) to carry on without repeating a file or a transaction.
 */
export interface StreamPosition {
  /** Event time (seconds) up to which transactions have been drawn. */
  horizon: number;
  /** Draws made (each seeds its own random stream). */
  draws: number;
  /** Files written. */
  files: number;
  /** Rate tokens left (`rate` only), counted at `tokensAtMs` of elapsed wall time. */
  tokens: number;
  tokensAtMs: number;
}

/** The position of a stream that has not started. */
export function startPosition(settings: StreamSettings): StreamPosition {
  return { horizon: settings.startSeconds, draws: 0, files: 0, tokens: 0, tokensAtMs: 0 };
}

/** A batch file written under its temporary name (`partPath`), to be renamed to `path`. */
export interface WrittenBatch {
  path: string;
  partPath: string;
  rows: number;
  frauds: number;
  bytes: number;
  /** Event times (seconds) of its first and last rows. */
  firstTime: number;
  lastTime: number;
}

/** Everything a stream's writer keeps from one step to the next. */
export class StreamState {
  readonly settings: StreamSettings;
  readonly model: StreamModel;
  readonly factory: CustomerFactory;
  /** Each customer's encoded part, by customer index, drawn on first use. */
  readonly #prefixes: ({ prefix: Uint8Array; lat: number; long: number } | undefined)[];
  readonly tag: string;
  /** Event time (seconds) up to which transactions have been drawn. */
  horizon: number;
  /** Drawn rows not yet in a written file, sorted by time. */
  pending: StreamRow[] = [];
  draws: number;
  files: number;
  tokens: number;
  tokensAtMs: number;

  /**
   * A writer for files named with `tag`, from `at` (default: the start); rows drawn before `at`
   * but not written are not drawn again.
   */
  constructor(settings: StreamSettings, tag: string, at = startPosition(settings)) {
    this.settings = settings;
    this.factory = new CustomerFactory(settings.seed, civilDate(settings.asOf));
    const cores = Array.from({ length: settings.customers }, (_, i) => this.factory.core(i));
    this.model = new StreamModel({
      cores,
      seed: settings.seed,
      fidelity: settings.fidelity,
      startDay: Math.floor(settings.startSeconds / DAY_SECONDS),
    });
    this.#prefixes = new Array(settings.customers).fill(undefined);
    this.tag = tag;
    this.horizon = at.horizon;
    this.draws = at.draws;
    this.files = at.files;
    this.tokens = at.tokens;
    this.tokensAtMs = at.tokensAtMs;
  }

  /** Where the stream stands now. */
  position(): StreamPosition {
    const { horizon, draws, files, tokens, tokensAtMs } = this;
    return { horizon, draws, files, tokens, tokensAtMs };
  }

  /** The encoded customer part of `index`, drawn on first use. */
  customer(index: number): { prefix: Uint8Array; lat: number; long: number } {
    let entry = this.#prefixes[index];
    if (entry === undefined) {
      const customer = this.factory.customer(index);
      entry = {
        prefix: new TextEncoder().encode(customerLine(customer) + "|"),
        lat: Number(customer.home.lat),
        long: Number(customer.home.long),
      };
      this.#prefixes[index] = entry;
    }
    return entry;
  }
}

/** What `step` is told: the wall time elapsed since the stream started, and if it is the last. */
export interface StepRequest {
  elapsedMs: number;
  final: boolean;
}

/** What one `step` did. */
export interface StepResult {
  /** Drawing stopped short of the clock at the batch size limit. */
  behind: boolean;
  /** The file written, if any rows were due. */
  written?: WrittenBatch;
}

/**
 * Draws up to the event time `elapsedMs` stands for (unless the backlog is full) and writes one
 * batch file under its temporary name.
 */
export function step(state: StreamState, request: StepRequest): StepResult {
  const { settings } = state;
  const elapsed = request.final && settings.durationMs > 0
    ? settings.durationMs
    : Math.min(request.elapsedMs, settings.durationMs || Number.POSITIVE_INFINITY);
  const target = Math.floor(settings.startSeconds + (elapsed / 1000) * settings.speed);
  if (settings.rate > 0) {
    const burst = settings.rate * Math.max(1, (2 * settings.batchMs) / 1000);
    const refill = (settings.rate * Math.max(0, request.elapsedMs - state.tokensAtMs)) / 1000;
    state.tokens = Math.min(burst, state.tokens + refill);
  }
  state.tokensAtMs = request.elapsedMs;
  const backlogLimit = settings.rate > 0 ? Math.max(1, 2 * settings.rate) : Infinity;
  let behind = false;
  if (target > state.horizon && state.pending.length < backlogLimit) {
    const random = new Random(settings.seed, STREAM.streamBatches, state.draws);
    let horizon = state.horizon;
    // Drawn an hour at a time, so the last hour may pass the batch limit: what is over it waits
    // in the backlog for the next file, and the next draw only fills the backlog up to it. Each
    // hour's rows are sorted on their own: an hour's draw holds that hour only, so the backlog is
    // in the order one stable sort of all of them would give.
    const pending = state.pending;
    const hour: StreamRow[] = [];
    while (horizon < target && pending.length < MAX_BATCH_ROWS) {
      const until = Math.min(target, horizon + DRAW_STEP_SECONDS);
      hour.length = 0;
      state.model.draw(horizon, until, random, hour);
      sortHour(hour, horizon, settings.customers);
      for (let i = 0; i < hour.length; i++) pending.push(hour[i]);
      horizon = until;
    }
    state.horizon = horizon;
    state.draws++;
    behind = horizon < target;
  }
  const take = Math.min(
    state.pending.length,
    MAX_BATCH_ROWS,
    settings.rate > 0 ? Math.floor(state.tokens) : Number.POSITIVE_INFINITY,
  );
  if (take === 0) return { behind };
  const batch = state.pending.slice(0, take);
  const written = writeBatch(state, batch);
  // Only once the file is written: a batch that failed is still the backlog's.
  state.pending.splice(0, take);
  if (settings.rate > 0) state.tokens -= take;
  state.files++;
  return { behind, written };
}

/** Sort keys of `sortHour`, reused from one hour to the next. */
let sortKeys = new Float64Array(1024);
/** The rows of `sortHour` in their new order, reused from one hour to the next. */
const sortedRows: StreamRow[] = [];

/**
 * Sorts the rows of one hour's draw from `from` (event times in [from, from + 3600), cards below
 * `customers`) by event time, then by card, rows of the same card and second staying in the order
 * drawn: the order of a stable sort of them by `time` and `customer`. The rows are ordered by one
 * number each, their second in the hour, card and place drawn, sorted as a typed array without a
 * comparing function: about 0.25 µs a row less than `Array.prototype.sort` with one, at 5,000 cards
 * (there a fifth of the writer's time).
 *
 * @throws {RangeError} a row outside the hour.
 */
export function sortHour(rows: StreamRow[], from: number, customers: number): void {
  const n = rows.length;
  if (DRAW_STEP_SECONDS * customers * n >= 2 ** 53) {
    // A key would not be a whole number exactly: compared field by field instead.
    rows.sort((a, b) => a.time - b.time || a.customer - b.customer);
    return;
  }
  if (sortKeys.length < n) sortKeys = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    const row = rows[i];
    const second = row.time - from;
    if (!(second >= 0 && second < DRAW_STEP_SECONDS)) {
      throw new RangeError(`a row drawn for the hour from ${from} is at ${row.time}`);
    }
    sortKeys[i] = (second * customers + row.customer) * n + i;
  }
  const keys = sortKeys.subarray(0, n).sort();
  sortedRows.length = n;
  for (let i = 0; i < n; i++) sortedRows[i] = rows[keys[i] % n];
  for (let i = 0; i < n; i++) rows[i] = sortedRows[i];
}

/** Writes one batch file under its temporary name. */
function writeBatch(state: StreamState, batch: StreamRow[]): WrittenBatch {
  const firstDay = Math.floor(batch[0].time / DAY_SECONDS);
  const lastDay = Math.floor(batch[batch.length - 1].time / DAY_SECONDS);
  const name = `transactions_${state.tag}_${String(state.files).padStart(6, "0")}.csv`;
  const file = new AtomicFile(state.settings.outDir, name);
  try {
    const encoder = new RowEncoder({
      first: firstDay,
      days: lastDay - firstDay + 1,
      sink: (bytes) => file.write(bytes),
      bufferBytes: 1 << 20,
    });
    encoder.writeLine(HEADER);
    // The ids are drawn here: keyed by the stream's start too, as its rows are (by the clock).
    const { seed, startSeconds, fidelity } = state.settings;
    const random = new Random(
      seed,
      STREAM.rowDetails,
      startSeconds,
      FIDELITIES.indexOf(fidelity),
      state.files,
      state.draws,
    );
    for (const row of batch) {
      const customer = state.customer(row.customer);
      const day = Math.floor(row.time / DAY_SECONDS);
      encoder.writeRow(
        customer.prefix,
        customer,
        day - firstDay,
        row.time - day * DAY_SECONDS,
        row.category,
        row.cents,
        row.fraud,
        random,
      );
    }
    encoder.flush();
    file.close();
    let frauds = 0;
    for (const row of batch) frauds += row.fraud;
    return {
      path: file.path,
      partPath: file.partPath,
      rows: batch.length,
      frauds,
      bytes: file.bytes,
      firstTime: batch[0].time,
      lastTime: batch[batch.length - 1].time,
    };
  } catch (error) {
    file.discard();
    throw error;
  }
}
