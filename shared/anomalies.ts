// The contracts of the anomalies and "what changed" (renderer <-> engine, REST): the golden
// signals' anomalies per service over a range, and a range compared with the one before it.

export type GoldenSignalName = 'request_rate' | 'error_ratio' | 'latency_p95' | 'log_rate';

/** A run of minutes in which one signal of one service was far from its usual. */
export interface AnomalyView {
  service: string;
  signal: GoldenSignalName;
  /** up: above its usual; down: below (only request and log rates are judged on a drop). */
  direction: 'up' | 'down';
  /** The first and last anomalous step (RFC 3339). */
  from: string;
  to: string;
  /** The most extreme step: its value (requests/s, a ratio, ms, records/s), its baseline, robust z-score, and the events behind it. */
  value: number;
  baseline: number;
  score: number;
  events: number;
}

export interface AnomaliesView {
  anomalies: AnomalyView[];
  /** Services whose signals were judged. */
  services: number;
  /** The thresholds: a step is anomalous at |score| ≥ minScore, value ≥ its signal's minRatio × baseline (≤ 1/minRatio for a drop) and ≥ minEvents behind it. */
  minScore: number;
  minRatios: Record<GoldenSignalName, number>;
  minEvents: number;
  stepSeconds: number;
  windowSeconds: number;
}

export interface ChangedRoute {
  service: string;
  route: string;
  p95: number;
  previousP95: number;
  /** p95 / previous p95. */
  ratio: number;
  calls: number;
  previousCalls: number;
}

export interface QuietSource {
  /** logs: its log records stopped; requests: the service stopped serving. */
  kind: 'logs' | 'requests';
  /** The watched path (`otlp` for records received over OTLP); absent for requests. */
  source?: string;
  /** The service, where known. */
  service?: string;
  previous: number;
  current: number;
}

/** A range against the one of the same length just before it. */
export interface ChangesView {
  from: string;
  to: string;
  previousFrom: string;
  previousTo: string;
  /** Error groups first seen in the range. */
  newErrors: { id: number; title: string; firstSeen: string; count: number; services: string[] }[];
  /** Log templates first seen in the range. */
  newPatterns: { id: number; template: string; firstSeen: string; count: number; levels: string[]; services: string[] }[];
  /** Routes (served spans by name) whose p95 moved most, with enough calls in both ranges. */
  routes: ChangedRoute[];
  /** Log sources and services that went quiet. */
  quiet: QuietSource[];
  /** Calls (or records) a comparison needs in each range. */
  minEvents: number;
}
