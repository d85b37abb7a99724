// What the Logs view says while the engine is still counting older matches (a common word's first
// look over days: each call counts for a bounded time, newest first, and the view asks again): the
// counts are lower bounds, and the part of the chart before `before` is not all counted yet, so
// empty older buckets must not read as "no matches".
import type { CountingPart } from '../../../../shared/model.js';
import { MONTHS } from '../../lib/time-ticks.js';

/** `14:05` today, `Nov 28 14:05` another day (as the histogram's axis writes days and times). */
export function countingTime(rfc3339: string, now = Date.now()): string {
  const d = new Date(rfc3339);
  if (Number.isNaN(d.getTime())) return rfc3339;
  const p = (n: number): string => String(n).padStart(2, '0');
  const time = `${p(d.getHours())}:${p(d.getMinutes())}`;
  const today = new Date(now);
  const sameDay = d.getFullYear() === today.getFullYear() && d.getMonth() === today.getMonth() && d.getDate() === today.getDate();
  return sameDay ? time : `${MONTHS[d.getMonth()]} ${d.getDate()} ${time}`;
}

/** In the status line while a search's pages stopped part-way: `searched back to 14:05, searching older…`. */
export function searchedBackText(searchedBackTo: string | null, now = Date.now()): string {
  return searchedBackTo ? `searched back to ${countingTime(searchedBackTo, now)}, searching older…` : '';
}

/** Beside a count: `counting matches before 14:05…`, or '' when every match is counted. */
export function countingText(counting: CountingPart | undefined | null, now = Date.now()): string {
  return counting ? `counting matches before ${countingTime(counting.before, now)}…` : '';
}

/**
 * How many of the histogram's buckets (oldest first) start before `before`: those are not all
 * counted yet (the one `before` falls in is partly counted). 0 when nothing is left to count.
 */
export function uncountedBuckets(buckets: readonly { start: string }[], counting: CountingPart | undefined | null): number {
  if (!counting) return 0;
  const before = Date.parse(counting.before);
  let n = 0;
  while (n < buckets.length && Date.parse(buckets[n]!.start) < before) n++;
  return n;
}
