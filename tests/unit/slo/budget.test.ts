// The error budget's arithmetic against hand-computed tables: occurrences over a rolling window,
// a calendar month, time slices; the projection (exhaustion, SLA at risk).
import { describe, expect, it } from 'vitest';
import { budget, burnRate, monthOf, sliceCounts } from '../../../electron/engine/slo/budget.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 0, 11);

describe('error budget', () => {
  it('occurrences over 28 days: 500 bad of 1,000,000 at 99.9% is half the budget', () => {
    const b = budget({
      objective: 99.9,
      sla: 99.5,
      good: 999_500,
      total: 1_000_000,
      windowMs: 28 * DAY,
      nowMs: NOW,
      period: null,
      burnRateNow: 2,
    });
    expect(b.sli).toBeCloseTo(0.9995, 10);
    expect(b.consumed).toBeCloseTo(0.5, 9);
    expect(b.remaining).toBeCloseTo(0.5, 9);
    expect(b.remainingEvents).toBeCloseTo(500, 6); // 1000 allowed − 500 spent
    expect(b.remainingMinutes).toBeCloseTo(20.16, 6); // 0.5 × 0.1% × 40,320 min
    // Rolling: consumed(h) = 0.5(1 − h/W) + 2h/W = 1 at h = W/3 (9 d 8 h).
    expect(b.exhaustionMs).toBe(NOW + (28 * DAY) / 3);
    // The SLA (99.5%) is 5 budgets; a burn of 2 tends to 2.
    expect(b.slaAtRisk).toBe(false);
    expect(
      budget({ objective: 99.9, sla: 99.5, good: 999_500, total: 1_000_000, windowMs: 28 * DAY, nowMs: NOW, period: null, burnRateNow: 6 })
        .slaAtRisk,
    ).toBe(true);
    // A burn of 1 or less never empties a rolling window that is not empty yet.
    expect(
      budget({ objective: 99.9, good: 999_500, total: 1_000_000, windowMs: 28 * DAY, nowMs: NOW, period: null, burnRateNow: 1 })
        .exhaustionMs,
    ).toBeNull();
  });

  it('a calendar month: the projection adds the days left to those seen', () => {
    const period = monthOf(NOW);
    expect(period).toEqual({ startMs: Date.UTC(2026, 0, 1), endMs: Date.UTC(2026, 1, 1) });
    const input = { objective: 99, sla: 98, good: 9_950, total: 10_000, windowMs: 31 * DAY, nowMs: NOW, period };
    const b = budget({ ...input, burnRateNow: 3 });
    expect(b.consumed).toBeCloseTo(0.5, 9); // 0.5% errors of a 1% budget
    expect(b.remainingMinutes).toBeCloseTo(0.5 * 0.01 * 31 * 1440, 6); // 223.2
    // (0.5·10 d + 3h) / (10 d + h) = 1 at h = 2.5 d.
    expect(b.exhaustionMs).toBe(NOW + 2.5 * DAY);
    // At the month's end: (0.5·10 + 3·21) / 31 = 2.19 budgets ≥ the SLA's 2.
    expect(b.slaAtRisk).toBe(true);
    const slower = budget({ ...input, burnRateNow: 2.5 });
    expect(slower.exhaustionMs).toBe(NOW + (10 * DAY * 0.5) / 1.5); // 3 d 8 h
    expect(slower.slaAtRisk).toBe(false); // (5 + 52.5) / 31 = 1.85
    // Exhaustion past the month's end is none.
    expect(budget({ ...input, burnRateNow: 1.1 }).exhaustionMs).toBeNull();
  });

  it('time slices: 10 bad minutes of a day at 99% spend 10 of the 14.4 allowed', () => {
    const b = budget({
      objective: 99,
      good: 990,
      total: 1000,
      windowMs: DAY,
      sliceMs: 60_000,
      nowMs: NOW,
      period: null,
      burnRateNow: null,
    });
    expect(b.sli).toBeCloseTo(0.99, 12);
    expect(b.consumed).toBeCloseTo(10 / 14.4, 9);
    expect(b.remainingEvents).toBeCloseTo(4.4, 9);
    expect(b.remainingMinutes).toBeCloseTo(4.4, 9);
    expect(b.exhaustionMs).toBeNull();
  });

  it('counts a slice good when its ratio reaches the target, and leaves out slices without events', () => {
    const slices = [
      { good: 95, total: 100 },
      { good: 94, total: 100 },
      { good: 0, total: 0 },
      { good: 1, total: 1 },
    ];
    expect(sliceCounts(slices, 95)).toEqual({ good: 2, total: 3 });
  });

  it('burn rates per window: the error ratio over the error budget', () => {
    // 99.9%: 0.1% errors is 1×, 1.44% is the 1 h page threshold 14.4×, 0.6% the 6 h one.
    expect(burnRate(999, 1000, 99.9)).toBeCloseTo(1, 9);
    expect(burnRate(9856, 10_000, 99.9)).toBeCloseTo(14.4, 9);
    expect(burnRate(994, 1000, 99.9)).toBeCloseTo(6, 9);
    expect(burnRate(0, 0, 99.9)).toBeNull();
  });
});
