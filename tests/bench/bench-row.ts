// The bench table's row and the few figures every part computes the same way.
import { performance } from 'node:perf_hooks';
import { readFileSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One line of the bench table: a figure, the ceiling it is compared with (same run), the target. */
export interface BenchRow {
  what: string;
  value: string;
  ceiling?: string;
  ratio?: string;
  target: string;
  ok?: boolean;
}

/** The p-th percentile (0–100) of the samples, nearest rank. */
export function percentile(samples: number[], p: number): number {
  const s = samples.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

/** Runs `fn` n times; the time of each run in ms. `before`: run ahead of each, not timed. */
export function timeIt(n: number, fn: () => void, before?: () => void): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    before?.();
    const t0 = performance.now();
    fn();
    out.push(performance.now() - t0);
  }
  return out;
}

/** The bound on the engine's resident memory (issue 15: steady state, big folders, 100M records). */
export const PEAK_RSS_TARGET_MB = 500;

/**
 * The peak resident memory of a process (MB): Linux's VmHWM of /proc/<pid>/status, which
 * `resetPeakRss` sets back to the memory resident now, so that a phase's own peak is read. Off
 * Linux, this process's peak since it started (process.resourceUsage), and null for another.
 */
export function peakRssMb(pid: number | 'self' = 'self'): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // No /proc (macOS, Windows): below.
  }
  return pid === 'self' ? process.resourceUsage().maxRSS / 1024 : null;
}

/**
 * Starts a phase's peak (Linux; elsewhere the process's peak stays the one since it started) and
 * returns the resident memory now (MB), what the bench itself holds. The bench's own garbage goes
 * first (e.g. the lines it generated: V8 frees them only at a full collection, which may come late).
 */
export function resetPeakRss(): number {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
  try {
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // No /proc: peakRssMb reads the peak since the start.
  }
  return process.memoryUsage.rss() / 1024 / 1024;
}

/**
 * A bench row of a peak resident memory against the bound. `benchMb`: what the bench's
 * process held before the phase (its own modules and data, not the engine's), judged apart.
 */
export function peakRssRow(what: string, mb: number | null, benchMb?: number): BenchRow {
  const engineMb = mb === null ? null : mb - (benchMb ?? 0);
  return {
    what,
    value:
      mb === null
        ? 'not measured here (no /proc)'
        : benchMb === undefined
          ? `${mb.toFixed(0)} MB`
          : `${mb.toFixed(0)} MB, of which the bench's before the engine opened ${benchMb.toFixed(0)} MB: the engine's ${engineMb!.toFixed(0)} MB`,
    target: `< ${PEAK_RSS_TARGET_MB} MB${benchMb === undefined ? '' : " (the engine's)"}`,
    ok: engineMb === null ? undefined : engineMb < PEAK_RSS_TARGET_MB,
  };
}
