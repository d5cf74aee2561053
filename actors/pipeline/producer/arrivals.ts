/**
 * Files arriving in the producer's input folder, as a wake-up between its scans: a scan that
 * found nothing waits for the poll interval or for the next file created or moved into the folder
 * (or a folder below it), whichever comes first. A file renamed in when complete, as generators
 * do, is read at once instead of up to a poll interval later (on average half of it, 25 ms for
 * `run`, 125 ms for `fraudstream produce`, added to every file's detection latency).
 *
 * The folder is watched with `Deno.watchFs` (inotify on Linux). Only arrivals wake: files still
 * being written (`isIncomplete` names) and writes to files already there do not, so a writer
 * appending to a file does not set off a scan per write; growth and settling are seen by the
 * polls, as before. Where the folder cannot be watched (it does not exist yet, no watches are
 * left, a file system that gives no events) or the watch ends, the waits are the polls alone.
 *
 * @module
 */

import { delay } from "../../lib/async.ts";
import { isIncomplete } from "./files.ts";

/** The kinds of event by which a file or folder appears in the watched folder. */
const ARRIVALS: ReadonlySet<Deno.FsEvent["kind"]> = new Set(["create", "rename"]);

/**
 * Waits between scans of a folder that end early when a file arrives in it.
 *
 * @example Scan, then wait at most 250 ms for the next file
 * ```ts
 * const dir = await Deno.makeTempDir();
 * const arrivals = new FolderArrivals(dir);
 * const stop = new AbortController();
 * setTimeout(() => Deno.writeTextFileSync(`${dir}/a.csv`, "x\n"), 10);
 * await arrivals.wait(250, stop.signal); // back within a few ms of the file's creation
 * arrivals.close();
 * ```
 */
export class FolderArrivals {
  readonly #watcher: Deno.FsWatcher | undefined;
  /** Whether a file arrived since the last wait returned. */
  #arrived = false;
  /** Ends the wait under way, if any. */
  #wake: (() => void) | undefined;

  /** Watches `dir` and the folders below it (if it can: otherwise waits are plain delays). */
  constructor(dir: string) {
    try {
      this.#watcher = Deno.watchFs(dir, { recursive: true });
    } catch {
      this.#watcher = undefined;
    }
    if (this.#watcher) this.#listen(this.#watcher);
  }

  /** Whether the folder is watched (false: waits last their whole time). */
  get watching(): boolean {
    return this.#watcher !== undefined;
  }

  async #listen(watcher: Deno.FsWatcher): Promise<void> {
    try {
      for await (const event of watcher) {
        if (ARRIVALS.has(event.kind) && event.paths.some((path) => !isIncomplete(path))) {
          this.#arrived = true;
          this.#wake?.();
        }
      }
    } catch {
      // The watch ended (the folder went away): the waits are the polls alone.
    }
  }

  /**
   * Waits `ms`, or until a file arrives, or at once if one arrived since the last wait returned;
   * false when `signal` is aborted (as `delay`).
   */
  async wait(ms: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return false;
    if (!this.#arrived) {
      const woken = new AbortController();
      this.#wake = () => woken.abort();
      await delay(ms, signal ? AbortSignal.any([signal, woken.signal]) : woken.signal);
      this.#wake = undefined;
    }
    this.#arrived = false;
    return !signal?.aborted;
  }

  /** Stops watching. */
  close(): void {
    try {
      this.#watcher?.close();
    } catch {
      // already closed
    }
  }
}
