// How the series store reads one select's points, from the PromQL engine's hints (SelectHints):
// only the windows of the steps when steps are further apart than a window; for an instant
// selector at steps a minute or more apart, the newest point of each step's lookback; and for
// rate()/increase() over a window of 5 slots or more at steps of a slot or more, the 1-minute or
// 1-hour rollups (see sqlite-series-store.ts's header for why their answers are Prometheus's).
import type { SelectHints } from './promql/storage.js';
import { ROLLUP_RESOLUTIONS } from './metric-writer.js';

/**
 * Rollups serve a window of at least this many of their slots, at steps of at least one slot (a
 * chart's point spans a slot or more: finer steps would show the slots).
 */
const ROLLUP_MIN_SLOTS = 5;
/** An instant selector's steps at least this far apart read the newest point of each step. */
const NEWEST_PER_STEP_MIN_MS = 60_000;

/** The windows a selector is read in: [t - range, t] for t = first, first + step, … last (ms). */
export interface Steps {
  first: number;
  last: number;
  step: number;
  range: number;
}

/** How one select reads: the window, and what the hints allow. */
export interface ReadPlan {
  startMs: number;
  endMs: number;
  /** The steps' windows, when the hints gave them. */
  steps: Steps | null;
  /** Read only the points inside the windows (they leave gaps: steps further apart than a window). */
  windowsOnly: boolean;
  /** Read the newest point of each window (an instant selector). */
  newest: boolean;
  /** The rollup resolution rate()/increase() may read, seconds. */
  rollupRes: number | null;
}

export function readPlan(startMs: number, endMs: number, hints: SelectHints | undefined): ReadPlan {
  const plan: ReadPlan = { startMs, endMs, steps: null, windowsOnly: false, newest: false, rollupRes: null };
  if (!hints || hints.stepMs <= 0) return plan;
  const { firstMs, stepMs, rangeMs } = hints;
  // The SQL below does integer arithmetic on the steps.
  if (![firstMs, stepMs, rangeMs, hints.lastMs].every(Number.isSafeInteger)) return plan;
  const last = firstMs + Math.floor((hints.lastMs - firstMs) / stepMs) * stepMs;
  plan.steps = { first: firstMs, last, step: stepMs, range: rangeMs };
  if (hints.instant) {
    plan.newest = stepMs >= NEWEST_PER_STEP_MIN_MS;
    return plan;
  }
  plan.windowsOnly = stepMs > rangeMs;
  if (hints.func === 'rate' || hints.func === 'increase') {
    plan.rollupRes =
      [...ROLLUP_RESOLUTIONS].reverse().find((res) => res * 1000 <= stepMs && res * 1000 * ROLLUP_MIN_SLOTS <= rangeMs) ?? null;
  }
  return plan;
}

/** A read plan as a string: equal plans read the same rows. */
export function planKeyOf(plan: ReadPlan): string {
  const s = plan.steps;
  return `${plan.startMs},${plan.endMs},${s ? `${s.first},${s.last},${s.step},${s.range}` : ''},${plan.windowsOnly},${plan.newest},${plan.rollupRes}`;
}
