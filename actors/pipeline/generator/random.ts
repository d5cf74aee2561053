/**
 * The generator's random numbers: a fast seeded generator (xoshiro128**) whose independent
 * streams are derived from (seed, customer index, purpose), so that what a customer gets never
 * depends on how the work is split between workers; plus the distributions the profiles need.
 *
 * @module
 */

/** What a derived random stream is used for; each purpose gets its own independent stream. */
export const STREAM = {
  /** Gender, age, date of birth, home place. */
  core: 1,
  /** Names, street, job, SSN, card and account numbers. */
  identity: 2,
  /** Train mode: number of transactions, fraud window and every transaction. */
  transactions: 3,
  /** Stream mode: per-card yearly settings (fraud window and burst). */
  streamYear: 4,
  /** Stream mode: the batches of one run. */
  streamBatches: 5,
  /** Reference tables built from a fixed seed (merchants). */
  tables: 6,
  /** Per transaction row: merchant, merchant location, transaction number. */
  rowDetails: 7,
} as const;

const TWO_POW_32 = 4294967296;

/** Mixes 32 bits into 32 well-spread bits (the finaliser of MurmurHash3). */
function mix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A seeded pseudo-random generator (xoshiro128**) with uniform helpers. */
export class Random {
  #s0 = 0;
  #s1 = 0;
  #s2 = 0;
  #s3 = 0;
  #spareNormal = Number.NaN;

  /** A generator whose sequence is determined by the key words (e.g. seed, index, purpose). */
  constructor(...key: number[]) {
    this.reseed(...key);
  }

  /** Restarts the sequence from the given key words. */
  reseed(...key: number[]): void {
    let h = 0x9e3779b9;
    for (const word of key) {
      // Split numbers above 2^32 (e.g. customer indexes of huge runs) into two words.
      const low = word >>> 0;
      const high = Math.floor(word / TWO_POW_32) >>> 0;
      h = mix32(h ^ mix32(low + 0x7f4a7c15));
      if (high !== 0) h = mix32(h ^ mix32(high + 0x2545f491));
    }
    this.#s0 = mix32(h + 0x243f6a88) | 0;
    this.#s1 = mix32(h + 0x85a308d3) | 0;
    this.#s2 = mix32(h + 0x13198a2e) | 0;
    this.#s3 = mix32(h + 0x03707344) | 0;
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
    this.#spareNormal = Number.NaN;
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const s1 = this.#s1;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= s1;
    this.#s1 = s1 ^ this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    this.#s3 = rotl(this.#s3, 11);
    return result >>> 0;
  }

  /** A uniform number in [0, 1) with 32 bits of resolution. */
  float(): number {
    return this.u32() / TWO_POW_32;
  }

  /** A uniform integer in [0, n) for n up to 2^32. */
  below(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** A uniform integer in [low, high], both included. */
  between(low: number, high: number): number {
    return low + Math.floor(this.float() * (high - low + 1));
  }

  /** A uniform number in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.float();
  }

  /** A standard normal draw (Marsaglia's polar method; every second draw is the spare one). */
  normal(): number {
    const spare = this.#spareNormal;
    if (spare === spare) {
      this.#spareNormal = Number.NaN;
      return spare;
    }
    for (;;) {
      const u = 2 * this.float() - 1;
      const v = 2 * this.float() - 1;
      const s = u * u + v * v;
      if (s > 0 && s < 1) {
        const factor = Math.sqrt(-2 * Math.log(s) / s);
        this.#spareNormal = v * factor;
        return u * factor;
      }
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Precomputed constants of a Gamma distribution, for fast repeated draws. */
export interface GammaSpec {
  shape: number;
  scale: number;
  /** Marsaglia-Tsang constants for max(shape, shape + 1). */
  d: number;
  c: number;
  /** 1 / shape when shape < 1 (boost exponent), else 0. */
  boost: number;
}

/** Gamma parameters from a mean and standard deviation (shape mean²/sd², scale sd²/mean). */
export function gammaFromMoments(mean: number, stdev: number): GammaSpec {
  const shape = (mean * mean) / (stdev * stdev);
  const scale = (stdev * stdev) / mean;
  const base = shape < 1 ? shape + 1 : shape;
  const d = base - 1 / 3;
  return { shape, scale, d, c: 1 / Math.sqrt(9 * d), boost: shape < 1 ? 1 / shape : 0 };
}

/** A Gamma draw (Marsaglia and Tsang, with the usual boost for shapes below 1). */
export function gamma(random: Random, spec: GammaSpec): number {
  const { d, c } = spec;
  let value: number;
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = random.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = random.float();
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2 || Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) {
      value = d * v;
      break;
    }
  }
  if (spec.boost !== 0) value *= Math.pow(1 - random.float(), spec.boost);
  return value * spec.scale;
}

/** A Poisson draw with mean `lambda` (inversion for small means, normal approximation above). */
export function poisson(random: Random, lambda: number): number {
  if (lambda <= 0) return 0;
  if (lambda > 500) {
    return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * random.normal()));
  }
  if (lambda > 30) {
    // Split large means so the inversion below never underflows exp(-lambda).
    const half = lambda / 2;
    return poisson(random, half) + poisson(random, lambda - half);
  }
  let k = 0;
  let p = Math.exp(-lambda);
  let cumulative = p;
  const u = random.float();
  while (u > cumulative && k < 1000) {
    k++;
    p *= lambda / k;
    cumulative += p;
  }
  return k;
}

/** Shuffles `values[from..to)` in place (Fisher-Yates). */
export function shuffleRange(
  random: Random,
  values: { [index: number]: number },
  from: number,
  to: number,
): void {
  for (let i = to - 1; i > from; i--) {
    const j = from + Math.floor(random.float() * (i - from + 1));
    const swap = values[i];
    values[i] = values[j];
    values[j] = swap;
  }
}

/**
 * Draws an index with probability proportional to its weight in O(1) (Walker's alias method).
 * Built once per weight table.
 */
export class AliasTable {
  readonly #probability: Float64Array;
  readonly #alias: Uint32Array;

  /** Builds the table; weights must be finite and not all zero. */
  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i];
    if (!(total > 0)) throw new RangeError("an alias table needs a positive total weight");
    const probability = new Float64Array(n);
    const alias = new Uint32Array(n);
    const scaled = new Float64Array(n);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i] * n) / total;
      (scaled[i] < 1 ? small : large).push(i);
    }
    while (small.length > 0 && large.length > 0) {
      const less = small.pop()!;
      const more = large.pop()!;
      probability[less] = scaled[less];
      alias[less] = more;
      scaled[more] = scaled[more] + scaled[less] - 1;
      (scaled[more] < 1 ? small : large).push(more);
    }
    for (const i of large) probability[i] = 1;
    for (const i of small) probability[i] = 1;
    this.#probability = probability;
    this.#alias = alias;
  }

  /** Number of entries. */
  get size(): number {
    return this.#probability.length;
  }

  /** One index drawn by weight. */
  sample(random: Random): number {
    const x = random.float() * this.#probability.length;
    const i = Math.floor(x);
    return x - i < this.#probability[i] ? i : this.#alias[i];
  }
}
