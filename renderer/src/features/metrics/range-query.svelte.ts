// One chart's data: its queries over the view's time range, the latest request winning, and
// while the range is live ("the last hour") asked again as the logs histogram is, spaced by what
// the last answer cost (refresh-pacing), so the lines advance as points arrive. The exemplars of
// the same queries come with each answer (a chart without them still draws its lines).
import { api } from '../../lib/client.js';
import { LatestRequest } from '../../lib/latest-request.svelte.js';
import { isLive, resolveRange, type TimeRange } from '../../lib/time-range.js';
import { nextRefreshDelay } from '../../lib/refresh-pacing.js';
import type { PromExemplarSeries, PromQueryData } from '../../../../shared/model.js';
import { chartSeries, exemplarPoints, type ChartSeries, type ExemplarPoint } from './chart-data.js';
import { stepFor, type ChartQuery } from './promql-build.js';

/** Points per series asked of the engine: a few hundred, whatever the range (decimation does the rest). */
export const POINTS_PER_SERIES = 300;

export class RangeQuery {
  series: ChartSeries[] = $state.raw([]);
  exemplars: ExemplarPoint[] = $state.raw([]);
  /** The answers as they came (a heatmap reads all a histogram's buckets, past the per-chart cap). */
  answers: { query: ChartQuery; data: PromQueryData }[] = $state.raw([]);
  /** Series left out (over the per-chart cap). */
  omitted = $state(0);
  from = $state(0);
  to = $state(0);
  readonly request = new LatestRequest();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    /** Points per series asked of the engine. */
    private readonly points = POINTS_PER_SERIES,
    /** Whether to ask for the queries' exemplars too. */
    private readonly withExemplars = true,
  ) {}

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
    const step = stepFor(to - from, this.points);
    const queries = build(step);
    const began = performance.now();
    // The ticket `run` is about to take: whether this load is still the latest once answered.
    const ticket = this.request.current() + 1;
    await this.request.run(
      () =>
        Promise.all([
          Promise.all(
            queries.map(async (query) => ({
              query,
              data: await api.request('metrics.queryRange', { query: query.expr, start: from / 1000, end: to / 1000, step }),
            })),
          ),
          Promise.all(
            (this.withExemplars ? queries : []).map((query) =>
              api
                .request('metrics.queryExemplars', { query: query.expr, start: from / 1000, end: to / 1000 })
                // The lines are what the chart is for: without exemplars (an engine without them) it still draws.
                .catch((): PromExemplarSeries[] => []),
            ),
          ),
        ]),
      ([answers, exemplars]) => {
        const { series, omitted } = chartSeries(answers, step * 1000);
        this.answers = answers;
        this.series = series;
        this.exemplars = exemplarPoints(exemplars);
        this.omitted = omitted;
        this.from = from;
        this.to = to;
      },
      () => {
        this.series = [];
        this.answers = [];
        this.exemplars = [];
        this.omitted = 0;
      },
    );
    // Still the latest (not stopped or restarted meanwhile) and live: ask again later.
    if (isLive(range) && this.request.isLatest(ticket)) {
      this.timer = setTimeout(() => void this.load(build, range), nextRefreshDelay(performance.now() - began));
    }
  }
}
