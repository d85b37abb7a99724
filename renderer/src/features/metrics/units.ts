// Metric values as people read them, by the unit Prometheus names (`seconds`, `bytes`, `ratio`…):
// durations as 120ms / 1.5s, bytes as KiB/MiB, ratios as percentages, rates with `/s`.
import { formatBytes } from '../../lib/format.js';
import { formatDuration } from '../../lib/duration.js';

const DURATION_US: Readonly<Record<string, number>> = {
  nanoseconds: 1e-3,
  microseconds: 1,
  milliseconds: 1e3,
  seconds: 1e6,
  minutes: 60e6,
  hours: 3600e6,
};

/** A number with at most 3 significant digits and k/M/G for large ones: 0.0123, 4.56, 12.3k. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a === 0) return '0';
  for (const [limit, suffix] of [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ] as const) {
    if (a >= limit) return `${Number((v / limit).toPrecision(3))}${suffix}`;
  }
  return String(Number(v.toPrecision(3)));
}

function bytes(v: number): string {
  return Math.abs(v) < 1024 ? `${formatNumber(v)} B` : formatBytes(v);
}

/**
 * A value in `unit` (Prometheus's unit words; `ratio` is a fraction of 1, `percent` already in %),
 * per second when `perSecond` (a counter's rate).
 */
export function formatMetricValue(v: number, unit: string, perSecond = false): string {
  if (!Number.isFinite(v)) return '—';
  const per = perSecond ? '/s' : '';
  const durationScale = DURATION_US[unit];
  if (durationScale !== undefined) return `${formatDuration(v * durationScale)}${per}`;
  if (unit === 'bytes') return `${bytes(v)}${per}`;
  if (unit === 'bytes_per_second') return `${bytes(v)}/s`;
  if (unit === 'ratio') return `${Number((v * 100).toPrecision(3))}%${per}`;
  if (unit === 'percent') return `${Number(v.toPrecision(3))}%${per}`;
  return `${formatNumber(v)}${unit ? ` ${unit}` : ''}${per}`;
}

/** The unit of a family: the metadata's, else what its name ends with (`_ratio`, `_seconds`). */
export function familyUnit(family: string, metadataUnit: string): string {
  if (metadataUnit) return metadataUnit;
  const m = /_(ratio|percent|bytes|seconds|milliseconds)(?:_total)?$/.exec(family);
  return m?.[1] ?? '';
}
