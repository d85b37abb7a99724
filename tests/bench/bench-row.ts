// The bench table's row and the few figures every part computes the same way.
import { performance } from 'node:perf_hooks';

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
