// The error budget's arithmetic, apart from where the events come from (so it is checked against
// hand-computed tables): the SLI, the budget spent and left (as a share, as events, as minutes),
// and the projection at the current burn rate — when the budget runs out, and whether the SLA
// would be crossed. The projection mixes what the window holds with the current burn rate: a
// rolling window h from now still holds (W − h)/W of today's events (taken as evenly spread), a
// calendar month adds h to what it has seen so far.

export interface BudgetInput {
  /** Percent (99.9). */
  objective: number;
  /** Percent, below the objective. */
  sla?: number | undefined;
  /** occurrences: events; timeslices: good slices and slices with data. */
  good: number;
  total: number;
  /** The whole window's length (a calendar month's own length). */
  windowMs: number;
  /** Time slices' length (timeslices budgeting), else undefined. */
  sliceMs?: number | undefined;
  /** The window's end so far (now, or a session's end). */
  nowMs: number;
  /** The calendar period's start and end; null for a rolling window. */
  period: { startMs: number; endMs: number } | null;
  /** The burn rate the projection uses; null: no recent events (no projection). */
  burnRateNow: number | null;
}

export interface BudgetResult {
  sli: number | null;
  errorBudget: number;
  consumed: number;
  remaining: number;
  remainingEvents: number;
  remainingMinutes: number;
  /** When the budget runs out at the current burn rate (ms), null when not within the window. */
  exhaustionMs: number | null;
  slaAtRisk: boolean;
}

/** 1 − objective, as Sloth computes it ((100 − 99.9) / 100), so the series and rules match its numbers. */
export const errorBudgetOf = (objectivePercent: number): number => (100 - objectivePercent) / 100;

export function budget(input: BudgetInput): BudgetResult {
  const eb = errorBudgetOf(input.objective);
  const bad = Math.max(0, input.total - input.good);
  const sli = input.total > 0 ? input.good / input.total : null;
  let consumed: number;
  let remainingEvents: number;
  let remainingMinutes: number;
  if (input.sliceMs !== undefined) {
    // Every slice of the window counts toward the allowance, the slices still to come included.
    const allowed = eb * (input.windowMs / input.sliceMs);
    consumed = allowed > 0 ? bad / allowed : bad > 0 ? Infinity : 0;
    remainingEvents = allowed - bad;
    remainingMinutes = (remainingEvents * input.sliceMs) / 60_000;
  } else {
    consumed = input.total > 0 ? bad / input.total / eb : 0;
    remainingEvents = eb * input.total - bad;
    // The budget as minutes of full outage over the window (Google's "equivalent downtime").
    remainingMinutes = ((1 - consumed) * eb * input.windowMs) / 60_000;
  }
  const b = input.burnRateNow;
  let exhaustionMs: number | null = null;
  let projectedEnd = consumed;
  if (consumed >= 1) exhaustionMs = input.nowMs;
  if (input.period) {
    const elapsed = Math.max(1, input.nowMs - input.period.startMs);
    const left = Math.max(0, input.period.endMs - input.nowMs);
    if (b !== null) {
      // consumed(h) = (consumed·elapsed + b·h) / (elapsed + h) reaches 1 when h = elapsed·(1 − consumed)/(b − 1).
      if (consumed < 1 && b > 1) {
        const at = input.nowMs + (elapsed * (1 - consumed)) / (b - 1);
        if (at <= input.period.endMs) exhaustionMs = Math.round(at);
      }
      projectedEnd = (consumed * elapsed + b * left) / (elapsed + left);
    }
  } else if (b !== null) {
    // consumed(h) = consumed·(1 − h/W) + b·h/W reaches 1 when h = W·(1 − consumed)/(b − consumed).
    if (consumed < 1 && b > 1) exhaustionMs = Math.round(input.nowMs + (input.windowMs * (1 - consumed)) / (b - consumed));
    // Its furthest point within a window is one of its ends.
    projectedEnd = Math.max(consumed, b);
  }
  const slaUnits = input.sla !== undefined ? errorBudgetOf(input.sla) / eb : Infinity;
  return {
    sli,
    errorBudget: eb,
    consumed,
    remaining: 1 - consumed,
    remainingEvents,
    remainingMinutes,
    exhaustionMs,
    slaAtRisk: Math.max(consumed, projectedEnd) >= slaUnits,
  };
}

/** The burn rate of `good` out of `total` events: error ratio / error budget (null without events). */
export function burnRate(good: number, total: number, objective: number): number | null {
  return total > 0 ? (total - good) / total / errorBudgetOf(objective) : null;
}

/** Time slices → good slices and slices with data (a slice without events is left out, as OpenSLO's tools do). */
export function sliceCounts(slices: readonly { good: number; total: number }[], targetPercent: number): { good: number; total: number } {
  let good = 0;
  let total = 0;
  for (const s of slices) {
    if (s.total <= 0) continue;
    total++;
    if (s.good / s.total >= targetPercent / 100 - 1e-12) good++;
  }
  return { good, total };
}

/** The UTC calendar month holding `ms`. */
export function monthOf(ms: number): { startMs: number; endMs: number } {
  const d = new Date(ms);
  return { startMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), endMs: Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) };
}
