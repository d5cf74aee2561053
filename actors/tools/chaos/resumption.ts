/**
 * When each partition of a topic first moved on after a fault: the time until the last of them
 * did is how long the fault stalled the pipeline, takeover of a dead consumer's partitions
 * included (the surviving consumer's own partitions resume at once and do not hide it).
 *
 * @module
 */

/** Tracks per-partition end offsets from a moment on and when each partition first grew. */
export class PartitionResumption {
  #from?: number;
  #baseline?: number[];
  readonly #resumed = new Map<number, number>();

  /** Starts watching at `at` (a `performance.now()` time); end offsets seen before are ignored. */
  watchFrom(at: number): void {
    this.#from = at;
  }

  /** Records the end offsets of every partition seen at `now`. */
  observe(ends: number[], now = performance.now()): void {
    if (this.#from === undefined || now < this.#from) return;
    if (!this.#baseline) {
      this.#baseline = [...ends];
      return;
    }
    ends.forEach((end, partition) => {
      if (end > (this.#baseline![partition] ?? 0) && !this.#resumed.has(partition)) {
        this.#resumed.set(partition, now);
      }
    });
  }

  /** Time from `since` until the last of `partitions` moved on; undefined while one has not. */
  recoveredAfter(since: number, partitions: number): number | undefined {
    if (this.#resumed.size < partitions) return undefined;
    return Math.max(...this.#resumed.values()) - since;
  }
}
