// The golden signals' anomalies (anomalies.list) as the views show them: marks over a chart's time
// axis with what a tooltip says (the value against its usual, the score, when), and the alert rule
// one click away on the score series the engine writes (`loupe:anomaly_score:<signal>`), opened
// in the Alerts view's rule form by URL as the RED templates are.
import type { AnomalyView, GoldenSignalName } from '../../../shared/anomalies.js';
import { formatDuration } from './duration.js';
import { formatRate, formatTimestamp } from './format.js';
import { SERVICE_LABEL, type RedColumn, type SaturationColumn } from './red-series.js';

export const GOLDEN_SIGNALS: readonly GoldenSignalName[] = ['request_rate', 'error_ratio', 'latency_p95', 'log_rate'];

export const SIGNAL_TITLES: Record<GoldenSignalName, string> = {
  request_rate: 'Request rate',
  error_ratio: 'Error ratio',
  latency_p95: 'p95 latency',
  log_rate: 'Log rate',
};

/** The overview column that draws a signal (log volume, p50, p99 and saturation have none). */
export const COLUMN_SIGNAL: Readonly<Partial<Record<RedColumn | SaturationColumn, GoldenSignalName>>> = {
  rate: 'request_rate',
  errors: 'error_ratio',
  p95: 'latency_p95',
};

/** A signal's value as its chart writes it (requests/s, %, ms, records/s). */
export function formatSignalValue(signal: GoldenSignalName, v: number): string {
  if (!Number.isFinite(v)) return '—';
  if (signal === 'error_ratio') return `${Number((v * 100).toPrecision(3))}%`;
  if (signal === 'latency_p95') return formatDuration(v * 1000);
  return formatRate(v);
}

/** HH:MM in the local time (the charts' axes). */
const clock = (rfc3339: string): string => formatTimestamp(rfc3339).slice(11, 16);

/** What the mark's tooltip says: `Error ratio 30% against a usual 1% (score 41.2), 10:07–10:16`. */
export function anomalyText(a: AnomalyView): string {
  const ratio = a.baseline > 0 ? ` (${Number((a.value / a.baseline).toPrecision(2))}×)` : '';
  return (
    `${SIGNAL_TITLES[a.signal]} of ${a.service} ${a.direction === 'up' ? 'above' : 'below'} its usual: ` +
    `${formatSignalValue(a.signal, a.value)} against ${formatSignalValue(a.signal, a.baseline)}${ratio}, ` +
    `score ${a.score.toFixed(1)}, ${clock(a.from)}–${clock(a.to)}`
  );
}

/** The score series of a service's signal, as an alert rule's condition: above 3, or below −3 for a drop. */
export function anomalyRuleExpr(service: string, signal: GoldenSignalName, direction: 'up' | 'down' = 'up'): string {
  const series = `loupe:anomaly_score:${signal}{${SERVICE_LABEL}=${JSON.stringify(service)}}`;
  return direction === 'up' ? `${series} > 3` : `${series} < -3`;
}

/** The Alerts view's rule form prefilled with that condition (`#/alerts?new=anomaly&signal=…&service=…`). */
export function anomalyRuleHref(service: string, signal: GoldenSignalName, direction: 'up' | 'down' = 'up'): string {
  const params = new URLSearchParams({ new: 'anomaly', signal, service });
  if (direction === 'down') params.set('direction', 'down');
  return `#/alerts?${params.toString()}`;
}

export function isGoldenSignal(text: string | undefined): text is GoldenSignalName {
  return (GOLDEN_SIGNALS as readonly string[]).includes(text ?? '');
}

/** A band over a chart's time axis: from, to (ms), its tooltip, and the rule it offers. */
export interface AnomalyMark {
  fromMs: number;
  toMs: number;
  signal: GoldenSignalName;
  text: string;
  href: string;
}

/** The marks of one service's signal. */
export function anomalyMarks(anomalies: readonly AnomalyView[], service: string, signal: GoldenSignalName): AnomalyMark[] {
  return anomalies
    .filter((a) => a.service === service && a.signal === signal)
    .map((a) => ({
      fromMs: Date.parse(a.from),
      toMs: Date.parse(a.to),
      signal,
      text: anomalyText(a),
      href: anomalyRuleHref(service, signal, a.direction),
    }));
}
