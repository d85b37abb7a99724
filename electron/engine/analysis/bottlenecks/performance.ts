// The Performance page's answer for a time range: the golden signals per service (RED series),
// slow queries, N+1 repetitions and endpoint time splits (spans), and the saturation findings
// (metrics), optionally for one service.
import type { PerformanceView } from '../../../../shared/model.js';
import { usToRfc3339 } from '../../../../shared/time.js';
import type { Db } from '../../core/database.js';
import { BadRequestError } from '../../core/errors.js';
import { DEFAULT_APDEX_T, goldenSignals, resourceFindings, type InstantQuery } from './metric-findings.js';
import { DEFAULT_N_PLUS_ONE, SpanBottleneckReader } from './span-bottlenecks.js';

/** The range when none is given: the last hour. */
export const DEFAULT_RANGE_US = 3_600_000_000;

export interface PerformanceParams {
  from?: number | undefined;
  to?: number | undefined;
  service?: string | undefined;
  /** Repetitions under one parent that make an N+1 (default DEFAULT_N_PLUS_ONE). */
  nPlusOne?: number | undefined;
  /** Apdex T in seconds: `0.3` for every service, `checkout=0.2` for one (later entries win). */
  apdexT?: string[] | undefined;
  limit?: number | undefined;
}

/** `['0.3', 'checkout=0.2']` → T per service, with the default. */
export function parseApdexT(entries: readonly string[]): (service: string) => number {
  let fallback = DEFAULT_APDEX_T;
  const perService = new Map<string, number>();
  for (const entry of entries) {
    const eq = entry.lastIndexOf('=');
    const value = Number(eq < 0 ? entry : entry.slice(eq + 1));
    if (!(value > 0) || !Number.isFinite(value)) {
      throw new BadRequestError(`apdexT: "${entry}" is not seconds > 0 (e.g. 0.5) or service=seconds (e.g. checkout=0.2)`);
    }
    if (eq < 0) fallback = value;
    else perService.set(entry.slice(0, eq), value);
  }
  return (service) => perService.get(service) ?? fallback;
}

export class Performance {
  private readonly spans: SpanBottleneckReader;

  constructor(
    db: Db,
    private readonly promql: InstantQuery,
    private readonly nowUs: () => number,
  ) {
    this.spans = new SpanBottleneckReader(db);
  }

  get(p: PerformanceParams): PerformanceView {
    const toUs = p.to ?? this.nowUs();
    const fromUs = p.from ?? toUs - DEFAULT_RANGE_US;
    if (!(fromUs < toUs)) throw new BadRequestError('from: the range must start before it ends');
    const nPlusOneMin = p.nPlusOne ?? DEFAULT_N_PLUS_ONE;
    if (nPlusOneMin < 2) throw new BadRequestError(`nPlusOne: ${nPlusOneMin} repetitions are no N+1 (2 or more)`);
    const apdexT = parseApdexT(p.apdexT ?? []);
    const spans = this.spans.read({ fromUs, toUs, service: p.service, nPlusOneMin, limit: p.limit });
    const toMs = Math.floor(toUs / 1000);
    const rangeS = (toUs - fromUs) / 1e6;
    const services = goldenSignals(this.promql, toMs, rangeS, apdexT, spans.maxServedUs).filter(
      (s) => p.service === undefined || s.service === p.service,
    );
    return {
      from: usToRfc3339(fromUs),
      to: usToRfc3339(toUs),
      services,
      slowQueries: spans.slowQueries,
      nPlusOne: spans.nPlusOne,
      nPlusOneMin,
      endpoints: spans.endpoints,
      resources: resourceFindings(this.promql, toMs, rangeS, p.service),
      spansRead: spans.spansRead,
      complete: spans.complete,
    };
  }
}
