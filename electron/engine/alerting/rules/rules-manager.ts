// The rules Loupe runs: rule files given with `--rules` (read only here) and the files of the data
// dir's rules folder (written by the Alerts view, editable by hand), each group evaluated by its
// own scheduler job every `interval`. A job checks the files' mtimes and reloads what changed: a
// file that no longer parses keeps its last good rules running and shows its problems (line:col);
// a rule that went away sends the resolution of its firing alerts. Answers Prometheus's
// /api/v1/rules and /api/v1/alerts, and the view's rules, edits and previews.
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { lookAgain } from '../../core/changed-file.js';
import { basename, join, resolve } from 'node:path';
import type {
  PromAlertView,
  PromAlertingRuleView,
  PromRuleGroupView,
  PromRuleView,
  RulePreview,
  RuleSpec,
  RulesView,
  RuleFileView,
} from '../../../../shared/rules.js';
import { BadRequestError } from '../../core/errors.js';
import type { ScheduledJob, Scheduler } from '../../core/scheduler.js';
import { parseExpr, rangeQuery, type Labels } from '../../signals/metrics/promql/index.js';
import type { Alert } from '../alert.js';
import { alertsToSend, type ActiveAlert } from './alert-state.js';
import { goFloatE } from './go-format.js';
import { GroupRuntime, groupKey, logWindowSeconds, ruleKey, type RuleDeps } from './group-evaluator.js';
import {
  compare,
  formatProblem,
  parseRuleFile,
  parseThreshold,
  ruleDuration,
  saveRuleInText,
  deleteRuleInText,
  DEFAULT_LOG_WINDOW_MS,
  type Rule,
  type RuleGroup,
} from './rule-file.js';
import { withSearchDeadline } from '../../signals/logs/query/index.js';

/** A group without `interval` is evaluated this often (the interval of Prometheus's example configuration). */
export const DEFAULT_EVALUATION_INTERVAL_MS = 15_000;
/** How often the rule files' mtimes are looked at. */
export const RELOAD_CHECK_MS = 2_000;
export const RELOAD_JOB = 'alerts.rules.reload';
/** Where the view's rules go when their group is in no file yet. */
export const DEFAULT_RULE_FILE = 'rules.yml';
/** A preview draws at most this many steps. */
const MAX_PREVIEW_STEPS = 500;
const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

interface LoadedFile {
  path: string;
  editable: boolean;
  /** mtime and size when last read: a change of either is a reload. */
  stamp: string | null;
  /** The last version that loaded without problems. */
  good: RuleGroup[];
  error: string | null;
}

interface RunningGroup {
  runtime: GroupRuntime;
  job: ScheduledJob;
  /** The group as loaded: an unchanged one keeps its job on a reload. */
  definition: string;
}

export interface RulesManagerOptions {
  /** Files given with --rules. */
  files: readonly string[];
  /** The data dir's rules folder (`*.yml`, `*.yaml`). */
  dir: string;
}

const iso = (ms: number | null): string => (ms === null ? GO_ZERO_TIME : new Date(ms).toISOString());
/** A map as Go's JSON writes it: keys sorted. */
const sorted = (m: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export class RulesManager {
  private readonly files = new Map<string, LoadedFile>();
  private readonly groups = new Map<string, RunningGroup>();
  private reloadJob: ScheduledJob | null = null;
  private stats = { reloads: 0, reloadErrors: 0 };

  constructor(
    private readonly deps: RuleDeps & { scheduler: Scheduler },
    private readonly options: RulesManagerOptions,
  ) {
    for (const f of options.files) this.files.set(resolve(f), { path: resolve(f), editable: false, stamp: null, good: [], error: null });
  }

  /** Load every file and start the groups. A --rules file that cannot be loaded stops the start (as Prometheus refuses it). */
  start(): void {
    this.reload();
    const bad = [...this.files.values()].filter((f) => !f.editable && f.error !== null);
    if (bad.length > 0) throw new BadRequestError(`the rule files have problems:\n${bad.map((f) => f.error).join('\n')}`);
    this.reloadJob = this.deps.scheduler.add({ name: RELOAD_JOB, everyMs: RELOAD_CHECK_MS, run: () => this.reload() });
    this.reloadJob.start();
  }

  async stop(): Promise<void> {
    const jobs = [...this.groups.values()].map((g) => g.job);
    if (this.reloadJob) jobs.push(this.reloadJob);
    for (const j of jobs) this.deps.scheduler.remove(j.name);
    await Promise.all(jobs.map((j) => j.settled()));
    for (const g of this.groups.values()) g.runtime.close();
    this.groups.clear();
  }

  /** Read what changed on disk and bring the running groups in line. */
  reload(): void {
    this.discover();
    let changed = false;
    for (const f of this.files.values()) {
      const look = lookAgain(f.path, f.stamp === 'unreadable' ? null : f.stamp);
      if (look.kind === 'unchanged') continue;
      if (look.kind === 'missing' && f.editable) {
        // Deleted from the rules folder: its rules go.
        this.files.delete(f.path);
        changed = true;
        continue;
      }
      if (look.kind !== 'changed') {
        if (f.stamp !== 'unreadable') this.stats.reloadErrors++;
        f.error = `${f.path}: 0:0: ${look.kind === 'missing' ? 'no such file' : look.message}`;
        f.stamp = 'unreadable';
        continue;
      }
      f.stamp = look.stamp;
      const text = look.text;
      const parsed = parseRuleFile(text, f.path);
      this.stats.reloads++;
      if (parsed.problems.length > 0) {
        this.stats.reloadErrors++;
        f.error = parsed.problems.map((p) => formatProblem(f.path, p)).join('\n');
      } else {
        f.error = null;
        f.good = parsed.groups;
        changed = true;
      }
    }
    if (changed) this.sync();
  }

  /** New files in the rules folder. */
  private discover(): void {
    let names: string[];
    try {
      names = readdirSync(this.options.dir);
    } catch {
      return;
    }
    for (const name of names.filter((n) => /\.ya?ml$/.test(n)).sort()) {
      const path = join(this.options.dir, name);
      if (!this.files.has(path)) this.files.set(path, { path, editable: true, stamp: null, good: [], error: null });
    }
  }

  /** Start, restart or stop group jobs so they match the files' good groups. */
  private sync(): void {
    const wanted = new Map<string, RuleGroup>();
    for (const f of this.files.values()) for (const g of f.good) wanted.set(groupKey(g), g);
    for (const [key, running] of this.groups) {
      const next = wanted.get(key);
      if (next && JSON.stringify(next) === running.definition) continue;
      this.deps.scheduler.remove(running.job.name);
      running.runtime.close();
      this.groups.delete(key);
      this.resolveGone(running.runtime, next);
    }
    for (const [key, group] of wanted) {
      if (this.groups.has(key)) continue;
      const intervalMs = group.intervalMs ?? DEFAULT_EVALUATION_INTERVAL_MS;
      const runtime = new GroupRuntime(group, intervalMs, this.deps);
      const job = this.deps.scheduler.add({
        name: `alerts.group ${key.replace('\u0000', ' ')}`,
        everyMs: intervalMs,
        run: () => runtime.evaluate(),
      });
      this.groups.set(key, { runtime, job, definition: JSON.stringify(group) });
      job.start();
      void job.runNow();
    }
  }

  /** A group changed or went: the alerts of its rules that are no longer there resolve now (sent once). */
  private resolveGone(old: GroupRuntime, next: RuleGroup | undefined): void {
    const kept = new Set(next?.rules.map((r) => ruleKey(next, r)) ?? []);
    const now = this.deps.clock.nowMs();
    const resolved: Alert[] = [];
    for (const r of old.rules) {
      if (kept.has(r.key) || r.rule.kind !== 'alerting') continue;
      for (const a of r.active.values()) {
        if (a.state === 'firing') {
          a.state = 'inactive';
          a.resolvedAtMs = now;
        }
      }
      this.deps.history?.recordTransitions(old.group.name, r.rule.name, r.active.values(), now);
      resolved.push(...alertsToSend(r.active, now, this.deps.generatorURL(old.group.name, r.rule.name)));
      this.deps.store.forgetRule(r.key);
    }
    if (resolved.length > 0) this.deps.sink.send(resolved);
  }

  /** Evaluate every group now (tests, and the view's "evaluate now"). */
  async evaluateAll(): Promise<void> {
    await Promise.all([...this.groups.values()].map((g) => g.job.runNow()));
  }

  // ---- Views ----

  private runningGroups(): RunningGroup[] {
    return [...this.groups.values()].sort((a, b) =>
      a.runtime.group.file === b.runtime.group.file ? 0 : a.runtime.group.file < b.runtime.group.file ? -1 : 1,
    );
  }

  private alertView(a: ActiveAlert): PromAlertView | null {
    if (a.state === 'inactive') return null;
    return {
      labels: sorted(a.labels),
      annotations: sorted(a.annotations),
      state: a.state,
      activeAt: iso(a.activeAtMs),
      value: goFloatE(a.value),
      ...(a.keepFiringSinceMs !== null ? { keepFiringSince: iso(a.keepFiringSinceMs) } : {}),
    };
  }

  private ruleView(runtime: GroupRuntime, index: number): PromRuleView {
    const r = runtime.rules[index]!;
    const rule = r.rule;
    const common = {
      name: rule.name,
      query: queryText(rule),
      labels: sorted(rule.labels),
      health: r.health.health,
      ...(r.health.lastError !== null ? { lastError: r.health.lastError } : {}),
      evaluationTime: r.health.evaluationTimeMs / 1000,
      lastEvaluation: iso(r.health.lastEvaluationMs),
    };
    if (rule.kind === 'recording') {
      // Prometheus leaves a recording rule's labels out when it has none.
      const { labels, ...rest } = common;
      return { ...(Object.keys(labels).length > 0 ? { ...common } : rest), type: 'recording' };
    }
    const alerts = [...r.active.values()].map((a) => this.alertView(a)).filter((a): a is PromAlertView => a !== null);
    const state = alerts.some((a) => a.state === 'firing') ? 'firing' : alerts.length > 0 ? 'pending' : 'inactive';
    // Prometheus's field order: state first.
    const { name, query, labels, health, ...rest } = common;
    return {
      state,
      name,
      query,
      duration: rule.forMs / 1000,
      keepFiringFor: rule.keepFiringForMs / 1000,
      labels,
      annotations: sorted(rule.annotations),
      alerts,
      health,
      ...rest,
      type: 'alerting',
    } satisfies PromAlertingRuleView;
  }

  private groupView(g: RunningGroup): PromRuleGroupView {
    const rt = g.runtime;
    return {
      name: rt.group.name,
      file: rt.group.file,
      rules: rt.rules.map((_, i) => this.ruleView(rt, i)),
      interval: rt.intervalMs / 1000,
      limit: rt.group.limit,
      evaluationTime: rt.evaluationTimeMs / 1000,
      lastEvaluation: iso(rt.state.lastEvaluationMs),
    };
  }

  /** GET /api/v1/rules's `data`; `type` filters as Prometheus's `type=alert|record`. */
  prometheusRules(type?: string): { groups: PromRuleGroupView[] } {
    if (type !== undefined && type !== '' && type !== 'alert' && type !== 'record') throw new BadRequestError(`unsupported type "${type}"`);
    const groups = this.runningGroups().map((g) => this.groupView(g));
    if (type === 'alert' || type === 'record') {
      const keep = type === 'alert' ? 'alerting' : 'recording';
      // Prometheus 2.42 keeps the groups left without rules.
      return { groups: groups.map((g) => ({ ...g, rules: g.rules.filter((r) => r.type === keep) })) };
    }
    return { groups };
  }

  /** GET /api/v1/alerts's `data`: every pending and firing alert. */
  prometheusAlerts(): { alerts: PromAlertView[] } {
    const alerts: PromAlertView[] = [];
    for (const g of this.runningGroups())
      for (const r of g.runtime.rules)
        for (const a of r.active.values()) {
          const v = this.alertView(a);
          if (v) alerts.push(v);
        }
    return { alerts };
  }

  rulesView(): RulesView {
    const files: RuleFileView[] = [...this.files.values()].map((f) => ({
      path: f.path,
      editable: f.editable,
      error: f.error,
      groups: f.good.length,
      rules: f.good.reduce((n, g) => n + g.rules.length, 0),
    }));
    const groups = this.runningGroups().map((g) => {
      const view = this.groupView(g);
      const st = g.runtime.state;
      return {
        ...view,
        editable: this.files.get(g.runtime.group.file)?.editable ?? false,
        skippedEvaluations: st.skippedEvaluations,
        lastSkip: st.lastSkip ? { at: iso(st.lastSkip.atMs), missed: st.lastSkip.missed } : null,
        rules: view.rules.map((r, i) => ({ ...r, spec: g.runtime.rules[i]!.rule.spec })),
      };
    });
    return { files, groups };
  }

  status(): { groups: number; rules: number; firing: number; pending: number; fileErrors: number; reloads: number; reloadErrors: number } {
    let rules = 0;
    let firing = 0;
    let pending = 0;
    for (const g of this.groups.values())
      for (const r of g.runtime.rules) {
        rules++;
        for (const a of r.active.values()) {
          if (a.state === 'firing') firing++;
          if (a.state === 'pending') pending++;
        }
      }
    const fileErrors = [...this.files.values()].filter((f) => f.error !== null).length;
    return { groups: this.groups.size, rules, firing, pending, fileErrors, ...this.stats };
  }

  // ---- Edits from the view ----

  /** The editable file holding `group` (or the default file), refusing a group that lives in a --rules file. */
  private fileFor(group: string): string {
    for (const f of this.files.values()) {
      if (!f.good.some((g) => g.name === group)) continue;
      if (!f.editable) throw new BadRequestError(`group "${group}" is in ${f.path}, given with --rules: edit that file`);
      return f.path;
    }
    return join(this.options.dir, DEFAULT_RULE_FILE);
  }

  /** Write `text` to `path` (checked first: a version that would not load is refused, the file untouched), then reload. */
  private write(path: string, text: string): RulesView {
    const parsed = parseRuleFile(text, basename(path));
    if (parsed.problems.length > 0) throw new BadRequestError(parsed.problems.map((p) => `${p.line}:${p.col}: ${p.message}`).join('\n'));
    mkdirSync(this.options.dir, { recursive: true, mode: 0o700 });
    // Whole or not at all: a reader (the reload, an editor) never sees half a file.
    const tmp = `${path}.tmp-${process.pid}`;
    writeFileSync(tmp, text, { mode: 0o600 });
    renameSync(tmp, path);
    this.reload();
    return this.rulesView();
  }

  save(p: { group: string; rule: RuleSpec; replaces?: string | undefined; interval?: string | undefined }): RulesView {
    const name = p.rule.alert ?? p.rule.record;
    if (!name) throw new BadRequestError('rule: give it a name (alert, or record for a recording rule)');
    const path = this.fileFor(p.group);
    const text = readText(path);
    let next: string;
    try {
      next = saveRuleInText(text, p.group, p.rule, p.replaces, p.interval);
    } catch (err) {
      throw new BadRequestError(`${path}: ${(err as Error).message}`);
    }
    return this.write(path, next);
  }

  /** Delete a rule; one that is not there (deleted meanwhile) leaves the files as they are. */
  delete(p: { group: string; name: string }): RulesView {
    const path = this.fileFor(p.group);
    const next = deleteRuleInText(readText(path), p.group, p.name);
    return next === null ? this.rulesView() : this.write(path, next);
  }

  // ---- Preview ----

  /**
   * The condition over the last `hours` at `stepMs`: the value compared, per series, and where the
   * rule would have fired (the condition held at consecutive steps for at least `for`).
   */
  preview(p: {
    expr?: string | undefined;
    logs?: RuleSpec['logs'];
    for?: string | undefined;
    hours: number;
    stepMs?: number | undefined;
    /** The end of the range (ms; now by default). */
    endMs?: number | undefined;
  }): RulePreview {
    const rangeMs = Math.min(Math.max(p.hours, 1), 48) * 3_600_000;
    const stepMs = Math.max(p.stepMs ?? Math.ceil(rangeMs / 200 / 1000) * 1000, Math.ceil(rangeMs / MAX_PREVIEW_STEPS), 1000);
    // On whole steps: the same range asked twice draws the same points.
    const now = Math.floor((p.endMs ?? this.deps.clock.nowMs()) / stepMs) * stepMs;
    const start = now - rangeMs;
    const forMs = p.for ? ruleDuration(p.for) : 0;
    if (forMs === undefined) throw new BadRequestError(`for: not a valid duration string: "${p.for}"`);
    const holds: { labels: Labels; times: number[] }[] = [];
    const series: RulePreview['series'] = [];
    if (p.logs) {
      const l = p.logs;
      const threshold = l.absent ? { op: '==' as const, value: 0 } : parseThreshold(l.threshold ?? '> 0');
      if (!threshold) throw new BadRequestError(`logs.threshold: "${l.threshold}" is not a comparison and a number (> 10)`);
      const overMs = ruleDuration(l.absent ?? l.over ?? '') ?? DEFAULT_LOG_WINDOW_MS;
      const points: [number, number][] = [];
      const times: number[] = [];
      withSearchDeadline(() => {
        for (let t = start; t <= now; t += stepMs) {
          const [fromS, toS] = logWindowSeconds(t, overMs);
          const n = this.deps.countLogs(l.query, fromS * 1_000_000, (toS + 1) * 1_000_000 - 1);
          points.push([t, n]);
          if (compare(threshold.op, n, threshold.value)) times.push(t);
        }
      });
      series.push({ labels: {}, points });
      holds.push({ labels: {}, times });
    } else {
      if (!p.expr) throw new BadRequestError('expr: give an expression (or logs)');
      let expr;
      try {
        expr = parseExpr(p.expr);
      } catch (err) {
        throw new BadRequestError((err as Error).message);
      }
      const range = (e: typeof expr): { labels: Labels; points: [number, number][] }[] => {
        const r = withSearchDeadline(() => rangeQuery(this.deps.series, e, start, now, stepMs));
        return r.resultType === 'matrix'
          ? r.series.map((s) => ({ labels: s.metric, points: s.points.map((pt) => [pt.t, pt.v] as [number, number]) }))
          : [];
      };
      const isComparison = expr.kind === 'binary' && ['>', '<', '>=', '<=', '==', '!='].includes(expr.op) && !expr.returnBool;
      series.push(...range(isComparison && expr.kind === 'binary' ? expr.lhs : expr));
      for (const s of range(expr)) holds.push({ labels: s.labels, times: s.points.map(([t]) => t) });
    }
    const firing: RulePreview['firing'] = [];
    for (const h of holds) {
      let runStart: number | null = null;
      let prev: number | null = null;
      const close = (): void => {
        if (runStart !== null && prev !== null && prev - runStart >= forMs)
          firing.push({ labels: h.labels, from: runStart + forMs, to: prev });
      };
      for (const t of h.times) {
        if (prev === null || t - prev > stepMs) {
          close();
          runStart = t;
        }
        prev = t;
      }
      close();
    }
    return { series, firing, stepMs };
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw err;
  }
}

/** A rule's `query` in the API: its PromQL, or its log condition written out. */
function queryText(rule: Rule): string {
  const l = rule.logs;
  if (!l) return rule.expr ?? '';
  if (l.absent) return `logs: ${l.query}, absent ${rule.spec.logs?.absent ?? ''}`;
  return `logs: ${l.query}, over ${rule.spec.logs?.over ?? '5m'}, ${l.op} ${l.threshold}`;
}
