/**
 * Peak resident memory of this process, main thread and Web Workers together (workers are
 * threads of the same process), from Linux's `/proc/self/status`.
 *
 * @module
 */

/** Peak resident set size in bytes (`VmHWM`), or undefined where /proc is not available. */
export function peakResidentBytes(): number | undefined {
  return statusKilobytes("VmHWM");
}

/** Current resident set size in bytes (`VmRSS`), or undefined where /proc is not available. */
export function residentBytes(): number | undefined {
  return statusKilobytes("VmRSS");
}

/**
 * Resets the peak to the current resident size (Linux 4.0+), so the next `peakResidentBytes`
 * measures one phase; returns whether it could.
 */
export function resetPeakResident(): boolean {
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
    return true;
  } catch {
    return false;
  }
}

/** Bytes as GB (10^9) with two decimals, or "n/a". */
export function formatGigabytes(bytes: number | undefined): string {
  return bytes === undefined ? "n/a" : `${(bytes / 1e9).toFixed(2)} GB`;
}

function statusKilobytes(field: string): number | undefined {
  try {
    const status = Deno.readTextFileSync("/proc/self/status");
    const match = status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
