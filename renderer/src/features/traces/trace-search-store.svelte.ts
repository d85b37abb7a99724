// The trace search's state: the services to choose from, the traces found (a page at a time), and
// trace files being imported. The filters and range live in the URL (see trace-search-state); the
// view hands them to `load` whenever they change.
import { API_LIMITS } from '../../../../shared/api.js';
import type { ServiceView, TraceSummaryView } from '../../../../shared/model.js';
import { api } from '../../lib/client.js';
import { errorMessage, LatestRequest } from '../../lib/latest-request.svelte.js';
import { rangeParams, type TimeRange } from '../../lib/time-range.js';
import { searchRequest, traceLink, type TraceFilters } from './trace-search-state.js';

/** Traces per page (the first one, and each "Load more"). */
export const PAGE_SIZE = 500;

export class TraceSearchStore {
  /** The services and operations seen in the range: the choices of the form. */
  services: ServiceView[] = $state.raw([]);
  traces: TraceSummaryView[] = $state.raw([]);
  total = $state(0);
  totalCapped = $state(false);
  nextCursor: string | null = $state(null);
  loadingMore = $state(false);
  importing = $state(false);
  importMessage = $state('');
  importError = $state('');
  /** The search on screen: its loading and error (a later search drops an earlier one's answer). */
  readonly search = new LatestRequest();
  /** What the list on screen was searched with, for its next page and a reload. */
  private filters: TraceFilters | null = null;
  private range: TimeRange = { kind: 'relative', last: '1h' };

  readonly errorTraces = $derived(this.traces.filter((t) => t.errorCount > 0).length);

  async load(filters: TraceFilters, range: TimeRange): Promise<void> {
    // A copy: the form's draft is handed in, and edits to it are not what was searched.
    this.filters = { ...filters };
    this.range = range;
    await this.search.run(
      () => api.request('traces.search', searchRequest(filters, range, PAGE_SIZE)),
      (result) => {
        this.traces = result.traces;
        this.total = result.total;
        this.totalCapped = result.totalCapped === true;
        this.nextCursor = result.nextCursor;
      },
      () => {
        this.traces = [];
        this.total = 0;
        this.totalCapped = false;
        this.nextCursor = null;
      },
    );
  }

  async loadServices(range: TimeRange): Promise<void> {
    try {
      this.services = await api.request('services.list', { since: rangeParams(range).from });
    } catch {
      this.services = [];
    }
  }

  /** The next page of the same search, after the last trace shown. */
  async loadMore(): Promise<void> {
    const { filters, nextCursor: cursor } = this;
    if (!filters || !cursor || this.loadingMore) return;
    this.loadingMore = true;
    try {
      await this.search.extend(
        () => api.request('traces.search', { ...searchRequest(filters, this.range, PAGE_SIZE), cursor }),
        (result) => {
          this.traces = [...this.traces, ...result.traces];
          this.total = result.total;
          this.totalCapped = result.totalCapped === true;
          this.nextCursor = result.nextCursor;
        },
      );
    } finally {
      this.loadingMore = false;
    }
  }

  /**
   * Store the traces of an OTLP/JSON file. Resolves with the link to open when the file held one
   * trace (it may lie outside the range searched), else null (the search is run again).
   */
  async importFile(file: File): Promise<string | null> {
    this.importMessage = '';
    this.importError = '';
    if (file.size > API_LIMITS.maxImportBytes) {
      const size = (file.size / 1048576).toFixed(1);
      this.importError = `${file.name} is ${size} MB: trace files are limited to ${API_LIMITS.maxImportBytes / 1048576} MB.`;
      return null;
    }
    this.importing = true;
    try {
      const result = await api.request('traces.import', { json: await file.text() });
      const only = result.traceIds.length === 1 ? result.traceIds[0] : undefined;
      if (only && result.spans + result.duplicateSpans > 0) return traceLink(only);
      const duplicates = result.duplicateSpans ? `, ${result.duplicateSpans} already there` : '';
      const refused = result.rejectedSpans ? `, ${result.rejectedSpans} refused (${result.rejectReason ?? 'invalid'})` : '';
      this.importMessage = `${file.name}: ${result.spans} spans of ${result.traceIds.length} traces stored${duplicates}${refused}.`;
      if (this.filters) void this.load(this.filters, this.range);
      return null;
    } catch (err) {
      this.importError = `${file.name}: ${errorMessage(err)}`;
      return null;
    } finally {
      this.importing = false;
    }
  }
}
