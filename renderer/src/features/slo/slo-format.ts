// How the SLO view writes an SLO's numbers: ratios as percents to the objective's precision, the
// budget left as a share, events and minutes, burn rates as "2.4×", the projection's date.

import type { BurnRateAlertView, SliSpec, SloSpec } from '../../../../shared/slo.js';

/** A 0..1 ratio as a percent with enough digits to tell 99.95% from 99.9% (null: no events). */
export function formatRatio(ratio: number | null, digits = 3): string {
  if (ratio === null || !Number.isFinite(ratio)) return '—';
  const p = ratio * 100;
  if (p === 100 || p === 0) return `${p}%`;
  return `${Number(p.toFixed(digits))}%`;
}

/** A percent as written in the spec (99.9 → "99.9%"). */
export const formatPercent = (p: number): string => `${p}%`;

export function formatBurnRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return '—';
  return `${rate >= 100 ? Math.round(rate) : Number(rate.toFixed(rate >= 10 ? 1 : 2))}×`;
}

/** Budget minutes as "3 d 4 h", "52 min", "40 s" (negative: overspent). */
export function formatMinutes(minutes: number): string {
  const sign = minutes < 0 ? '−' : '';
  const m = Math.abs(minutes);
  if (m >= 1440) return `${sign}${Math.floor(m / 1440)} d ${Math.round((m % 1440) / 60)} h`;
  if (m >= 60) return `${sign}${Math.floor(m / 60)} h ${Math.round(m % 60)} min`;
  if (m >= 1) return `${sign}${Number(m.toFixed(1))} min`;
  return `${sign}${Math.round(m * 60)} s`;
}

/** Counted events: PromQL increases are extrapolated to the window's edges, so whole numbers are shown. */
export const formatEventCount = (n: number): string => Math.round(n).toLocaleString('en');

/** Events left in the budget, whole where they are many (negative: overspent). */
export function formatEvents(n: number): string {
  const a = Math.abs(n);
  const text = a >= 100 ? Math.round(a).toLocaleString('en') : Number(a.toFixed(1)).toString();
  return n < 0 ? `−${text}` : text;
}

/** When the budget runs out: "in 3 h (Mon 14:05)", "now", or that it lasts the window. */
export function formatExhaustion(at: string | null, nowMs = Date.now()): string {
  if (at === null) return 'lasts the window';
  const t = Date.parse(at);
  const left = t - nowMs;
  if (left <= 60_000) return 'exhausted';
  const when = new Date(t).toLocaleString('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
  return `in ${formatMinutes(left / 60_000)} (${when})`;
}

/** The budget bar's width: the share left, 0..100 (an overspent budget shows empty). */
export const remainingWidth = (remaining: number): number => Math.max(0, Math.min(100, remaining * 100));

/** A short text of the SLI's kind and its fields. */
export function sliText(sli: SliSpec): string {
  if (sli.availability) return `availability${sli.availability.spanName ? ` of ${sli.availability.spanName}` : ''} (RED)`;
  if (sli.latency) return `latency < ${sli.latency.threshold}${sli.latency.spanName ? ` of ${sli.latency.spanName}` : ''}`;
  if (sli.probe) return `probe ${sli.probe.name}`;
  if (sli.ratio) return `PromQL ${sli.ratio.good !== undefined ? 'good' : 'bad'} / total`;
  if (sli.logs) return `logs ${sli.logs.good !== undefined ? 'good' : 'bad'} / total`;
  return 'unknown';
}

/** A horizontal line drawn across a chart at `value`. */
export interface ReferenceLine {
  value: number;
  label: string;
  color: string;
}

const PAGE_COLOR = '#d64545';
const TICKET_COLOR = '#c98a00';

/** The burn-rate alert thresholds as the engine generated them for this SLO (windows scaled to its window). */
export function burnRateLines(alerts: readonly BurnRateAlertView[]): ReferenceLine[] {
  return alerts.map((a) => ({
    value: a.factor,
    label: `${a.severity} ${formatBurnRate(a.factor)} (${a.longWindow} & ${a.shortWindow})`,
    color: a.severity === 'page' ? PAGE_COLOR : TICKET_COLOR,
  }));
}

/** The budget chart's lines: the whole budget, and where the SLA is crossed (its share of budgets). */
export function budgetLines(spec: SloSpec): ReferenceLine[] {
  const lines: ReferenceLine[] = [{ value: 1, label: 'whole budget', color: PAGE_COLOR }];
  if (spec.sla !== undefined && spec.sla < spec.objective)
    lines.push({ value: (100 - spec.sla) / (100 - spec.objective), label: `SLA ${spec.sla}%`, color: TICKET_COLOR });
  return lines;
}
