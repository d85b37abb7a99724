// What the Logs view says while older matches are still being counted: the time before which the
// counts are not complete (the date only when not today), and which histogram buckets that covers.
import { describe, expect, it } from 'vitest';
import { countingText, countingTime, searchedBackText, uncountedBuckets } from '../../../renderer/src/features/logs/counting-text.js';

/** A local time as RFC 3339 (built in local time, so any TZ reads the same). */
function local(y: number, mo: number, d: number, h: number, mi: number): string {
  return new Date(y, mo, d, h, mi).toISOString();
}

describe('the counting note', () => {
  const now = new Date(2026, 11, 1, 20, 30).getTime();

  it('names the time, with the date when it is not today', () => {
    expect(countingTime(local(2026, 11, 1, 14, 5), now)).toBe('14:05');
    expect(countingTime(local(2026, 10, 28, 9, 0), now)).toBe('Nov 28 09:00');
    expect(countingText({ before: local(2026, 11, 1, 14, 5) }, now)).toBe('counting matches before 14:05…');
    expect(countingText(undefined, now)).toBe('');
  });

  it('says how far back a search that stopped part-way has searched', () => {
    expect(searchedBackText(local(2026, 10, 28, 9, 0), now)).toBe('searched back to Nov 28 09:00, searching older…');
    expect(searchedBackText(null, now)).toBe('');
  });

  it('covers the buckets that start before it (the one it falls in is partly counted)', () => {
    const buckets = [0, 1, 2, 3].map((h) => ({ start: local(2026, 11, 1, h, 0) }));
    expect(uncountedBuckets(buckets, undefined)).toBe(0);
    expect(uncountedBuckets(buckets, { before: local(2026, 10, 30, 0, 0) })).toBe(0);
    expect(uncountedBuckets(buckets, { before: local(2026, 11, 1, 2, 0) })).toBe(2);
    expect(uncountedBuckets(buckets, { before: local(2026, 11, 1, 2, 30) })).toBe(3);
    expect(uncountedBuckets(buckets, { before: local(2026, 11, 2, 0, 0) })).toBe(4);
  });
});
