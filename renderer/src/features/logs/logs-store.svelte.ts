// The Logs view's state: the query and range, the rows (history pages + the live tail), the
// histogram and facets, and the selected record.
//
// Rows are held in two plain arrays that only grow at their ends: `older` (newest first, as the
// search pages come: a page of older records is a push) and `live` (oldest first, as the tail
// sends them). Display index 0 is the oldest loaded record at the top. Pushing into an array of a
// million rows costs nothing, where a reactive copy would cost a million; so the arrays are not
// reactive and `version` says when they changed.
//
// The histogram and facets are asked `within` COUNT_WITHIN_MS: a common word's first look over days
// answers with what it counted (newest first) and `counting` while older matches remain; the store
// asks again after a short pause until every match is counted, for any range. The pages of rows are
// asked `within` SEARCH_WITHIN_MS too: a rare regex over a week of 100M records scans for longer
// than the engine's search deadline (and holds the engine meanwhile); a page that stopped part-way
// says how far back it searched (`searchedBackTo`), and the list asks on (LogList) while its top is
// in view.
import type { FacetsView, LiveBatch } from '../../../../shared/api.js';
import type { CountingPart, HistogramView, LogPage, LogRecordView, UnindexedPart, UnreadSearched } from '../../../../shared/model.js';
import type { ApiError } from '../../lib/api-client.js';
import { api } from '../../lib/client.js';
import { LatestTicket, toApiError } from '../../lib/latest-request.svelte.js';
import { searchTerms, textPattern } from '../../lib/highlight.js';
import { fitFrom, matchTotal } from './log-counts.js';
import { isLive, rangeParams, resolveRange, type TimeRange } from '../../lib/time-range.js';
import { nextRefreshDelay } from '../../lib/refresh-pacing.js';
import { parseTimeParam } from '../../../../shared/time.js';

const FIRST_PAGE = 300;
const OLDER_PAGE = 500;
/** Rows a view keeps in memory while it follows the tail. */
export const MAX_ROWS = 50_000;
const HISTOGRAM_BUCKETS = 60;
/** A tailed record this much older than the newest row is history arriving late, not the tail. */
const LATE_MS = 10_000;
/** How often a view following the tail reloads while late history keeps arriving. */
const RELOAD_MS = 2000;
/** A search still running after this long shows "Searching…" and a Cancel button. */
export const SLOW_SEARCH_MS = 1000;
/** How long the engine counts a histogram or facets per call before it answers with what it has. */
export const COUNT_WITHIN_MS = 1000;
/** How long the engine searches for a page of rows before it answers with what it found. */
export const SEARCH_WITHIN_MS = 1000;
/** The pause between two calls while older matches are still being counted (ingest and other windows get the engine meanwhile). */
const COUNTING_PAUSE_MS = 150;

export interface RowKey {
  live: boolean;
  /** Index into `older` or `live`. */
  idx: number;
}

export class LogsStore {
  /** The query being shown (the query bar's draft is the bar's own). */
  query = $state('');
  range: TimeRange = $state.raw({ kind: 'relative', last: '1h' });
  error: ApiError | null = $state.raw(null);
  /**
   * True from the start: the view loads its first page as soon as it is shown, and an empty view
   * meanwhile would ask the engine its own questions (EmptyLogs) ahead of the first page's.
   */
  loading = $state(true);
  /** The first page has been loading for over SLOW_SEARCH_MS. */
  slow = $state(false);
  /** The user cancelled the last search (the engine stops it at its deadline at the latest). */
  cancelled = $state(false);
  loadingOlder = $state(false);
  /** Bumped whenever rows are added. */
  version = $state(0);
  /** True while the list sits at its newest row and scrolls with new ones. */
  following = $state(true);
  /** Rows that arrived while not following. */
  newSincePause = $state(0);
  /** Records the tail left out because they came faster than a view can draw. */
  skipped = $state(0);
  histogram: HistogramView | null = $state.raw(null);
  /** What the last first page found by scanning text the full-text index has not reached yet (null: nothing). */
  unindexed: UnindexedPart | null = $state.raw(null);
  /** What the last first page did with the files' bytes not read yet (null: nothing unread). */
  unread: UnreadSearched | null = $state.raw(null);
  /**
   * The last page stopped part-way: every record newer than this time (RFC 3339) was searched, and
   * older ones are still to search (null: the pages so far were whole).
   */
  searchedBackTo: string | null = $state.raw(null);
  facets: FacetsView | null = $state.raw(null);
  /** Where the histogram's range ends (ms): newer rows from the tail are not in its count yet. */
  private countedTo = $state(0);
  /**
   * Where the histogram of a live range starts (ms) when it is fitted to the matches (null: the
   * range's own start). Kept across refreshes: a live view's matches only grow at the new end.
   */
  histogramFrom: number | null = $state(null);
  selected: LogRecordView | null = $state.raw(null);
  /** Expanded multi-line rows: record id → where it is and how much taller it is. */
  expanded: Map<number, { key: RowKey; extra: number }> = $state.raw(new Map());
  hasOlder = $state(false);
  /** Whether any row loaded has a logger (else the list gives the logger column no room). */
  hasLogger = $state(false);
  /** What the query looks for, to mark in rows and the detail (see lib/highlight). */
  readonly terms = $derived(searchTerms(this.query));
  readonly pattern = $derived(textPattern(this.terms));

  private older: LogRecordView[] = [];
  private live: LogRecordView[] = [];
  private nextCursor: string | null = null;
  /** Answers (rows, tail, counts, timers) of a search the user has moved on from are dropped. */
  private readonly latest = new LatestTicket();
  private unsubscribeTail: (() => void) | null = null;
  private pendingLive: LogRecordView[] = [];
  private frame = 0;
  private firstPageIds = new Set<number>();
  private firstPageDone = $state(false);
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private reloadTimer: ReturnType<typeof setTimeout> | null = null;
  private slowTimer: ReturnType<typeof setTimeout> | null = null;
  /** What the last refresh of the histogram and facets took. */
  private lastCountsMs = 0;
  /** Late history was left out of the tail: the view reloads when it follows the tail. */
  private lateArrived = false;
  private dirtyCounts = false;
  /** The `counting.before` of the last answer (null: complete): a call that did not move it made no progress. */
  private countingBefore: string | null = null;

  get count(): number {
    void this.version;
    return this.older.length + this.live.length;
  }

  /** Where older matches are still being counted (null: the counts shown are complete). */
  get counting(): CountingPart | null {
    return this.histogram?.counting ?? this.facets?.counting ?? null;
  }

  /** `total` is a lower bound: the histogram has older matches to count and the list does not hold them all. */
  get totalAtLeast(): boolean {
    return !!this.histogram?.counting && !(this.firstPageDone && !this.hasOlder);
  }

  /** How many records match (see matchTotal); null while not known or after a failed search. */
  get total(): number | null {
    if (this.error || this.loading) return null;
    const to = this.countedTo;
    let newer = 0;
    for (let i = this.live.length - 1; i >= 0 && Date.parse(this.live[i]!.timestamp) > to; i--) newer++;
    return matchTotal({
      counted: this.histogram?.total ?? null,
      newSinceCount: newer,
      loaded: this.count,
      allLoaded: this.firstPageDone && !this.hasOlder,
    });
  }

  /** The record at display index `i` (0 = oldest loaded). */
  at(i: number): LogRecordView | undefined {
    const n = this.older.length;
    return i < n ? this.older[n - 1 - i] : this.live[i - n];
  }

  keyAt(i: number): RowKey {
    const n = this.older.length;
    return i < n ? { live: false, idx: n - 1 - i } : { live: true, idx: i - n };
  }

  indexOfKey(key: RowKey): number {
    return key.live ? this.older.length + key.idx : this.older.length - 1 - key.idx;
  }

  /**
   * Show this query over this range: history first, then the live tail on top. `quiet` (history
   * arrived late) keeps the rows on screen until the new first page replaces them.
   */
  load(query: string, range: TimeRange, opts: { quiet?: boolean } = {}): void {
    this.query = query;
    this.range = range;
    const gen = this.latest.begin();
    this.stopTail();
    this.pendingLive = [];
    this.firstPageIds = new Set();
    this.firstPageDone = false;
    this.lateArrived = false;
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = null;
    this.following = true;
    this.newSincePause = 0;
    this.skipped = 0;
    this.error = null;
    this.cancelled = false;
    // (A page of the last search still on its way is dropped: it must not hold this one's back.)
    this.loadingOlder = false;
    this.stopSlowTimer();
    if (!opts.quiet) {
      this.histogramFrom = null;
      this.countingBefore = null;
      this.clearRows();
      this.loading = true;
      this.version++;
      this.slowTimer = setTimeout(() => {
        if (this.latest.isLatest(gen) && this.loading) this.slow = true;
      }, SLOW_SEARCH_MS);
    }

    // Subscribe before searching so nothing written in between is missed; the overlap with the
    // first page is removed by id.
    if (isLive(range)) {
      this.unsubscribeTail = api.subscribe(
        'logs.tail',
        { q: query },
        (batch) => this.onLive(gen, batch),
        (err) => {
          if (this.latest.isLatest(gen)) this.error = err;
        },
      );
    }
    api
      .request('logs.search', { q: query, ...rangeParams(range), limit: FIRST_PAGE, within: SEARCH_WITHIN_MS })
      .then((page) => {
        if (!this.latest.isLatest(gen)) return;
        this.clearRows();
        this.older = page.records;
        this.noteLoggers(page.records);
        this.firstPageIds = new Set(page.records.map((r) => r.id));
        this.nextCursor = page.nextCursor;
        this.hasOlder = page.nextCursor !== null;
        this.searchedBackTo = page.searchedBackTo ?? null;
        this.firstPageDone = true;
        this.unindexed = page.unindexed ?? null;
        this.unread = page.unread ?? null;
        this.version++;
        this.scheduleFlush();
      })
      .catch((err: unknown) => {
        if (this.latest.isLatest(gen)) this.error = toApiError(err);
      })
      .finally(() => {
        if (!this.latest.isLatest(gen)) return;
        this.loading = false;
        this.stopSlowTimer();
      });
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    if (opts.quiet) {
      // The counts catch up on their paced schedule: a reload is no reason to count again at once.
      this.dirtyCounts = true;
      this.scheduleRefresh(gen);
      return;
    }
    this.refreshNow(gen);
  }

  /**
   * Stop waiting for the search on screen: its answers (rows, counts, tail) are dropped when they
   * come. The engine runs one search at a time and stops a long one at its deadline (10 s); the
   * next query waits behind it at most that long.
   */
  cancel(): void {
    this.latest.drop();
    this.stopTail();
    this.stopSlowTimer();
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    this.loading = false;
    this.cancelled = true;
    // Older pages are no longer asked on by themselves (scrolling up still asks for them).
    this.loadingOlder = false;
    this.searchedBackTo = null;
  }

  private stopSlowTimer(): void {
    if (this.slowTimer) clearTimeout(this.slowTimer);
    this.slowTimer = null;
    this.slow = false;
  }

  private clearRows(): void {
    this.older = [];
    this.live = [];
    this.nextCursor = null;
    this.hasOlder = false;
    this.searchedBackTo = null;
    this.hasLogger = false;
    this.expanded = new Map();
  }

  private noteLoggers(records: LogRecordView[]): void {
    if (!this.hasLogger && records.some((r) => r.logger)) this.hasLogger = true;
  }

  /** Count now, then schedule the next refresh. */
  private refreshNow(gen: number): void {
    const started = performance.now();
    void this.refreshCounts(gen).then(() => {
      if (!this.latest.isLatest(gen)) return;
      this.lastCountsMs = performance.now() - started;
      this.scheduleRefresh(gen);
    });
  }

  /**
   * One refresh at a time. While older matches are still being counted, soon (any range: the next
   * call goes on from what the engine kept, so `before` moves back each time; if it did not, at the
   * paced rate rather than hammering the engine). Else, while live, the counts follow the tail,
   * spaced by what the last refresh cost; a fixed range is done.
   */
  private scheduleRefresh(gen: number): void {
    if (!this.latest.isLatest(gen)) return;
    const before = this.counting?.before ?? null;
    const counting = before !== null;
    const progressed = counting && before !== this.countingBefore;
    this.countingBefore = before;
    if (!counting && !isLive(this.range)) return;
    this.refreshTimer = setTimeout(
      () => {
        this.refreshTimer = null;
        // A failed search is not counted again and again: the next search starts over.
        if (!this.latest.isLatest(gen) || this.error) return;
        if (!counting && !this.dirtyCounts) return this.scheduleRefresh(gen);
        this.refreshNow(gen);
      },
      progressed ? COUNTING_PAUSE_MS : nextRefreshDelay(this.lastCountsMs),
    );
  }

  /**
   * The next page of older records; resolves with how many rows were added at the top. A page that
   * stopped part-way with no record is asked on at once (the status says how far back it is), so a
   * call ends with rows or at the search's end — or when the user moves on or cancels.
   * `onAdded` runs in the same update as the rows (see LogList's loadOlder).
   */
  async loadOlder(onAdded?: (added: number) => void): Promise<number> {
    if (!this.nextCursor || this.loadingOlder) return 0;
    const gen = this.latest.current();
    this.loadingOlder = true;
    try {
      for (;;) {
        const page: LogPage = await api.request('logs.search', {
          q: this.query,
          ...rangeParams(this.range),
          limit: OLDER_PAGE,
          cursor: this.nextCursor,
          within: SEARCH_WITHIN_MS,
        });
        if (!this.latest.isLatest(gen)) return 0;
        for (const r of page.records) this.older.push(r);
        this.noteLoggers(page.records);
        this.nextCursor = page.nextCursor;
        this.hasOlder = page.nextCursor !== null;
        this.searchedBackTo = page.searchedBackTo ?? null;
        if (page.records.length === 0 && this.searchedBackTo !== null && this.nextCursor !== null) continue;
        this.version++;
        onAdded?.(page.records.length);
        return page.records.length;
      }
    } catch (err) {
      if (this.latest.isLatest(gen)) this.error = toApiError(err);
      return 0;
    } finally {
      if (this.latest.isLatest(gen)) this.loadingOlder = false;
    }
  }

  setFollowing(following: boolean): void {
    if (following === this.following) return;
    this.following = following;
    if (following) this.newSincePause = 0;
    if (following && this.lateArrived) this.reloadSoon();
  }

  toggleExpanded(i: number, extra: number): void {
    const record = this.at(i);
    if (!record) return;
    const next = new Map(this.expanded);
    if (next.has(record.id)) next.delete(record.id);
    else next.set(record.id, { key: this.keyAt(i), extra });
    this.expanded = next;
  }

  /** An expanded row's extra height as drawn (its text wraps, so only the page can measure it). */
  setExtraHeight(id: number, extra: number): void {
    const e = this.expanded.get(id);
    if (!e || e.extra === extra) return;
    this.expanded = new Map(this.expanded).set(id, { ...e, extra });
  }

  /** Expanded rows by display index, for the layout. */
  expandedRows(): { index: number; extra: number }[] {
    void this.version;
    return [...this.expanded.values()].map((e) => ({ index: this.indexOfKey(e.key), extra: e.extra }));
  }

  select(record: LogRecordView | null): void {
    this.selected = record;
  }

  dispose(): void {
    this.latest.drop();
    this.stopTail();
    this.stopSlowTimer();
    if (this.reloadTimer) clearTimeout(this.reloadTimer);
    this.reloadTimer = null;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
  }

  private stopTail(): void {
    this.unsubscribeTail?.();
    this.unsubscribeTail = null;
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
  }

  private onLive(gen: number, batch: LiveBatch): void {
    if (!this.latest.isLatest(gen)) return;
    const start = resolveRange(this.range).from;
    let newest = this.newestMs();
    for (const r of batch.records) {
      const t = Date.parse(r.timestamp);
      // Not in this view's range (a folder's old history): not for this list.
      if (t < start) continue;
      // History arriving now (a folder just added, a file read again): appended at the bottom it
      // would break the time order, so the view reloads instead.
      if (t < newest - LATE_MS) {
        this.lateArrived = true;
        continue;
      }
      if (t > newest) newest = Math.min(t, Date.now());
      this.pendingLive.push(r);
    }
    if (this.lateArrived && this.following) this.reloadSoon();
    if (batch.skipped) this.skipped += batch.skipped;
    this.dirtyCounts = true;
    this.scheduleFlush();
  }

  /**
   * The time of the newest row shown or about to be (-Infinity when there is none), at most now: a
   * source whose clock runs ahead (UTC read as local time) must not make everyone else "late".
   */
  private newestMs(): number {
    const last = this.pendingLive.at(-1) ?? this.at(this.count - 1);
    return last ? Math.min(Date.parse(last.timestamp), Date.now()) : -Infinity;
  }

  /** A quiet reload, at most one per RELOAD_MS, while following (not under the eyes of a reader). */
  private reloadSoon(): void {
    if (this.reloadTimer) return;
    const gen = this.latest.current();
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = null;
      if (this.latest.isLatest(gen) && this.following && this.lateArrived) this.load(this.query, this.range, { quiet: true });
    }, RELOAD_MS);
  }

  /** However many batches arrive, the rows change once per frame. */
  private scheduleFlush(): void {
    if (this.frame || !this.firstPageDone || this.pendingLive.length === 0) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const fresh = this.pendingLive.filter((r) => !this.firstPageIds.has(r.id) && !this.replacePending(r));
      this.pendingLive = [];
      if (fresh.length === 0) return;
      for (const r of fresh) this.live.push(r);
      this.noteLoggers(fresh);
      if (!this.following) this.newSincePause += fresh.length;
      // A tail left running for hours must not fill the page's memory: keep the newest rows; the
      // older ones come back by scrolling up. While the user reads (paused) only a far bigger
      // bound applies, so rows don't move under their eyes.
      if (this.count > (this.following ? MAX_ROWS : MAX_ROWS * 4)) this.trimOldest(this.count - MAX_ROWS);
      this.version++;
    });
  }

  /**
   * A record of the first page found in a file's unread bytes (`pending`) is stored a moment later
   * and comes by the tail: it takes the pending row's place rather than showing twice.
   */
  private replacePending(r: LogRecordView): boolean {
    if (!this.unread) return false;
    const i = this.older.findIndex((o) => o.pending && o.file === r.file && o.timestamp === r.timestamp && o.message === r.message);
    if (i < 0) return false;
    this.older[i] = r;
    return true;
  }

  /** Forget the `n` oldest rows in memory; the cursor then points just past the oldest one kept. */
  private trimOldest(n: number): void {
    const fromOlder = Math.min(n, this.older.length);
    this.older.length -= fromOlder;
    const fromLive = n - fromOlder;
    if (fromLive > 0) this.live.splice(0, fromLive);
    const expanded = new Map<number, { key: RowKey; extra: number }>();
    for (const [id, e] of this.expanded) {
      if (!e.key.live && e.key.idx < this.older.length) expanded.set(id, e);
      else if (e.key.live && e.key.idx >= fromLive) expanded.set(id, { ...e, key: { live: true, idx: e.key.idx - fromLive } });
    }
    this.expanded = expanded;
    const oldest = this.at(0);
    // A record found in a file's unread bytes has no row id: its time is where older ones start.
    this.nextCursor = oldest ? String(oldest.pending ? parseTimeParam(oldest.timestamp) : oldest.id) : null;
    this.hasOlder = this.nextCursor !== null;
  }

  /**
   * The histogram, then the facets (the engine reuses the histogram's level totals for them);
   * settles when both are back (or failed). The last answers stay on screen until the new ones come.
   */
  private async refreshCounts(gen: number): Promise<void> {
    this.dirtyCounts = false;
    // The chart of "last hour" ends now (not at the newest record).
    const range = rangeParams(this.range);
    const to = range.to ?? new Date().toISOString();
    const params = { q: this.query, ...range, to, within: COUNT_WITHIN_MS };
    const fitted =
      this.histogramFrom !== null && this.histogramFrom > Date.parse(range.from) ? new Date(this.histogramFrom).toISOString() : null;
    try {
      let h = await api.request('logs.histogram', { ...params, from: fitted ?? params.from, buckets: HISTOGRAM_BUCKETS });
      if (!this.latest.isLatest(gen)) return;
      // Not while counting: the newest buckets being the only full ones says nothing about where the matches start.
      const from = fitted === null && isLive(this.range) && !h.counting ? fitFrom(h) : null;
      if (from !== null) {
        // The matches are a burst at the end of the range: chart from where they start.
        this.histogramFrom = from;
        h = await api.request('logs.histogram', { ...params, from: new Date(from).toISOString(), buckets: HISTOGRAM_BUCKETS });
        if (!this.latest.isLatest(gen)) return;
      }
      this.histogram = h;
      this.countedTo = Date.parse(to);
    } catch {
      // The search reports the same error, once; counts of an earlier query would mislead.
      if (this.latest.isLatest(gen)) this.histogram = null;
    }
    if (!this.latest.isLatest(gen)) return;
    try {
      const f = await api.request('logs.facets', params);
      if (this.latest.isLatest(gen)) this.facets = f;
    } catch {
      if (this.latest.isLatest(gen)) this.facets = null;
    }
  }
}
