// The numbers the Logs view shows, made to agree: how many records match (the histogram's count,
// plus what the tail brought since it was taken) and how many of them are loaded in the list; and
// where the histogram starts, so a burst of records is not one bar at the edge of an empty hour.
import type { HistogramView } from '../../../../shared/model.js';
import { formatCount } from '../../lib/format.js';

/**
 * A live range whose matches all sit in its newest part (a burst in "the last hour") gets a
 * histogram from its first match: when the matches start this far into the range or later.
 */
const FIT_FROM_FRACTION = 0.5;

/** `1 record`, `2 records`, `1.5k records`. */
export function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

export interface CountInputs {
  /** The histogram's total; null while counting or after an error. */
  counted: number | null;
  /** Rows the tail added that are newer than the end of the range the count covered. */
  newSinceCount: number;
  /** Rows in the list. */
  loaded: number;
  /** Whether the list holds every match (no older page to fetch). */
  allLoaded: boolean;
}

/**
 * How many records match, as the view says it: the list when it holds every match (the histogram
 * counts in whole minutes, so a little more at the range's start), else the count plus the tail
 * since, never fewer than the rows on screen. Null: not known (counting, or a failed search).
 */
export function matchTotal({ counted, newSinceCount, loaded, allLoaded }: CountInputs): number | null {
  if (allLoaded) return loaded;
  if (counted === null) return null;
  return Math.max(counted + newSinceCount, loaded);
}

/**
 * `43 records`, or `at least 43 records` while older matches are still being counted (the total is
 * then a lower bound: see counting-text).
 */
export function totalText(total: number, atLeast = false): string {
  return `${atLeast ? 'at least ' : ''}${plural(total, 'record')}`;
}

/**
 * The list's status: `43 records`, or `311 of 433 records loaded · scroll up for older`; with
 * `atLeast`, `311 of at least 433 records loaded · …`.
 */
export function loadedLine(loaded: number, total: number | null, hasOlder: boolean, atLeast = false): string {
  const older = hasOlder ? ' · scroll up for older' : '';
  if (total === null) return `${formatCount(loaded)} loaded${older}`;
  if (loaded >= total) return `${totalText(total, atLeast)}${older}`;
  return `${formatCount(loaded)} of ${totalText(total, atLeast)} loaded${older}`;
}

/**
 * Where a histogram should start to show its matches rather than an empty range: the start of its
 * first non-empty bucket when that is past FIT_FROM_FRACTION of the range; null to keep the range.
 */
export function fitFrom(h: HistogramView): number | null {
  const first = h.buckets.findIndex((b) => Object.values(b.counts).some((n) => (n ?? 0) > 0));
  if (first < h.buckets.length * FIT_FROM_FRACTION) return null;
  return Date.parse(h.buckets[first]!.start);
}
