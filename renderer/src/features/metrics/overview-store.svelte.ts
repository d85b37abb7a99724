// The service overview's rows: per service (or per operation of one service) its request rate,
// error ratio and p50/p95/p99 latency over the range, each as a line and its newest value, from
// the RED series (lib/red-series.ts); per service also the CPU and memory of its processes when Loupe
// knows them, and the golden signals' anomalies of the range (marked on the lines). Refreshed while
// the range is live, as every chart is.
import { api } from '../../lib/client.js';
import { LatestRequest } from '../../lib/latest-request.svelte.js';
import { isLive, resolveRange, type TimeRange } from '../../lib/time-range.js';
import { nextRefreshDelay } from '../../lib/refresh-pacing.js';
import { matrixSeries, type SeriesPoint } from './chart-data.js';
import { stepFor } from './promql-build.js';
import type { AnomalyView } from '../../../../shared/anomalies.js';
import {
  OPERATION_LABEL,
  redQueries,
  saturationQueries,
  SERVICE_LABEL,
  type RedColumn,
  type SaturationColumn,
} from '../../lib/red-series.js';

/** Sparklines are small: fewer points than a chart. */
const SPARK_POINTS = 60;
const RED_COLUMNS: readonly RedColumn[] = ['rate', 'errors', 'p50', 'p95', 'p99'];
/** Processes belong to services: operations have no saturation. */
const SATURATION_COLUMNS: readonly SaturationColumn[] = ['cpu', 'rss'];

export type OverviewColumn = RedColumn | SaturationColumn;

export interface RedCell {
  points: SeriesPoint[];
  last: number | null;
}

export interface RedRow {
  /** The service's or operation's name. */
  name: string;
  cells: Record<OverviewColumn, RedCell>;
}

const EMPTY: RedCell = { points: [], last: null };

export class OverviewStore {
  rows: RedRow[] = $state.raw([]);
  /** The anomalies of the range, of every service or of the one opened. */
  anomalies: AnomalyView[] = $state.raw([]);
  from = $state(0);
  to = $state(0);
  readonly request = new LatestRequest();
  readonly marksRequest = new LatestRequest();
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** Load the rows per service, or per operation of `service`; again while `range` is live. */
  start(range: TimeRange, service?: string): void {
    this.stop();
    void this.load(range, service);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.request.drop();
    this.marksRequest.drop();
    this.anomalies = [];
  }

  private async load(range: TimeRange, service?: string): Promise<void> {
    const { from, to } = resolveRange(range);
    const step = stepFor(to - from, SPARK_POINTS);
    const by = service === undefined ? SERVICE_LABEL : OPERATION_LABEL;
    const red = redQueries(by, service);
    const asked: { column: OverviewColumn; query: string }[] = RED_COLUMNS.map((column) => ({ column, query: red[column] }));
    if (service === undefined) {
      const saturation = saturationQueries();
      asked.push(...SATURATION_COLUMNS.map((column) => ({ column, query: saturation[column] })));
    }
    // The marks come on their own (judging days of minutes takes longer than the lines), and while
    // the last ask is still being judged a refresh does not ask again. Without them (a range past
    // the 7 days judged) the table still draws.
    if (!this.marksRequest.loading) {
      void this.marksRequest.run(
        () =>
          api.request('anomalies.list', {
            from: new Date(from).toISOString(),
            to: new Date(to).toISOString(),
            ...(service ? { service } : {}),
          }),
        (r) => (this.anomalies = r.anomalies),
        () => (this.anomalies = []),
      );
    }
    const began = performance.now();
    // The ticket `run` is about to take: whether this load is still the latest once answered.
    const ticket = this.request.current() + 1;
    await this.request.run(
      () => Promise.all(asked.map(({ query }) => api.request('metrics.queryRange', { query, start: from / 1000, end: to / 1000, step }))),
      (answers) => {
        const byName = new Map<string, RedRow>();
        const row = (name: string): RedRow => {
          let r = byName.get(name);
          if (!r) {
            r = { name, cells: { rate: EMPTY, errors: EMPTY, p50: EMPTY, p95: EMPTY, p99: EMPTY, cpu: EMPTY, rss: EMPTY } };
            byName.set(name, r);
          }
          return r;
        };
        asked.forEach(({ column }, i) => {
          const data = answers[i];
          if (!data) return;
          for (const s of matrixSeries(data, { legend: '' }, step * 1000)) {
            const name = s.labels[by];
            if (name !== undefined) row(name).cells[column] = { points: s.points, last: s.last };
          }
        });
        // A service that had calls and no error has no error series: its ratio is 0, not unknown.
        for (const r of byName.values()) {
          if (r.cells.errors.last === null && r.cells.rate.last !== null) r.cells.errors = { points: [], last: 0 };
        }
        this.rows = [...byName.values()].sort((a, b) => (b.cells.rate.last ?? 0) - (a.cells.rate.last ?? 0) || (a.name < b.name ? -1 : 1));
        this.from = from;
        this.to = to;
      },
    );
    if (isLive(range) && this.request.isLatest(ticket)) {
      this.timer = setTimeout(() => void this.load(range, service), nextRefreshDelay(performance.now() - began));
    }
  }
}
