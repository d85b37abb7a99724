// The SLOs Loupe runs: slos.yml in the data dir (written from the API, editable by hand) and files
// given with `--slos` (read only), reloaded when they change (a file with mistakes keeps its last
// good SLOs, its mistakes shown by line:column). Every minute each SLO's numbers are written as the
// series Sloth's recording rules make, and its burn-rate alerts are a generated rule file the alerts
// module loads (slo-rules.yml in the data dir: generated, not to edit). Answers the API: list,
// detail over time, save, delete, OpenSLO import/export, evaluation over a chosen range. Events are
// counted from each SLO's minutes (slo-minutes.ts), filled by a job of its own, where the SLI allows.
import { performance } from 'node:perf_hooks';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { usToRfc3339 } from '../../../shared/time.js';
import type {
  SloDetailView,
  SloFileError,
  SloFileView,
  SloHistoryPoint,
  SloListView,
  SloSpec,
  SloStatusView,
} from '../../../shared/slo.js';
import { lookAgain } from '../core/changed-file.js';
import { BadRequestError, NotFoundError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../core/database.js';
import type { ScheduledJob, Scheduler } from '../core/scheduler.js';
import type { Labels, SeriesStore } from '../signals/metrics/promql/index.js';
import { withSearchDeadline } from '../signals/logs/query/index.js';
import { budget, burnRate, errorBudgetOf, monthOf, sliceCounts } from './budget.js';
import { editSlosFile, MONTH, readOpenSlo, readSlosFile, sloFromObject, sloId, windowMs, writeOpenSlo } from './slo-file.js';
import { logCounter, promCounter, promDuration, promPairOf, type CountLogs, type EventCounter, type StepCounts } from './sli.js';
import { minuteSliOf, SloMinutes, type MinuteSli } from './slo-minutes.js';
import {
  alertConditions,
  alertRuleGroup,
  guardedWindowsMs,
  periodName,
  recordedWindowsMs,
  SLI_ERROR,
  SLI_EVENTS,
  SLOTH_WINDOWS_MS,
  slothLabels,
} from './sloth.js';

export const SLOS_FILE = 'slos.yml';
/** The generated rule file of the SLOs' burn-rate alerts (loaded by the alerts module as a read-only rule file). */
export const SLO_RULES_FILE = 'slo-rules.yml';
/** How often the Sloth series are written, and the alert rules evaluated. */
export const SLO_INTERVAL_MS = 60_000;
export const SLO_RELOAD_MS = 2_000;
/** How often the minutes job runs, and how long one run may count (the backfill goes on at the next). */
export const SLO_MINUTES_EVERY_MS = 1_000;
const SLO_MINUTES_BUDGET_MS = 50;
/** The detail's charts: about this many steps over the window. */
const HISTORY_STEPS = 200;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export interface SlosDeps {
  clock: Clock;
  scheduler: Scheduler;
  series: SeriesStore;
  /** The database holding slo_minutes. */
  db: Db;
  countLogs: CountLogs;
  /** Writes samples as gauge points (the Sloth series). */
  writeSeries(samples: { labels: Labels; value: number }[], tsMs: number): void;
  dataDir: string;
  /** `loupe serve --slos FILE`. */
  extraFiles: readonly string[];
}

interface LoadedFile {
  path: string;
  editable: boolean;
  stamp: string | null;
  slos: SloSpec[];
  errors: SloFileError[];
}

interface Range {
  fromMs: number;
  toMs: number;
  /** The whole window's length (a calendar month's own). */
  windowMs: number;
  period: { startMs: number; endMs: number } | null;
}

export class Slos {
  private readonly files: LoadedFile[];
  private jobs: ScheduledJob[] = [];
  readonly rulesPath: string;
  private stats = { evaluations: 0, evaluationErrors: 0, lastError: null as string | null };
  private readonly minutes: SloMinutes;
  /** Each SLO's SLI as minute sources (null: read by PromQL), parsed once per spec. */
  private readonly minuteSlis = new WeakMap<SloSpec, MinuteSli | null>();
  /** SLOs whose minutes are still being counted from history. */
  private backfilling = 0;

  constructor(private readonly deps: SlosDeps) {
    this.files = [
      { path: join(deps.dataDir, SLOS_FILE), editable: true, stamp: null, slos: [], errors: [] },
      ...deps.extraFiles.map((path) => ({ path, editable: false, stamp: null, slos: [], errors: [] })),
    ];
    this.rulesPath = join(deps.dataDir, SLO_RULES_FILE);
    this.minutes = new SloMinutes(deps.db, deps.series);
    // Read now, and the rule file written before the alerts module loads it.
    this.reload(true);
    // Until the minutes job has run, every SLO it keeps counts as behind.
    this.backfilling = this.all().filter((e) => this.minuteSli(e.spec) !== null).length;
  }

  start(): void {
    const bad = this.files.filter((f) => !f.editable && f.errors.length > 0);
    if (bad.length > 0)
      throw new BadRequestError(
        `the SLO files have problems:\n${bad.flatMap((f) => f.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`)).join('\n')}`,
      );
    this.jobs = [
      this.deps.scheduler.add({ name: 'slos.reload', everyMs: SLO_RELOAD_MS, run: () => this.reload() }),
      this.deps.scheduler.add({ name: 'slos.minutes', everyMs: SLO_MINUTES_EVERY_MS, run: () => this.countMinutes() }),
      this.deps.scheduler.add({ name: 'slos.series', everyMs: SLO_INTERVAL_MS, run: () => this.writeSeries() }),
    ];
    for (const j of this.jobs) j.start();
  }

  async stop(): Promise<void> {
    for (const j of this.jobs) this.deps.scheduler.remove(j.name);
    await Promise.all(this.jobs.map((j) => j.settled()));
    this.jobs = [];
  }

  /** Read the files that changed; rewrite the alert rules when the SLOs changed. */
  reload(force = false): void {
    let changed = force;
    for (const f of this.files) {
      const look = lookAgain(f.path, f.stamp);
      if (look.kind === 'unchanged') continue;
      changed = true;
      if (look.kind === 'missing') {
        f.stamp = null;
        f.slos = [];
        f.errors = f.editable ? [] : [{ file: f.path, line: 1, column: 1, message: `cannot read ${f.path}: it does not exist` }];
        continue;
      }
      if (look.kind === 'unreadable') {
        f.errors = [{ file: f.path, line: 1, column: 1, message: look.message }];
        continue;
      }
      f.stamp = look.stamp;
      const read = readSlosFile(look.text, f.path);
      f.errors = read.errors;
      if (read.errors.length === 0) f.slos = read.slos;
    }
    if (changed) this.writeRules();
  }

  /** Every SLO with its file (the first file wins a duplicated id; the later one is a mistake of its file). */
  private all(): { spec: SloSpec; file: string }[] {
    const seen = new Set<string>();
    const out: { spec: SloSpec; file: string }[] = [];
    for (const f of this.files)
      for (const spec of f.slos) {
        if (seen.has(sloId(spec))) continue;
        seen.add(sloId(spec));
        out.push({ spec, file: f.path });
      }
    return out;
  }

  private find(id: string): { spec: SloSpec; file: string } {
    const found = this.all().find((s) => sloId(s.spec) === id);
    if (!found) throw new NotFoundError(`no SLO "${id}"`);
    return found;
  }

  private writeRules(): void {
    const groups = this.all()
      .map((s) => alertRuleGroup(s.spec, SLO_INTERVAL_MS))
      .filter((g) => g !== null);
    const text = `# Generated by Loupe from the SLOs (slos.yml, --slos files): do not edit, it is rewritten.\n${stringify({ groups })}`;
    writeWhole(this.rulesPath, text);
  }

  // ---- Counting ----

  private minuteSli(spec: SloSpec): MinuteSli | null {
    if (!this.minuteSlis.has(spec)) {
      const pair = promPairOf(spec);
      this.minuteSlis.set(spec, pair ? minuteSliOf(pair) : null);
    }
    return this.minuteSlis.get(spec)!;
  }

  private counter(spec: SloSpec): EventCounter {
    const pair = promPairOf(spec);
    if (!pair) return logCounter(this.deps.countLogs, spec.sli.logs!);
    const prom = promCounter(this.deps.series, pair);
    const sli = this.minuteSli(spec);
    return sli ? this.minutes.counter(sloId(spec), sli, this.deps.clock.nowMs(), prom) : prom;
  }

  /**
   * Count the SLOs' settled minutes, history first (a chunk at a time, within a budget: the rest
   * at the next run); the SLOs not counted here (PromQL, log ratios, deleted) are forgotten.
   */
  countMinutes(budgetMs = SLO_MINUTES_BUDGET_MS): void {
    const deadline = performance.now() + budgetMs;
    const now = this.deps.clock.nowMs();
    const kept = new Set<string>();
    let behind = 0;
    for (const { spec } of this.all()) {
      const sli = this.minuteSli(spec);
      if (!sli) continue;
      const id = sloId(spec);
      kept.add(id);
      // Its windows reach back over its period and the longest burn-rate window.
      const horizon = Math.max(this.windowAt(spec, now).windowMs, ...SLOTH_WINDOWS_MS);
      if (!this.minutes.advance(id, sli, now, horizon, deadline)) behind++;
    }
    this.minutes.retain(kept);
    this.backfilling = behind;
  }

  /** The SLO's window ending at `nowMs`. */
  private windowAt(spec: SloSpec, nowMs: number): Range {
    if (spec.window === MONTH) {
      const m = monthOf(nowMs);
      return { fromMs: m.startMs, toMs: nowMs, windowMs: m.endMs - m.startMs, period: m };
    }
    const w = windowMs(spec.window)!;
    return { fromMs: nowMs - w, toMs: nowMs, windowMs: w, period: null };
  }

  private sliceMs(spec: SloSpec): number | undefined {
    return spec.budgeting === 'timeslices' && spec.timeSlice ? windowMs(spec.timeSlice.window)! : undefined;
  }

  /** Good and total over the range: events, or time slices under timeslices budgeting (with the slices). */
  private countRange(spec: SloSpec, counter: EventCounter, r: Range): { good: number; total: number; slices: StepCounts[] | null } {
    const sliceMs = this.sliceMs(spec);
    if (sliceMs === undefined) return { ...counter.counts(r.fromMs, r.toMs), slices: null };
    const from = Math.ceil(r.fromMs / sliceMs) * sliceMs;
    const slices = counter.steps(from, Math.floor(r.toMs / sliceMs) * sliceMs, sliceMs);
    return { ...sliceCounts(slices, spec.timeSlice!.target), slices };
  }

  private compute(entry: { spec: SloSpec; file: string }, r: Range, project: boolean): SloStatusView & { slices: StepCounts[] | null } {
    const { spec } = entry;
    const id = sloId(spec);
    const base = {
      id,
      spec,
      file: entry.file,
      from: usToRfc3339(r.fromMs * 1000),
      to: usToRfc3339(r.toMs * 1000),
      alerts: alertConditions(spec).map(({ longMs: _l, shortMs: _s, ...a }) => a),
    };
    try {
      return withSearchDeadline(() => {
        const counter = this.counter(spec);
        const counted = this.countRange(spec, counter, r);
        const span = r.toMs - r.fromMs;
        const burnRates = SLOTH_WINDOWS_MS.filter((w) => w <= Math.max(span, 5 * MINUTE)).map((w) => {
          const c = counter.counts(r.toMs - w, r.toMs);
          return { window: promDuration(w), rate: burnRate(c.good, c.total, spec.objective) };
        });
        burnRates.push({ window: 'period', rate: burnRate(counted.good, counted.total, spec.objective) });
        // The projection's burn rate: the last hour's, or a twelfth of a shorter window.
        const recentMs = Math.min(HOUR, Math.max(MINUTE, Math.floor(r.windowMs / 12)));
        const recent = counter.counts(r.toMs - recentMs, r.toMs);
        const burnRateNow = burnRate(recent.good, recent.total, spec.objective);
        const b = budget({
          objective: spec.objective,
          sla: spec.sla,
          good: counted.good,
          total: counted.total,
          windowMs: r.windowMs,
          sliceMs: this.sliceMs(spec),
          nowMs: r.toMs,
          period: r.period,
          burnRateNow: project ? burnRateNow : null,
        });
        return {
          ...base,
          sli: b.sli,
          good: counted.good,
          total: counted.total,
          errorBudget: b.errorBudget,
          consumed: b.consumed,
          remaining: b.remaining,
          remainingEvents: b.remainingEvents,
          remainingMinutes: b.remainingMinutes,
          burnRates,
          burnRateNow,
          exhaustion: b.exhaustionMs === null ? null : usToRfc3339(b.exhaustionMs * 1000),
          slaAtRisk: b.slaAtRisk,
          error: null,
          slices: counted.slices,
        };
      });
    } catch (err) {
      return {
        ...base,
        sli: null,
        good: 0,
        total: 0,
        errorBudget: errorBudgetOf(spec.objective),
        consumed: 0,
        remaining: 1,
        remainingEvents: 0,
        remainingMinutes: 0,
        burnRates: [],
        burnRateNow: null,
        exhaustion: null,
        slaAtRisk: false,
        error: (err as Error).message,
        slices: null,
      };
    }
  }

  private view(entry: { spec: SloSpec; file: string }, r: Range, project: boolean): SloStatusView {
    const { slices: _slices, ...view } = this.compute(entry, r, project);
    return view;
  }

  // ---- The Sloth series ----

  /** Each SLO's numbers now, as the series Sloth's recording rules make. */
  writeSeries(): void {
    const nowMs = this.deps.clock.nowMs();
    const samples: { labels: Labels; value: number }[] = [];
    for (const entry of this.all()) {
      const { spec } = entry;
      const labels = slothLabels(spec);
      try {
        withSearchDeadline(() => {
          const counter = this.counter(spec);
          const r = this.windowAt(spec, nowMs);
          const eb = errorBudgetOf(spec.objective);
          const add = (name: string, value: number | null, extra: Labels = {}): void => {
            if (value !== null && Number.isFinite(value)) samples.push({ labels: { __name__: name, ...labels, ...extra }, value });
          };
          const guarded = new Set(guardedWindowsMs(spec));
          let rate5m: number | null = null;
          for (const w of recordedWindowsMs(spec)) {
            const c = counter.counts(nowMs - w, nowMs);
            const errorRatio = c.total > 0 ? (c.total - c.good) / c.total : null;
            if (w === 5 * MINUTE) rate5m = errorRatio;
            add(`${SLI_ERROR}${promDuration(w)}`, errorRatio, { sloth_window: promDuration(w) });
            if (guarded.has(w)) add(`${SLI_EVENTS}${promDuration(w)}`, c.total, { sloth_window: promDuration(w) });
          }
          const s = this.compute(entry, r, false);
          const periodError = s.sli === null ? null : 1 - s.sli;
          add(`${SLI_ERROR}${periodName(spec)}`, periodError, { sloth_window: periodName(spec) });
          add('slo:objective:ratio', spec.objective / 100);
          add('slo:error_budget:ratio', eb);
          add('slo:time_period:days', r.windowMs / (24 * HOUR));
          add('slo:current_burn_rate:ratio', rate5m === null ? null : rate5m / eb);
          add('slo:period_burn_rate:ratio', s.sli === null ? null : s.consumed);
          add('slo:period_error_budget_remaining:ratio', s.sli === null ? null : s.remaining);
          samples.push({
            labels: {
              __name__: 'sloth_slo_info',
              ...labels,
              sloth_objective: String(spec.objective),
              sloth_mode: 'loupe',
              sloth_spec: 'loupe/v1',
            },
            value: 1,
          });
        });
        this.stats.evaluations++;
      } catch (err) {
        this.stats.evaluationErrors++;
        this.stats.lastError = `${sloId(spec)}: ${(err as Error).message}`;
      }
    }
    if (samples.length > 0) this.deps.writeSeries(samples, nowMs);
  }

  // ---- API ----

  list(): SloListView {
    const now = this.deps.clock.nowMs();
    return {
      files: this.files.map((f): SloFileView => ({ path: f.path, editable: f.editable, errors: f.errors })),
      slos: this.all().map((e) => this.view(e, this.windowAt(e.spec, now), true)),
    };
  }

  /** One SLO now, with its burn rate and budget over the window, step by step. */
  get(id: string, toMs?: number, fromMs?: number): SloDetailView {
    const entry = this.find(id);
    const spec = entry.spec;
    const now = toMs ?? this.deps.clock.nowMs();
    const r = fromMs !== undefined ? this.session(fromMs, now) : this.windowAt(spec, now);
    const s = this.compute(entry, r, fromMs === undefined);
    const { slices, ...view } = s;
    const stepMs = Math.max(MINUTE, Math.ceil((r.toMs - r.fromMs) / HISTORY_STEPS / MINUTE) * MINUTE);
    const history: SloHistoryPoint[] = [];
    if (s.error === null) {
      try {
        withSearchDeadline(() => {
          const sliceMs = this.sliceMs(spec);
          const start = Math.floor(r.fromMs / stepMs) * stepMs;
          const eb = errorBudgetOf(spec.objective);
          if (slices && sliceMs !== undefined) {
            // Bad slices per step, against the window's allowance of bad slices.
            const allowed = eb * (r.windowMs / sliceMs);
            let bad = 0;
            for (let t = start + stepMs; t <= r.toMs + stepMs - 1; t += stepMs) {
              const inStep = slices.filter((x) => x.t > t - stepMs && x.t <= t && x.total > 0);
              const counts = sliceCounts(inStep, spec.timeSlice!.target);
              bad += counts.total - counts.good;
              history.push({ t, burnRate: burnRate(counts.good, counts.total, spec.objective), consumed: allowed > 0 ? bad / allowed : 0 });
            }
          } else {
            const steps = this.counter(spec).steps(start, Math.ceil(r.toMs / stepMs) * stepMs, stepMs);
            let bad = 0;
            for (const st of steps) {
              bad += st.total - st.good;
              history.push({
                t: st.t,
                burnRate: burnRate(st.good, st.total, spec.objective),
                consumed: s.total > 0 ? bad / (eb * s.total) : 0,
              });
            }
          }
        });
      } catch (err) {
        view.error = `the history: ${(err as Error).message}`;
      }
    }
    return { ...view, stepMs, history, badEvents: badEventsLink(spec, r) };
  }

  private session(fromMs: number, toMs: number): Range {
    if (!(toMs > fromMs)) throw new BadRequestError('to: after from');
    return { fromMs, toMs, windowMs: toMs - fromMs, period: null };
  }

  /** The SLO over an explicit range ("since I started it", "during this load test"). */
  evaluate(id: string, fromMs: number, toMs: number): SloStatusView {
    return this.view(this.find(id), this.session(fromMs, toMs), false);
  }

  /** The SLO over two ranges, side by side (this run against the previous one). */
  compare(id: string, a: { fromMs: number; toMs: number }, b: { fromMs: number; toMs: number }): { a: SloStatusView; b: SloStatusView } {
    return { a: this.evaluate(id, a.fromMs, a.toMs), b: this.evaluate(id, b.fromMs, b.toMs) };
  }

  private editable(): LoadedFile {
    return this.files[0]!;
  }

  /** Save an SLO into slos.yml (in place of `replaces`, or of its own id, or added). */
  save(raw: unknown, replaces?: string): SloStatusView {
    const mistakes: string[] = [];
    const spec = sloFromObject(raw, (path, message) => mistakes.push(path.length ? `${path.join('.')}: ${message}` : message));
    if (!spec) throw new BadRequestError(`slo: ${mistakes.join('; ')}.`);
    const id = sloId(spec);
    const elsewhere = this.all().find((s) => sloId(s.spec) === id && s.file !== this.editable().path);
    if (elsewhere) throw new BadRequestError(`SLO "${id}" is in ${elsewhere.file}, given with --slos: edit that file`);
    if (replaces !== undefined && replaces !== id && this.all().some((s) => sloId(s.spec) === id))
      throw new BadRequestError(`an SLO "${id}" exists already`);
    this.rewrite((text) => editSlosFile(text, { save: spec, ...(replaces !== undefined ? { replaces } : {}) }));
    return this.view(this.find(id), this.windowAt(spec, this.deps.clock.nowMs()), true);
  }

  delete(id: string): void {
    const found = this.find(id);
    if (found.file !== this.editable().path)
      throw new BadRequestError(`SLO "${id}" is in ${found.file}, given with --slos: edit that file`);
    this.rewrite((text) => editSlosFile(text, { remove: id }));
  }

  /** Import OpenSLO v1 documents into slos.yml (all or nothing). */
  import(text: string): { imported: string[]; skipped: string[] } {
    const read = readOpenSlo(text);
    if (read.errors.length > 0) throw new BadRequestError(read.errors.join('\n'));
    if (read.slos.length === 0) throw new BadRequestError('no OpenSLO v1 SLO (apiVersion: openslo/v1, kind: SLO) in the text');
    this.rewrite((t) => read.slos.reduce((acc, spec) => editSlosFile(acc, { save: spec }), t));
    return { imported: read.slos.map(sloId), skipped: read.skipped };
  }

  /** The SLOs (or one) as OpenSLO v1 YAML; a log ratio's SLI has no PromQL and is written as Loupe's own source. */
  export(id?: string): { text: string } {
    const slos = id !== undefined ? [this.find(id).spec] : this.all().map((s) => s.spec);
    return {
      text: writeOpenSlo(slos, (s) => {
        const pair = promPairOf(s);
        if (!pair) return null;
        // A pair we wrote with increase(…[{{.window}}]) keeps its window placeholder, as Sloth's OpenSLO reads it.
        return pair.good !== undefined ? { good: pair.good, total: pair.total } : { bad: pair.bad!, total: pair.total };
      }),
    };
  }

  private rewrite(edit: (text: string) => string): void {
    const f = this.editable();
    const look = lookAgain(f.path, null);
    const text = look.kind === 'changed' ? look.text : '';
    let next: string;
    try {
      next = edit(text);
    } catch (err) {
      throw new BadRequestError(`${f.path}: ${(err as Error).message}`);
    }
    const check = readSlosFile(next, f.path);
    if (check.errors.length > 0) throw new BadRequestError(check.errors.map((e) => `${e.line}:${e.column}: ${e.message}`).join('\n'));
    writeWhole(f.path, next);
    this.reload();
  }

  status(): {
    slos: number;
    fileErrors: number;
    evaluations: number;
    evaluationErrors: number;
    lastError: string | null;
    backfilling: number;
  } {
    return {
      slos: this.all().length,
      fileErrors: this.files.reduce((n, f) => n + f.errors.length, 0),
      ...this.stats,
      backfilling: this.backfilling,
    };
  }
}

/** Whole or not at all: a reader (the rules' reload, an editor) never sees half a file. */
function writeWhole(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, path);
}

/** Where the events that spent the budget are: failed requests' traces, a probe's failures, the bad log records. */
function badEventsLink(spec: SloSpec, r: Range): { label: string; href: string } | null {
  const range = `from=${encodeURIComponent(new Date(r.fromMs).toISOString())}&to=${encodeURIComponent(new Date(r.toMs).toISOString())}`;
  const svc = encodeURIComponent(spec.service);
  const sli = spec.sli;
  if (sli.availability) return { label: 'Failed requests', href: `#/traces?service=${svc}&status=error&${range}` };
  if (sli.latency)
    return {
      label: `Requests slower than ${sli.latency.threshold}`,
      href: `#/traces?service=${svc}&min=${encodeURIComponent(sli.latency.threshold)}&${range}`,
    };
  if (sli.probe) return { label: `Probe ${sli.probe.name}'s failures`, href: `#/health?probe=${encodeURIComponent(sli.probe.name)}` };
  if (sli.logs) {
    // The bad records' own search when the SLI names them; else the records counted.
    const q = sli.logs.bad ?? sli.logs.total;
    return {
      label: sli.logs.bad !== undefined ? 'Bad log records' : 'Log records counted',
      href: `#/logs?q=${encodeURIComponent(q)}&${range}`,
    };
  }
  return null;
}
