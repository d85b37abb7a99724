// Dynamic baselines and anomalies of the golden signals per service. Two uses of the same
// judgement (robust-baseline.ts over golden-signals.ts):
// - `list`: the anomalies over a range, each step against the baseline of the hours before it
//   and of the same hour yesterday, for the charts' markers (anomalies.list);
// - a job every minute writes each service's baseline and score as series
//   (`loupe:baseline:<signal>`, `loupe:anomaly_score:<signal>`, label `service_name`), so an alert
//   rule can say "error ratio 5× its usual" in PromQL and its chart shows the usual beside it.
//   It keeps the last day of values in memory and reads only the minutes since its last run;
//   `list` takes what it holds from there too.
import { usToRfc3339 } from '../../../../shared/time.js';
import type { AnomaliesView, AnomalyView } from '../../../../shared/anomalies.js';
import { BadRequestError } from '../../core/errors.js';
import type { Clock } from '../../core/clock.js';
import type { JobSpec } from '../../core/module.js';
import type { Labels, SeriesStore } from '../../signals/metrics/promql/index.js';
import {
  baselines,
  BLOCK_MS,
  DAY_MS,
  historyRanges,
  readSignals,
  SIGNAL_RULES,
  SIGNALS,
  STEP_MS,
  WINDOW_MS,
  YESTERDAY_HALF_MS,
  type ServiceSignals,
} from './golden-signals.js';
import { DEFAULT_DETECT, detect, judge, type DetectOptions, type SignalPoint } from './robust-baseline.js';

/** How often the baseline series are written. */
export const BASELINE_JOB_MS = 60_000;
export const BASELINE_JOB = 'anomalies.baseline';
/** The longest range `list` judges (a week of minutes). */
export const MAX_RANGE_MS = 7 * DAY_MS;
const DEFAULT_RANGE_MS = 3_600_000;
/** The names of the written series: `loupe:baseline:error_ratio{service_name="shop"}`. */
export const BASELINE_SERIES = 'loupe:baseline:';
export const SCORE_SERIES = 'loupe:anomaly_score:';

export interface AnomaliesDeps {
  store: SeriesStore;
  clock: Clock;
  /** Writes samples as gauge points (the baseline series). */
  writeSeries(samples: { labels: Labels; value: number }[], tsMs: number): void;
  options?: DetectOptions;
}

const ms = (us: number): number => Math.floor(us / 1000);

/** Adds `more`'s points after those of `into` (per service and signal, in time order). */
function append(into: ServiceSignals, more: ServiceSignals): void {
  for (const [service, signals] of more) {
    const have = into.get(service);
    if (!have) {
      into.set(service, signals);
      continue;
    }
    for (const s of SIGNALS) {
      const last = have[s].at(-1)?.t ?? -Infinity;
      for (const p of signals[s]) if (p.t > last) have[s].push(p);
    }
  }
}

export class Anomalies {
  private readonly options: DetectOptions;
  /** The job's memory: every service's values of the last day and a bit, and up to when. */
  private history: ServiceSignals = new Map();
  private readUpToMs: number | null = null;
  /** The start of what it holds (older points are dropped at each run). */
  private heldFromMs = Infinity;
  private stats = { runs: 0, failures: 0, lastError: null as string | null, series: 0 };

  constructor(private readonly deps: AnomaliesDeps) {
    this.options = deps.options ?? DEFAULT_DETECT;
  }

  /** The anomalies in [from, to] (µs; default the last hour), for every service or one. */
  list(p: { from?: number | undefined; to?: number | undefined; service?: string | undefined }): AnomaliesView {
    const toMs = p.to === undefined ? this.deps.clock.nowMs() : ms(p.to);
    const fromMs = p.from === undefined ? toMs - DEFAULT_RANGE_MS : ms(p.from);
    if (fromMs >= toMs) throw new BadRequestError('from: must be before to.');
    if (toMs - fromMs > MAX_RANGE_MS) throw new BadRequestError('from, to: at most 7 days apart.');
    const signals: ServiceSignals = new Map();
    for (const r of historyRanges(fromMs, toMs)) append(signals, this.read(r.fromMs, r.toMs, p.service));
    const anomalies: AnomalyView[] = [];
    for (const [service, bySignal] of signals) {
      for (const signal of SIGNALS) {
        const points = bySignal[signal];
        const rule = SIGNAL_RULES[signal];
        const judged = points.filter((x) => x.t >= fromMs && x.t <= toMs);
        for (const span of detect(judged, baselines(points, rule, this.options.minHistory), rule, STEP_MS, this.options)) {
          anomalies.push({
            service,
            signal,
            direction: span.direction,
            from: usToRfc3339(span.fromMs * 1000),
            to: usToRfc3339(span.toMs * 1000),
            value: span.value,
            baseline: span.baseline,
            score: span.score,
            events: span.events,
          });
        }
      }
    }
    anomalies.sort((a, b) => a.from.localeCompare(b.from) || a.service.localeCompare(b.service));
    return {
      anomalies,
      services: signals.size,
      minScore: this.options.minScore,
      minRatios: Object.fromEntries(SIGNALS.map((s) => [s, SIGNAL_RULES[s].minRatio])) as AnomaliesView['minRatios'],
      minEvents: this.options.minEvents,
      stepSeconds: STEP_MS / 1000,
      windowSeconds: WINDOW_MS / 1000,
    };
  }

  /**
   * The signals in [fromMs, toMs]: what the job holds in memory (the last day, up to its last run)
   * taken from there, the rest read from the store — the same values, as each minute's is its
   * window's, whatever range it is read in.
   */
  private read(fromMs: number, toMs: number, service: string | undefined): ServiceSignals {
    const heldTo = this.readUpToMs;
    if (heldTo === null || toMs < this.heldFromMs || fromMs > heldTo) return readSignals(this.deps.store, fromMs, toMs, service);
    const out: ServiceSignals = new Map();
    if (fromMs < this.heldFromMs) append(out, readSignals(this.deps.store, fromMs, this.heldFromMs - 1, service));
    const held: ServiceSignals = new Map();
    for (const [name, bySignal] of this.history) {
      if (service !== undefined && name !== service) continue;
      // Copies: `append` keeps the arrays it is given, and the job's own grow and shrink.
      const copy = (points: SignalPoint[]): SignalPoint[] => points.filter((x) => x.t >= fromMs && x.t <= toMs);
      held.set(name, {
        request_rate: copy(bySignal.request_rate),
        error_ratio: copy(bySignal.error_ratio),
        latency_p95: copy(bySignal.latency_p95),
        log_rate: copy(bySignal.log_rate),
      });
    }
    append(out, held);
    if (toMs > heldTo) append(out, readSignals(this.deps.store, heldTo + 1, toMs, service));
    return out;
  }

  /** The job: read the minutes since the last run, write each service's baseline and score now. */
  writeBaselines(): void {
    try {
      this.writeBaselinesAt(this.deps.clock.nowMs());
      this.stats.runs++;
    } catch (err) {
      this.stats.failures++;
      this.stats.lastError = err instanceof Error ? err.message : String(err);
      throw err;
    }
  }

  private writeBaselinesAt(nowMs: number): void {
    const keepFromMs = nowMs - DAY_MS - YESTERDAY_HALF_MS - BLOCK_MS;
    // A first run (or one after a long pause) reads the day back; later ones the minutes since.
    const fromMs = this.readUpToMs === null || this.readUpToMs < keepFromMs ? keepFromMs : this.readUpToMs + 1;
    if (fromMs === keepFromMs) this.history = new Map();
    append(this.history, readSignals(this.deps.store, fromMs, nowMs));
    this.readUpToMs = nowMs;
    this.heldFromMs = keepFromMs;
    const samples: { labels: Labels; value: number }[] = [];
    for (const [service, bySignal] of this.history) {
      let kept = 0;
      for (const signal of SIGNALS) {
        const points = bySignal[signal];
        const cut = points.findIndex((x) => x.t >= keepFromMs);
        points.splice(0, cut === -1 ? points.length : cut);
        kept += points.length;
        const rule = SIGNAL_RULES[signal];
        const bases = baselines(points, rule, this.options.minHistory)(nowMs);
        if (bases.length === 0) continue;
        const labels = { service_name: service };
        const latest: SignalPoint | undefined = points.at(-1);
        // The newest value's score, when it is fresh (a service that stopped has none), against the
        // closer of its baselines; without one, the recent baseline alone.
        const judged = latest && nowMs - latest.t <= STEP_MS && Number.isFinite(latest.v) ? judge(latest, bases, rule, this.options) : null;
        samples.push({ labels: { __name__: BASELINE_SERIES + signal, ...labels }, value: (judged?.base ?? bases[0]!).median });
        if (judged) samples.push({ labels: { __name__: SCORE_SERIES + signal, ...labels }, value: judged.score });
      }
      if (kept === 0) this.history.delete(service);
    }
    this.stats.series = samples.length;
    if (samples.length > 0) this.deps.writeSeries(samples, nowMs);
  }

  /** The scheduler job that writes the baseline series every minute. */
  get baselineJob(): JobSpec {
    return { name: BASELINE_JOB, everyMs: BASELINE_JOB_MS, run: () => this.writeBaselines() };
  }

  get status(): { runs: number; failures: number; lastError: string | null; series: number } {
    return { ...this.stats };
  }
}
