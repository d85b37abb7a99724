// What SLOs look like to Prometheus tools: the series Sloth's recording rules would make (names,
// labels), and the multi-window multi-burn-rate alerts of the SRE workbook as Prometheus alerting
// rules over those series, as Sloth writes them — plus a low-traffic guard (a minimum of events in
// the long window) that Sloth lacks. The workbook's windows are for 30 days; for another SLO window
// they scale with it (28 d: 56 m & 4 m 40 s at 14.4×), so each alert still means the same share of
// the budget spent; a condition whose short window would be under a minute is left out.
import type { BurnRateAlertView, SloSpec } from '../../../shared/slo.js';
import { errorBudgetOf } from './budget.js';
import { DEFAULT_MIN_EVENTS, MONTH, sloId, windowMs } from './slo-file.js';
import { promDuration } from './sli.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The windows Sloth records the error ratio over (its `slo:sli_error:ratio_rate<window>`). */
export const SLOTH_WINDOWS_MS = [5 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 6 * HOUR, DAY, 3 * DAY];
/** A calendar month is scaled as 30 days. */
const WORKBOOK_PERIOD_MS = 30 * DAY;

/** The SRE workbook's table (for 30 days): severity, long and short window, burn rate. */
const WORKBOOK: readonly { severity: 'page' | 'ticket'; longMs: number; shortMs: number; factor: number }[] = [
  { severity: 'page', longMs: HOUR, shortMs: 5 * MINUTE, factor: 14.4 },
  { severity: 'page', longMs: 6 * HOUR, shortMs: 30 * MINUTE, factor: 6 },
  { severity: 'ticket', longMs: DAY, shortMs: 2 * HOUR, factor: 3 },
  { severity: 'ticket', longMs: 3 * DAY, shortMs: 6 * HOUR, factor: 1 },
];

export const SLI_ERROR = 'slo:sli_error:ratio_rate';
export const SLI_EVENTS = 'slo:sli_events:increase';
export const DEFAULT_ALERT_NAME = 'SLOErrorBudgetBurn';

/** The window's series suffix: its duration (`30d`), `month` for the calendar month. */
export const periodName = (slo: SloSpec): string => (slo.window === MONTH ? MONTH : promDuration(windowMs(slo.window) ?? 0));

export function slothLabels(slo: SloSpec): Record<string, string> {
  return { sloth_id: sloId(slo), sloth_service: slo.service, sloth_slo: slo.name };
}

/** The burn-rate conditions of an SLO (none when its alerting is off). */
export function alertConditions(slo: SloSpec): (BurnRateAlertView & { longMs: number; shortMs: number })[] {
  if (slo.alerting?.enabled === false) return [];
  const scale = (windowMs(slo.window) ?? WORKBOOK_PERIOD_MS) / WORKBOOK_PERIOD_MS;
  const eb = errorBudgetOf(slo.objective);
  return WORKBOOK.map((w) => ({ ...w, longMs: Math.round(w.longMs * scale), shortMs: Math.round(w.shortMs * scale) }))
    .filter((w) => w.shortMs >= MINUTE)
    .map((w) => ({
      severity: w.severity,
      longWindow: promDuration(w.longMs),
      shortWindow: promDuration(w.shortMs),
      longMs: w.longMs,
      shortMs: w.shortMs,
      factor: w.factor,
      errorRatio: w.factor * eb,
    }));
}

/** Every window whose error ratio is recorded: Sloth's, the alerts' (scaled) ones. */
export function recordedWindowsMs(slo: SloSpec): number[] {
  const all = new Set(SLOTH_WINDOWS_MS);
  for (const c of alertConditions(slo)) {
    all.add(c.longMs);
    all.add(c.shortMs);
  }
  return [...all].sort((a, b) => a - b);
}

/** The alert windows' long windows, whose event counts the low-traffic guard reads. */
export function guardedWindowsMs(slo: SloSpec): number[] {
  return minEventsOf(slo) > 0 ? [...new Set(alertConditions(slo).map((c) => c.longMs))] : [];
}

const minEventsOf = (slo: SloSpec): number => slo.alerting?.minEvents ?? DEFAULT_MIN_EVENTS;

const selector = (name: string, labels: Record<string, string>): string =>
  `${name}{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;

/** A Prometheus rule group (as a rule file holds it) with the SLO's page and ticket alerts; null without conditions. */
export function alertRuleGroup(slo: SloSpec, intervalMs: number): Record<string, unknown> | null {
  const conditions = alertConditions(slo);
  if (conditions.length === 0) return null;
  const labels = slothLabels(slo);
  const eb = String(errorBudgetOf(slo.objective));
  const min = minEventsOf(slo);
  const part = (c: (typeof conditions)[number]): string => {
    const over = (ms: number): string =>
      `max(${selector(`${SLI_ERROR}${promDuration(ms)}`, labels)} > (${c.factor} * ${eb})) without (sloth_window)`;
    const guard =
      min > 0
        ? `\n    and on (sloth_id)\n    ${selector(`${SLI_EVENTS}${promDuration(c.longMs)}`, { sloth_id: sloId(slo) })} >= ${min}`
        : '';
    return `(\n    ${over(c.shortMs)}\n    and\n    ${over(c.longMs)}${guard}\n)`;
  };
  const rules = (['page', 'ticket'] as const).flatMap((severity) => {
    const parts = conditions.filter((c) => c.severity === severity);
    if (parts.length === 0) return [];
    return [
      {
        alert: slo.alerting?.name ?? DEFAULT_ALERT_NAME,
        expr: parts.map(part).join('\nor\n'),
        labels: { ...(slo.alerting?.labels ?? {}), sloth_severity: severity },
        annotations: {
          summary: `${slo.service} ${slo.name}: the error budget burns too fast`,
          title: `(${severity}) {{$labels.sloth_service}} {{$labels.sloth_slo}} SLO error budget burn rate is too fast.`,
        },
      },
    ];
  });
  return { name: `slo ${labels.sloth_id}`, interval: promDuration(intervalMs), rules };
}
