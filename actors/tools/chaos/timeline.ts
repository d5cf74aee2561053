/**
 * Throughput over time, sampled from a growing counter, to compare the rate before, during and
 * after a fault.
 *
 * @module
 */

interface Sample {
  at: number;
  count: number;
}

/** Samples a cumulative counter at a fixed interval. */
export class Timeline {
  readonly #samples: Sample[] = [];
  readonly #timer: ReturnType<typeof setInterval>;

  /** Starts sampling `read()` every `intervalMs`. */
  constructor(readonly read: () => number, intervalMs = 100) {
    this.#samples.push({ at: performance.now(), count: read() });
    this.#timer = setInterval(() => this.sample(), intervalMs);
  }

  /** Takes a sample now. */
  sample(): void {
    this.#samples.push({ at: performance.now(), count: this.read() });
  }

  /** Stops sampling. */
  stop(): void {
    clearInterval(this.#timer);
    this.sample();
  }

  /** Average rate (per second) between two instants (`performance.now()` times). */
  rate(from: number, to: number): number {
    if (to <= from) return 0;
    const at = (time: number) => {
      let best = this.#samples[0];
      for (const sample of this.#samples) {
        if (sample.at <= time) best = sample;
        else break;
      }
      return best;
    };
    const start = at(from);
    const end = at(to);
    const seconds = (end.at - start.at) / 1000;
    return seconds > 0 ? Math.round((end.count - start.count) / seconds) : 0;
  }

  /** Rate (per second) in each whole second from `from` to `to`, for a throughput chart. */
  perSecond(from: number, to: number): number[] {
    const out: number[] = [];
    for (let t = from; t + 1000 <= to + 1; t += 1000) out.push(this.rate(t, t + 1000));
    return out;
  }
}
