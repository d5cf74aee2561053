/**
 * Home places of customers: about 33,000 US ZIP codes with their postal city, state, coordinates
 * and populations (see `resources/generator/README.md` for the source and its license), drawn
 * with weights following where people live.
 *
 * @module
 */

import { PLACES_TSV } from "../../../resources/generator/places_data.ts";
import { AliasTable, type Random } from "./random.ts";

/** One home place. */
export interface Place {
  zip: string;
  city: string;
  state: string;
  /** Latitude as written in the table (at most 4 decimals). */
  lat: string;
  /** Longitude as written in the table (at most 4 decimals). */
  long: string;
  /** Population of the postal city (all its ZIP codes). */
  cityPop: number;
}

/** The place table with a population-weighted sampler. */
export class PlaceTable {
  readonly #lines: string[];
  /** Population of each place's ZIP code: the sampling weight. */
  readonly zipPop: Float64Array;
  /** Population of each place's postal city. */
  readonly cityPop: Float64Array;
  readonly #sampler: AliasTable;

  /** Parses the tab-separated table (header line first). */
  constructor(tsv: string) {
    const lines = tsv.split("\n").slice(1).filter((line) => line.length > 0);
    const zipPop = new Float64Array(lines.length);
    const cityPop = new Float64Array(lines.length);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const last = line.lastIndexOf("\t");
      const before = line.lastIndexOf("\t", last - 1);
      cityPop[i] = Number(line.slice(last + 1));
      zipPop[i] = Number(line.slice(before + 1, last));
    }
    this.#lines = lines;
    this.zipPop = zipPop;
    this.cityPop = cityPop;
    this.#sampler = new AliasTable(zipPop);
  }

  /** Number of places. */
  get size(): number {
    return this.#lines.length;
  }

  /** Index of a place drawn with probability proportional to its population. */
  sample(random: Random): number {
    return this.#sampler.sample(random);
  }

  /** The place at `index`. */
  place(index: number): Place {
    const [zip, city, state, lat, long, , cityPop] = this.#lines[index].split("\t");
    return { zip, city, state, lat, long, cityPop: Number(cityPop) };
  }
}

let shared: PlaceTable | undefined;

/** The place table shipped with fraudstream, parsed on first use. */
export function places(): PlaceTable {
  shared ??= new PlaceTable(PLACES_TSV);
  return shared;
}
