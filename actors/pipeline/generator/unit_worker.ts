/**
 * The worker actor of a training run: writes one profile file of one chunk per message, from
 * scratch, under a temporary name renamed when complete, so a unit redone after a crash neither
 * loses nor duplicates rows.
 *
 * @module
 */

import { HEADER } from "../../../model/schema.ts";
import type { WorkerBehavior, WorkerContext } from "../../runtime/mod.ts";
import { delay } from "../../lib/async.ts";
import { AtomicFile } from "../../lib/atomic_write.ts";
import { type CivilDate, civilDate } from "./calendar.ts";
import { CardDrawer } from "./cards.ts";
import { type CustomerCore, CustomerFactory, customerLine } from "./customers.ts";
import { RowEncoder } from "./encoder.ts";
import type { WorkUnit } from "./plan.ts";
import { Random, STREAM } from "./random.ts";
import { FIDELITIES, type Fidelity } from "./modes.ts";
import { TransactionColumns } from "./sampler.ts";

/** Settings of a training run, given to every worker when it starts. */
export interface UnitWorkerArgs {
  seed: number;
  /** First and last day (day numbers) of the range. */
  first: number;
  last: number;
  fidelity: Fidelity;
  /** Reference day (day number) on which customers have their drawn age. */
  asOf: number;
  outDir: string;
  /** Injected failure, for tests of crash recovery: crash once in this unit's file. */
  crashInFile?: string;
}

/** What a worker reports for a finished unit. */
export interface UnitResult {
  unit: number;
  rows: number;
  frauds: number;
  /** Bytes of the unit's file. */
  bytes: number;
  /** `customers.csv` lines of the unit's customers: [customer index, line]. */
  customers: [number, string][];
}

/** Progress inside a unit, emitted while it runs (cumulative for that unit). */
export interface UnitProgress {
  unit: number;
  rows: number;
  bytes: number;
  customersDone: number;
}

/** How long a worker computes before it lets heartbeats and progress through, in ms. */
const YIELD_EVERY_MS = 200;

const encoder = new TextEncoder();

/** Creates the behaviour of one training worker. */
export function unitWorker(
  args: UnitWorkerArgs,
): WorkerBehavior<WorkUnit, UnitResult, UnitProgress> {
  const asOf: CivilDate = civilDate(args.asOf);
  const factory = new CustomerFactory(args.seed, asOf);
  const cards = new CardDrawer({
    seed: args.seed,
    first: args.first,
    last: args.last,
    fidelity: args.fidelity,
  });
  const columns = new TransactionColumns();
  const rowRandom = new Random(0);
  let output: AtomicFile | undefined;
  const rows = new RowEncoder({
    first: args.first,
    days: args.last - args.first + 1,
    sink: (bytes) => output!.write(bytes),
  });
  let cached: { chunk: number; cores: CustomerCore[] } | undefined;

  const coresOf = (unit: WorkUnit): CustomerCore[] => {
    if (cached?.chunk !== unit.chunk.index) {
      const cores: CustomerCore[] = [];
      for (let i = unit.chunk.first; i <= unit.chunk.last; i++) cores.push(factory.core(i));
      cached = { chunk: unit.chunk.index, cores };
    }
    return cached.cores;
  };

  return {
    async handle(unit: WorkUnit, ctx: WorkerContext<UnitProgress>): Promise<UnitResult> {
      const file = new AtomicFile(args.outDir, unit.file);
      output = file;
      try {
        const startBytes = rows.bytes;
        rows.writeLine(HEADER);
        const result: UnitResult = {
          unit: unit.index,
          rows: 0,
          frauds: 0,
          bytes: 0,
          customers: [],
        };
        let lastYield = performance.now();
        let done = 0;
        for (const core of coresOf(unit)) {
          done++;
          if (core.profile !== unit.profile) continue;
          const customer = factory.customer(core.index, core);
          const line = customerLine(customer);
          result.customers.push([core.index, line]);
          result.frauds += cards.draw(columns, core.index, core.profile);
          // The ids are drawn here: keyed by what makes the rows, so other rows get other ids.
          rowRandom.reseed(
            args.seed,
            core.index,
            STREAM.rowDetails,
            args.first,
            args.last,
            FIDELITIES.indexOf(args.fidelity),
          );
          rows.writeTransactions(
            encoder.encode(line + "|"),
            { lat: Number(customer.home.lat), long: Number(customer.home.long) },
            columns,
            rowRandom,
          );
          result.rows += columns.length;
          if (args.crashInFile === unit.file && ctx.restarts === 0 && result.rows > 0) {
            await crashHard(rows);
          }
          if (performance.now() - lastYield > YIELD_EVERY_MS) {
            ctx.emit({
              unit: unit.index,
              rows: result.rows,
              bytes: rows.bytes - startBytes,
              customersDone: done,
            });
            await delay(0);
            lastYield = performance.now();
          }
        }
        rows.flush();
        result.bytes = rows.bytes - startBytes;
        file.commit();
        return result;
      } catch (error) {
        rows.discard();
        file.discard();
        throw error;
      } finally {
        output = undefined;
      }
    },
  };
}

/**
 * The injected failure: part of the file is on disk, then the worker dies of an uncaught error
 * while the message is still being handled, as a real crash would.
 */
function crashHard(rows: RowEncoder): Promise<never> {
  rows.flush();
  setTimeout(() => {
    throw new Error("injected crash while writing a unit (test)");
  }, 0);
  return new Promise<never>(() => {});
}
