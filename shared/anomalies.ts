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
