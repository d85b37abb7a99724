// The Logs view's pure helpers: the histogram's time axis, the counts the view shows, and what a
// search marks in the rows.
import { describe, expect, it } from 'vitest';
import { fieldMatches, markPieces, searchTerms, textPattern } from '../../../renderer/src/lib/highlight.js';
import { fitFrom, loadedLine, matchTotal, plural, totalText } from '../../../renderer/src/features/logs/log-counts.js';
import { bucketTickLabels, tickLabel, tickStep } from '../../../renderer/src/lib/time-ticks.js';

const MIN = 60_000;

/** `n` buckets of `widthMs` from a local time (dates built in local time, so any TZ reads the same). */
function buckets(start: Date, n: number, widthMs: number): { start: number; end: number }[] {
  return Array.from({ length: n }, (_, i) => ({ start: start.getTime() + i * widthMs, end: start.getTime() + (i + 1) * widthMs }));
}

describe('histogram time axis', () => {
  it('puts ticks on round minutes for the last hour, and never repeats a label', () => {
    // "Last hour" at 11:03:20: 60 one-minute buckets, room for about 12 labels.
    const labels = bucketTickLabels(buckets(new Date(2026, 10, 30, 10, 3, 20), 60, MIN), 12);
    const texts = [...labels.values()];
    expect(texts).toEqual(['10:05', '10:10', '10:15', '10:20', '10:25', '10:30', '10:35', '10:40', '10:45', '10:50', '10:55', '11:00']);
    expect(new Set(texts).size).toBe(texts.length);
    // Each label sits on the bucket that holds its time.
    expect(labels.get(1)).toBe('10:05');
  });

  it('uses seconds for a short burst, and whole steps of 1/2/5/10/15/30', () => {
    // A 90-second burst in 60 buckets of 1.5 s, room for 8 labels: every 15 s.
    const labels = [...bucketTickLabels(buckets(new Date(2026, 10, 30, 11, 3, 7), 60, 1500), 8).values()];
    expect(labels).toEqual(['11:03:15', '11:03:30', '11:03:45', '11:04:00', '11:04:15', '11:04:30']);
  });

  it('never makes the step smaller than a bucket (one label per bucket at most)', () => {
    // Few buckets, lots of room: 6 ten-minute buckets must not get a label per minute.
    const labels = [...bucketTickLabels(buckets(new Date(2026, 10, 30, 9, 0, 0), 6, 10 * MIN), 50).values()];
    expect(labels).toEqual(['09:00', '09:10', '09:20', '09:30', '09:40', '09:50']);
  });

  it('labels days by date over a week, and midnight by its date', () => {
    const week = [...bucketTickLabels(buckets(new Date(2026, 10, 23, 14, 0, 0), 56, 3 * 60 * MIN), 8).values()];
    expect(week).toEqual(['Nov 24', 'Nov 25', 'Nov 26', 'Nov 27', 'Nov 28', 'Nov 29', 'Nov 30']);
    expect(tickLabel(new Date(2026, 10, 30, 0, 0, 0).getTime(), 6 * 60 * MIN)).toBe('Nov 30');
    expect(tickLabel(new Date(2026, 10, 30, 6, 0, 0).getTime(), 6 * 60 * MIN)).toBe('06:00');
  });

  it('picks the step for the range and the room', () => {
    expect(tickStep(60 * MIN, 12)).toBe(5 * MIN);
    expect(tickStep(60 * MIN, 4)).toBe(15 * MIN);
    expect(tickStep(24 * 60 * MIN, 8)).toBe(3 * 60 * MIN);
    expect(tickStep(10_000, 10)).toBe(1000);
  });
});

describe('the counts the Logs view shows', () => {
  it('says "record" for one and "records" for more', () => {
    expect(plural(1, 'record')).toBe('1 record');
    expect(plural(0, 'record')).toBe('0 records');
    expect(plural(1500, 'record')).toBe('1.5k records');
  });

  it('adds what the tail brought since the count, and is never below the rows shown', () => {
    // "12 records" beside "13 loaded": the count was taken before the 13th arrived.
    expect(matchTotal({ counted: 12, newSinceCount: 1, loaded: 13, allLoaded: false })).toBe(13);
    expect(matchTotal({ counted: 12, newSinceCount: 0, loaded: 13, allLoaded: false })).toBe(13);
    expect(matchTotal({ counted: 433, newSinceCount: 2, loaded: 311, allLoaded: false })).toBe(435);
    // Every match is in the list: the list is the exact count (the histogram counts whole minutes).
    expect(matchTotal({ counted: 44, newSinceCount: 0, loaded: 43, allLoaded: true })).toBe(43);
    expect(matchTotal({ counted: null, newSinceCount: 0, loaded: 300, allLoaded: false })).toBeNull();
  });

  it('says how many of the matches are loaded', () => {
    expect(loadedLine(43, 43, false)).toBe('43 records');
    expect(loadedLine(1, 1, false)).toBe('1 record');
    expect(loadedLine(311, 433, true)).toBe('311 of 433 records loaded · scroll up for older');
    expect(loadedLine(300, null, true)).toBe('300 loaded · scroll up for older');
  });

  it('says "at least" while older matches are still being counted', () => {
    expect(loadedLine(300, 1234, true, true)).toBe('300 of at least 1.2k records loaded · scroll up for older');
    expect(loadedLine(300, 300, true, true)).toBe('at least 300 records · scroll up for older');
    expect(totalText(1234, true)).toBe('at least 1.2k records');
    expect(totalText(1, false)).toBe('1 record');
  });

  it('fits the histogram to a burst at the end of the range, not to data spread over it', () => {
    const at = (i: number): string => new Date(Date.UTC(2026, 10, 30, 10, i)).toISOString();
    const hist = (nonEmpty: number[]) => ({
      total: nonEmpty.length,
      buckets: Array.from({ length: 60 }, (_, i) => ({ start: at(i), end: at(i + 1), counts: nonEmpty.includes(i) ? { info: 1 } : {} })),
    });
    expect(fitFrom(hist([57, 58, 59]))).toBe(Date.parse(at(57)));
    expect(fitFrom(hist([3, 59]))).toBeNull();
    expect(fitFrom(hist([]))).toBeNull();
  });
});

describe('marking what the search looks for', () => {
  const marked = (query: string, text: string): string[] =>
    markPieces(text, textPattern(searchTerms(query)))
      .filter((p) => p.mark)
      .map((p) => p.text);

  it('reads words, phrases and field values, not exclusions, operators or regexes', () => {
    const t = searchTerms(
      'payment "card declined" user_id:42 path:"/a b" -refund NOT retry (timeout OR level:error) /x+y/ status:>=500 code:card_*',
    );
    expect(t.words).toEqual(['payment', 'timeout']);
    expect(t.phrases).toEqual(['card declined']);
    expect(Object.fromEntries(t.fields)).toEqual({ user_id: ['42'], path: ['/a b'], level: ['error'] });
  });

  it('marks words where a word starts, as the search matches them, ignoring case', () => {
    expect(marked('time', 'Timeout after time; overtime')).toEqual(['Time', 'time']);
    expect(marked('"card declined"', 'Card declined: card declined')).toEqual(['Card declined', 'card declined']);
    expect(marked('a.b+c', 'x a.b+c y')).toEqual(['a.b+c']);
    // A hyphen is no syntax in the pattern (escaped, it was an error that emptied the list).
    expect(marked('db-01', 'connect to db-01 failed')).toEqual(['db-01']);
    expect(marked('x-request-id 3f2c-9a', 'x-request-id=3f2c-9a1b')).toEqual(['x-request-id', '3f2c-9a']);
    expect(marked('-time', 'time')).toEqual([]);
    expect(marked('', 'anything')).toEqual([]);
  });

  it('runs no user regex: a pattern that would backtrack for ever is not run at all', () => {
    expect(textPattern(searchTerms('/(a+)+$/'))).toBeNull();
    // A regex with spaces and parentheses is one term, not words.
    expect(searchTerms('/request [1-3]\\d7 (GET|PUT) handled/i served').words).toEqual(['served']);
    expect(searchTerms('-/a b/ (c /d e/)').words).toEqual(['c']);
    expect(marked('(a+)+$', `${'a'.repeat(50_000)}!`)).toEqual([]);
  });

  it('matches field values by key, numbers as numbers', () => {
    const t = searchTerms('user_id:42 @level:x');
    expect(fieldMatches(t, 'user_id', 42)).toBe(true);
    expect(fieldMatches(t, 'user_id', '42')).toBe(true);
    expect(fieldMatches(t, 'user_id', 7)).toBe(false);
    expect(fieldMatches(t, 'level', 'x')).toBe(true);
    expect(fieldMatches(t, 'path', '42')).toBe(false);
  });
});
