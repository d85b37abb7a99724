// Numbers and times as the UI shows them.
import type { Level } from '../../../shared/severity.js';

/** Grafana's log level colours (its logs panel and Explore use these). */
export const LEVEL_COLORS: Record<Level | 'unknown', string> = {
  trace: '#6ed0e0',
  debug: '#1f78c1',
  info: '#7eb26d',
  warn: '#eab839',
  error: '#e24d42',
  fatal: '#705da0',
  unknown: '#8e8e8e',
};

/** The colour of a level's name as text (readable on the page in either scheme; see app.css). */
export function levelTextColor(level: Level | 'unknown'): string {
  return `var(--level-${level}-text)`;
}

/** `2026-11-30 10:00:00.123` in local time (the µs part of the RFC 3339 text kept to ms). */
export function formatTimestamp(rfc3339: string): string {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

export function formatCount(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)}k`;
  return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)}M`;
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

/**
 * A rate per second: whole from 10, one decimal from 1, two significant digits under 1 (a laptop's
 * service often sees a request every few seconds: 71 in an hour is 0.02/s, not "0.0/s").
 */
export function formatRate(perSecond: number): string {
  if (perSecond >= 10) return `${Math.round(perSecond)}/s`;
  if (perSecond >= 1 || perSecond === 0) return `${perSecond.toFixed(perSecond === 0 ? 0 : 1)}/s`;
  return `${Number(perSecond.toPrecision(2))}/s`;
}

/** An attribute's value as a row shows it: text as-is unless it needs quotes, the rest as JSON. */
export function attributeText(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/**
 * Attributes as `key=value` fields for a log row (a structlog event is its fields as much as its
 * words, as lnav and Grafana show them): the fields the search names first, so they stay in view
 * when the row is cut, and no more than `maxLength` characters in all.
 */
export function attributeFields(
  attributes: Record<string, unknown> | undefined,
  searched: (key: string) => boolean = () => false,
  maxLength = 300,
): { key: string; value: unknown; text: string }[] {
  if (!attributes) return [];
  const entries = Object.entries(attributes);
  const ordered = [...entries.filter(([k]) => searched(k)), ...entries.filter(([k]) => !searched(k))];
  const out: { key: string; value: unknown; text: string }[] = [];
  let length = 0;
  for (const [key, value] of ordered) {
    let text = attributeText(value);
    const room = maxLength - length - key.length - 2;
    if (room <= 1) break;
    if (text.length > room) text = `${text.slice(0, room - 1)}…`;
    out.push({ key, value, text });
    length += key.length + 2 + text.length;
  }
  return out;
}
