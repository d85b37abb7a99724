// One chart's data: its queries over the view's time range, the latest request winning, and
// while the range is live ("the last hour") asked again as the logs histogram is, spaced by what
// the last answer cost (refresh-pacing), so the lines advance as points arrive.
import { api } from '../../lib/client.js';
import { LatestRequest } from '../../lib/latest-request.svelte.js';
import { isLive, resolveRange, type TimeRange } from '../../lib/time-range.js';
import { nextRefreshDelay } from '../../lib/refresh-pacing.js';
import { chartSeries, type ChartSeries } from './chart-data.js';
import { stepFor, type ChartQuery } from './promql-build.js';

/** Points per series asked of the engine: a few hundred, whatever the range (decimation does the rest). */
export const POINTS_PER_SERIES = 300;

export class RangeQuery {
  series: ChartSeries[] = $state.raw([]);
  /** Series left out (over the per-chart cap). */
  omitted = $state(0);
  from = $state(0);
  to = $state(0);
  readonly request = new LatestRequest();
  private timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Ask `queries` (built for a step by `build`) over `range`; again and again while it is live.
   * Each call replaces the previous one.
   */
  start(build: (stepSeconds: number) => ChartQuery[], range: TimeRange): void {
    this.stop();
    void this.load(build, range);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.request.drop();
  }

  private async load(build: (stepSeconds: number) => ChartQuery[], range: TimeRange): Promise<void> {
    const { from, to } = resolveRange(range);
    const step = stepFor(to - from, POINTS_PER_SERIES);
    const queries = build(step);
    const began = performance.now();
    // The ticket `run` is about to take: whether this load is still the latest once answered.
    const ticket = this.request.current() + 1;
    await this.request.run(
      () =>
        Promise.all(
          queries.map(async (query) => ({
            query,
            data: await api.request('metrics.queryRange', { query: query.expr, start: from / 1000, end: to / 1000, step }),
          })),
        ),
      (answers) => {
        const { series, omitted } = chartSeries(answers, step * 1000);
        this.series = series;
        this.omitted = omitted;
        this.from = from;
        this.to = to;
      },
      () => {
        this.series = [];
        this.omitted = 0;
      },
    );
    // Still the latest (not stopped or restarted meanwhile) and live: ask again later.
    if (isLive(range) && this.request.isLatest(ticket)) {
      this.timer = setTimeout(() => void this.load(build, range), nextRefreshDelay(performance.now() - began));
    }
  }
}
