/**
 * How a training set is split into files and work units. Customers are processed in chunks of
 * consecutive indexes; each (chunk, profile) pair is one file, `<profile>_<first>-<last>.csv`
 * with zero-padded indexes, and one unit of work.
 *
 * The chunk size is Sparkov's formula `max(min(floor(N/5), 1000), 1000*floor(N/(1000*cpus)))`
 * with the CPU count taken as unbounded, i.e. `min(floor(N/5), 1000)` (at least 1): the files,
 * and so every byte of output, must not depend on the number of workers. For N up to 2,000 on
 * a 2-CPU machine this is exactly Sparkov's chunking.
 *
 * @module
 */

import { PROFILE_NAMES } from "./profiles.ts";

/** Most customers per chunk. */
export const MAX_CHUNK_CUSTOMERS = 1000;

/** A range of consecutive customer indexes. */
export interface Chunk {
  /** Position of the chunk, from 0. */
  index: number;
  /** First customer index. */
  first: number;
  /** Last customer index (included). */
  last: number;
}

/** One file of the training set: the transactions of one profile's customers in one chunk. */
export interface WorkUnit {
  /** Position of the unit in the plan, from 0. */
  index: number;
  chunk: Chunk;
  /** Profile number (index in `PROFILE_NAMES`). */
  profile: number;
  /** File name inside the output folder. */
  file: string;
}

/** Customers per chunk for `customers` customers. */
export function chunkSize(customers: number): number {
  return Math.max(1, Math.min(Math.floor(customers / 5), MAX_CHUNK_CUSTOMERS));
}

/** The chunks covering customers `0 .. customers - 1`. */
export function planChunks(customers: number): Chunk[] {
  const size = chunkSize(customers);
  const chunks: Chunk[] = [];
  for (let first = 0, index = 0; first < customers; first += size, index++) {
    chunks.push({ index, first, last: Math.min(customers, first + size) - 1 });
  }
  return chunks;
}

/** File name of a profile's transactions in a chunk, e.g. `adults_50up_male_urban_20-39.csv`. */
export function unitFileName(profile: number, chunk: Chunk, customers: number): string {
  const width = String(customers - 1).length;
  const pad = (n: number) => String(n).padStart(width, "0");
  return `${PROFILE_NAMES[profile]}_${pad(chunk.first)}-${pad(chunk.last)}.csv`;
}

/** Every unit of a run, chunk by chunk, profiles in `PROFILE_NAMES` order. */
export function planUnits(customers: number): WorkUnit[] {
  const units: WorkUnit[] = [];
  for (const chunk of planChunks(customers)) {
    for (let profile = 0; profile < PROFILE_NAMES.length; profile++) {
      units.push({
        index: units.length,
        chunk,
        profile,
        file: unitFileName(profile, chunk, customers),
      });
    }
  }
  return units;
}

/** Name of the file holding the 16 customer columns of every customer. */
export const CUSTOMERS_FILE = "customers.csv";
