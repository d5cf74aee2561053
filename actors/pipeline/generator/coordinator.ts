/**
 * The coordinator of a training run: hands the (chunk, profile) files to the worker actors, two
 * at a time each so a worker never waits for its next file, and writes `customers.csv` in
 * customer order as the chunks complete.
 *
 * @module
 */

import { COLUMNS, CSV_SEPARATOR, CUSTOMER_COLUMN_COUNT } from "../../../model/schema.ts";
import type { ActorAddress, ActorContext, ActorRef } from "../../runtime/mod.ts";
import { AtomicFile } from "../../lib/atomic_write.ts";
import { GenerationInterruptedError } from "./errors.ts";
import { CUSTOMERS_FILE, type WorkUnit } from "./plan.ts";
import { PROFILE_NAMES } from "./profiles.ts";
import type { UnitResult } from "./unit_worker.ts";

/** Messages in flight per worker. */
export const IN_FLIGHT_PER_WORKER = 2;

/** Header of `customers.csv`: the 16 customer columns. */
export const CUSTOMERS_HEADER: string = COLUMNS.slice(0, CUSTOMER_COLUMN_COUNT).join(CSV_SEPARATOR);

/** What a finished run wrote. */
export interface RunTotals {
  rows: number;
  frauds: number;
  bytes: number;
  files: number;
}

/** What the coordinator needs from the run. */
export interface CoordinatorOptions {
  units: readonly WorkUnit[];
  chunks: number;
  outDir: string;
  /** The worker actors, relative to the coordinator's parent. */
  workers: readonly ActorAddress<WorkUnit, UnitResult>[];
  /** Called with each finished unit. */
  onUnit: (unit: WorkUnit, result: UnitResult) => void;
}

/**
 * Runs every unit on the workers and writes `customers.csv`; resolves with the totals, rejects
 * with the first failure (a unit dead-lettered after its retry) or when interrupted.
 */
export async function coordinate(
  ctx: ActorContext,
  options: CoordinatorOptions,
): Promise<RunTotals> {
  const { units } = options;
  const refs = options.workers.map((address) => ctx.sibling(address));
  const customers = new CustomersFile(options.outDir, options.chunks);
  const totals: RunTotals = { rows: 0, frauds: 0, bytes: 0, files: 0 };
  let next = 0;
  let failure: unknown;
  const lane = async (ref: ActorRef<WorkUnit, UnitResult>) => {
    while (failure === undefined && !ctx.signal.aborted && next < units.length) {
      const unit = units[next++];
      let result: UnitResult;
      try {
        result = await ref.call(unit, { signal: ctx.signal });
      } catch (error) {
        failure ??= error;
        return;
      }
      totals.rows += result.rows;
      totals.frauds += result.frauds;
      totals.bytes += result.bytes;
      totals.files++;
      customers.add(unit, result.customers);
      options.onUnit(unit, result);
    }
  };
  try {
    await Promise.all(
      refs.flatMap((ref) => Array.from({ length: IN_FLIGHT_PER_WORKER }, () => lane(ref))),
    );
    if (failure !== undefined) throw failure;
    if (ctx.signal.aborted || next < units.length) {
      throw new GenerationInterruptedError("generation was interrupted");
    }
    totals.bytes += customers.commit();
    totals.files++;
    return totals;
  } catch (error) {
    customers.discard();
    throw error;
  }
}

/** `customers.csv`, written chunk by chunk in customer order as the chunks' files complete. */
class CustomersFile {
  readonly #file: AtomicFile;
  readonly #pending = new Map<number, { lines: string[]; units: number }>();
  readonly #encoder = new TextEncoder();
  readonly #chunks: number;
  #nextChunk = 0;

  constructor(dir: string, chunks: number) {
    this.#file = new AtomicFile(dir, CUSTOMERS_FILE);
    this.#chunks = chunks;
    this.#file.write(this.#encoder.encode(CUSTOMERS_HEADER + "\n"));
  }

  /** Records the customers of a finished unit; writes every chunk that is now complete. */
  add(unit: WorkUnit, customers: [number, string][]): void {
    let entry = this.#pending.get(unit.chunk.index);
    if (!entry) {
      entry = { lines: new Array(unit.chunk.last - unit.chunk.first + 1), units: 0 };
      this.#pending.set(unit.chunk.index, entry);
    }
    for (const [index, line] of customers) entry.lines[index - unit.chunk.first] = line;
    entry.units++;
    for (;;) {
      const ready = this.#pending.get(this.#nextChunk);
      if (!ready || ready.units < PROFILE_NAMES.length) break;
      const text = ready.lines.filter((line) => line !== undefined).join("\n");
      if (text.length > 0) this.#file.write(this.#encoder.encode(text + "\n"));
      this.#pending.delete(this.#nextChunk);
      this.#nextChunk++;
    }
  }

  /** Gives the file its final name once every chunk is written; returns its size. */
  commit(): number {
    if (this.#nextChunk !== this.#chunks) {
      throw new Error(`customers.csv is missing ${this.#chunks - this.#nextChunk} chunks`);
    }
    this.#file.commit();
    return this.#file.bytes;
  }

  /** Removes the temporary file of a run that did not complete. */
  discard(): void {
    this.#file.discard();
  }
}
