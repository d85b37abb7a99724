// How often a live view re-asks the engine for counts (histogram, facets). Counting a common word
// over days can take the engine seconds, and it has other work (ingest, the tail, other windows):
// one refresh at a time, spaced by what the last one cost.

/** The shortest wait between two refreshes. */
export const REFRESH_MS = 3000;
/** The engine spends at most 1/(1 + this) of its time on one view's counts. */
const REFRESH_COST_FACTOR = 5;

/** The wait before the next refresh, after one that took `lastMs`. */
export function nextRefreshDelay(lastMs: number): number {
  return Math.max(REFRESH_MS, REFRESH_COST_FACTOR * lastMs);
}
