import { describe, expect, it } from 'vitest';
import { parseClfAt, parseIsoAt, timeFromValue } from '../../../electron/engine/ingest/files/parse/time.js';
import { localUs, utcUs } from './helpers.js';

describe('parseIsoAt', () => {
  it('reads fractions of any length as integer microseconds', () => {
    expect(parseIsoAt('2026-11-30T01:02:03Z', 0)).toBe(utcUs(2026, 11, 30, 1, 2, 3));
    expect(parseIsoAt('2026-11-30T01:02:03.1Z', 0)).toBe(utcUs(2026, 11, 30, 1, 2, 3, 100_000));
    expect(parseIsoAt('2026-11-30 01:02:03,123', 0)).toBe(localUs(2026, 11, 30, 1, 2, 3, 123_000));
    expect(parseIsoAt('2026-11-30T01:02:03.123456789Z', 0)).toBe(utcUs(2026, 11, 30, 1, 2, 3, 123_456));
  });

  it('reads zones as Z, ±HH:MM, ±HHMM and ±HH', () => {
    const base = utcUs(2026, 11, 30, 1, 2, 3);
    expect(parseIsoAt('2026-11-30T03:02:03+02:00', 0)).toBe(base);
    expect(parseIsoAt('2026-11-30T03:02:03+0200', 0)).toBe(base);
    expect(parseIsoAt('2026-11-29T23:02:03-02', 0)).toBe(base);
    expect(parseIsoAt('2026/11/30 01:02:03', 0, false)).toBe(localUs(2026, 11, 30, 1, 2, 3));
  });

  it('does not reuse the cached second across different days', () => {
    expect(parseIsoAt('2026-11-30 01:02:03,000', 0)).toBe(localUs(2026, 11, 30, 1, 2, 3));
    expect(parseIsoAt('2026-12-30 01:02:03,000', 0)).toBe(localUs(2026, 12, 30, 1, 2, 3));
    expect(parseIsoAt('2027-11-30 01:02:03,000', 0)).toBe(localUs(2027, 11, 30, 1, 2, 3));
  });

  it('rejects what is not a time', () => {
    for (const s of ['2026-13-01 00:00:00', '2026-11-30X01:02:03', '2026-11-30 1:02:03', 'abcd-11-30 01:02:03', '2026-11-30']) {
      expect(Number.isNaN(parseIsoAt(s, 0))).toBe(true);
    }
  });
});

describe('other time shapes', () => {
  it('common log format with and without a zone', () => {
    expect(parseClfAt('30/Nov/2026:01:47:39 +0000', 0)).toBe(utcUs(2026, 11, 30, 1, 47, 39));
    expect(parseClfAt('29/Nov/2026 19:47:42', 0)).toBe(localUs(2026, 11, 29, 19, 47, 42));
  });

  it('epoch values by magnitude', () => {
    expect(timeFromValue(1796003430)).toBe(1796003430_000_000);
    expect(timeFromValue(1796003430123)).toBe(1796003430123_000);
    expect(timeFromValue('1796003430123456')).toBe(1796003430123456);
    expect(timeFromValue('not a time')).toBeUndefined();
    expect(timeFromValue(null)).toBeUndefined();
  });
});
