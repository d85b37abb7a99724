// Health checks as a whole: the probes files (probes.yml in the data dir, editable from the UI, and
// `--probes` files, read only) read again when their mtime changes, the probes run on the
// scheduler (health-checker.ts), each result stored (probe-store.ts) and written as
// blackbox_exporter's metrics through the points sink (so PromQL, alert rules and SLOs read them),
// each change of a service's state written as a log record (logger `loupe.health`, attribute
// `source: health`) so it shows in the Logs view; and what the Health view lists.
import { readFileSync, renameSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type {
  HealthListView,
  ProbeFileError,
  ProbeFileView,
  ProbeResultView,
  ProbeSpec,
  ProbeView,
  ServiceHealthView,
  ServiceState,
} from '../../../shared/health.js';
import { usToRfc3339 } from '../../../shared/time.js';
import type { Db } from '../core/database.js';
import { writePrivateFile } from '../core/data-dir.js';
import { BadRequestError, NotFoundError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { ScheduledJob, Scheduler } from '../core/scheduler.js';
import type { OtlpMetric, OtlpPoint } from '../core/telemetry.js';
import type { LogInsert, LogWriter } from '../signals/logs/log-writer.js';
import type { PointsSink } from '../signals/metrics/points-sink.js';
import { kindOf, runCheck, type CheckResult, type SecretResolver } from './checks.js';
import { HealthChecker, type ProbeRun } from './health-checker.js';
import { PassiveHealth } from './passive.js';
import { editProbesFile, readProbesFile } from './probes-file.js';
import { DAY_US, ProbeStore, type StoredResult } from './probe-store.js';

export const PROBES_FILE = 'probes.yml';
/** How often the probes files' mtimes are looked at. */
export const PROBES_RELOAD_MS = 2000;
export const PROBES_RELOAD_JOB = 'health.probes.reload';
/** The scope of the probe metrics, as blackbox_exporter would be named. */
export const PROBE_SCOPE = 'loupe/health';
const SEVERITY: Record<ServiceState, { number: number; text: string }> = {
  down: { number: 17, text: 'ERROR' },
  'not ready': { number: 13, text: 'WARN' },
  starting: { number: 9, text: 'INFO' },
  ready: { number: 9, text: 'INFO' },
};

/** What `health.serviceState` carries. */
export interface ServiceStateEvent {
  service: string;
  from: ServiceState;
  to: ServiceState;
  /** The probe whose result changed the state, and why it failed (when it did). */
  probe: string;
  reason: string | null;
  /** The dependencies (probe or service names) of that probe that are down now. */
  blockedBy: string[];
  /** The services the service's probes depend on (a probe named there counts as its service). */
  dependsOn: string[];
}

declare module '../core/events.js' {
  interface EngineEvents {
    /** A service's state derived from its probes changed (for its alerts: down, not ready). */
    'health.serviceState': ServiceStateEvent;
  }
}

export interface HealthDeps {
  db: Db;
  scheduler: Scheduler;
  sink: PointsSink;
  logs: LogWriter;
  events: EventBus;
  dataDir: string;
  /** `loupe serve --probes FILE`: read only, loaded beside the data dir's file. */
  extraFiles?: readonly string[];
  /** Where the headers' `${secret:NAME}` come from. */
  secrets?: SecretResolver;
}

interface FileState {
  path: string;
  editable: boolean;
  /** mtime and size last read (null: absent; undefined: not looked at yet). */
  seen: string | null | undefined;
  probes: ProbeSpec[];
  /** The mistakes of its text as last read… */
  readErrors: ProbeFileError[];
  /** …and with its probes that another file defines already. */
  errors: ProbeFileError[];
}

export class Health {
  readonly checker: HealthChecker;
  private readonly store: ProbeStore;
  private readonly passive: PassiveHealth;
  private readonly files: FileState[];
  private job: ScheduledJob | null = null;
  private readonly counters = { results: 0, writeErrors: 0, lastWriteError: null as string | null };

  constructor(private readonly deps: HealthDeps) {
    this.store = new ProbeStore(deps.db);
    this.passive = new PassiveHealth(deps.db);
    this.files = [
      { path: join(deps.dataDir, PROBES_FILE), editable: true, seen: undefined, probes: [], readErrors: [], errors: [] },
      ...(deps.extraFiles ?? []).map((path) => ({ path, editable: false, seen: undefined, probes: [], readErrors: [], errors: [] })),
    ];
    this.checker = new HealthChecker({
      scheduler: deps.scheduler,
      ...(deps.secrets ? { secrets: deps.secrets } : {}),
      onResult: (run, result, atMs) => this.onResult(run, result, atMs),
      onServiceChange: (service, from, to, cause) => this.onServiceChange(service, from, to, cause),
    });
  }

  start(): void {
    this.reload();
    this.job = this.deps.scheduler.add({ name: PROBES_RELOAD_JOB, everyMs: PROBES_RELOAD_MS, run: () => this.reload() });
    this.job.start();
  }

  async stop(): Promise<void> {
    this.job?.stop();
    await this.job?.settled();
    await this.checker.stop();
  }

  /** Read the files whose mtime or size changed; a file with mistakes keeps its last good probes running. */
  reload(): void {
    let changed = false;
    for (const f of this.files) {
      let stamp: string | null = null;
      try {
        const st = statSync(f.path);
        stamp = `${st.mtimeMs}:${st.size}`;
      } catch {
        stamp = null;
      }
      if (stamp === f.seen) continue;
      f.seen = stamp;
      changed = true;
      if (stamp === null) {
        // No probes.yml in the data dir is no probes; a --probes file that is not there is a mistake.
        f.probes = [];
        f.readErrors = f.editable ? [] : [{ file: f.path, line: 1, column: 1, message: `cannot read ${f.path}: it does not exist` }];
        continue;
      }
      const read = readProbesFile(readFileSync(f.path, 'utf8'), f.path);
      f.readErrors = read.errors;
      if (read.errors.length === 0) f.probes = read.probes;
    }
    if (changed) this.apply();
  }

  private apply(): void {
    const taken = new Map<string, string>();
    const probes: { spec: ProbeSpec; file: string }[] = [];
    for (const f of this.files) {
      f.errors = [...f.readErrors];
      for (const spec of f.probes) {
        const other = taken.get(spec.name);
        if (other !== undefined) {
          f.errors.push({
            file: f.path,
            line: 1,
            column: 1,
            message: `the probe "${spec.name}" is defined in ${other} already: this one is left out`,
          });
          continue;
        }
        taken.set(spec.name, f.path);
        probes.push({ spec, file: f.path });
      }
    }
    this.checker.setProbes(probes);
  }

  list(): HealthListView {
    const nowUs = this.deps.scheduler.clock.nowUs();
    const byService = new Map<string, ProbeRun[]>();
    for (const run of this.checker.list()) {
      const list = byService.get(run.spec.service) ?? [];
      list.push(run);
      byService.set(run.spec.service, list);
    }
    const services: ServiceHealthView[] = [...byService.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, runs]) => {
        const probes = runs.map((r) => this.probeView(r, nowUs));
        return { name, state: this.checker.stateOf(name), blockedBy: [...new Set(probes.flatMap((p) => p.blockedBy))], probes };
      });
    const probedUrls = new Set(this.checker.list().flatMap((r) => (r.spec.http ? [r.spec.http.url] : [])));
    return {
      services,
      files: this.files.map((f): ProbeFileView => ({ path: f.path, editable: f.editable, errors: f.errors })),
      passive: this.passive.dependencies(nowUs),
      suggestions: this.passive.suggestions(nowUs, probedUrls),
    };
  }

  probe(name: string): ProbeView {
    const run = this.checker.get(name);
    if (!run) throw new NotFoundError(`no probe named "${name}"`);
    return this.probeView(run, this.deps.scheduler.clock.nowUs());
  }

  /** Save a probe into the data dir's probes.yml (replacing `replaces`, or the probe of its name) and start it. */
  save(spec: ProbeSpec, replaces?: string): ProbeView {
    const file = this.files[0]!;
    const owner = this.checker.get(spec.name)?.file;
    if (owner !== undefined && owner !== file.path)
      throw new BadRequestError(`the probe "${spec.name}" is in ${owner}, which Loupe does not edit: change it there`);
    this.rewrite(file, editProbesFile(this.currentText(file), { save: spec, ...(replaces !== undefined ? { replaces } : {}) }));
    if (replaces !== undefined && replaces !== spec.name) this.store.forgetProbe(replaces);
    return this.probe(spec.name);
  }

  /** Remove a probe from the data dir's probes.yml, with its history. */
  delete(name: string): void {
    const file = this.files[0]!;
    const run = this.checker.get(name);
    if (!run) throw new NotFoundError(`no probe named "${name}"`);
    if (run.file !== file.path)
      throw new BadRequestError(`the probe "${name}" is in ${run.file}, which Loupe does not edit: remove it there`);
    this.rewrite(file, editProbesFile(this.currentText(file), { remove: name }));
    this.store.forgetProbe(name);
  }

  /** Run a saved probe now (its result counts), or try a probe not saved yet (nothing is kept). */
  async testNow(target: { name?: string | undefined; probe?: ProbeSpec | undefined }): Promise<ProbeResultView> {
    if (target.probe)
      return resultView(await runCheck(target.probe, this.deps.scheduler, this.deps.secrets), this.deps.scheduler.clock.nowUs());
    if (target.name === undefined) throw new BadRequestError('name or probe is required');
    const result = await this.checker.testNow(target.name);
    if (!result) throw new NotFoundError(`no probe named "${target.name}"`);
    return resultView(result, this.deps.scheduler.clock.nowUs());
  }

  status(): { results: number; writeErrors: number; lastWriteError: string | null; probes: number; fileErrors: number } {
    return { ...this.counters, probes: this.checker.list().length, fileErrors: this.files.reduce((n, f) => n + f.errors.length, 0) };
  }

  private currentText(file: FileState): string {
    try {
      return readFileSync(file.path, 'utf8');
    } catch {
      return '# Loupe health checks (README, "Health checks"): edit by hand or from the Health view.\nprobes: []\n';
    }
  }

  /** Check the whole new text, write it (atomically, private), and take it in now. */
  private rewrite(file: FileState, text: string): void {
    const read = readProbesFile(text, file.path);
    const first = read.errors[0];
    if (first) throw new BadRequestError(`${first.line}:${first.column}: ${first.message}`);
    const tmp = join(dirname(file.path), `.${basename(file.path)}.tmp`);
    writePrivateFile(tmp, text);
    renameSync(tmp, file.path);
    this.reload();
  }

  private probeView(run: ProbeRun, nowUs: number): ProbeView {
    const recent = this.store.recentResults(run.spec.name);
    const latest = recent[0];
    const failure = this.store.lastFailure(run.spec.name);
    return {
      spec: run.spec,
      kind: kindOf(run.spec),
      file: run.file,
      state: run.tracker.state,
      blockedBy: this.checker.blockedBy(run),
      lastResult: latest ? storedView(latest) : null,
      lastFailure: failure ? storedView(failure) : null,
      uptime: {
        day: this.store.uptime(run.spec.name, nowUs - DAY_US),
        week: this.store.uptime(run.spec.name, nowUs - 7 * DAY_US),
        month: this.store.uptime(run.spec.name, nowUs - 30 * DAY_US),
      },
      intervalMs: run.intervalMs,
      heartbeats: recent.reverse().map(storedView),
    };
  }

  private onResult(run: ProbeRun, result: CheckResult, atMs: number): void {
    const atUs = atMs * 1000;
    this.counters.results++;
    try {
      this.store.record(run.spec.name, result, atUs);
      this.deps.sink.write({ attributes: {} }, PROBE_SCOPE, probeMetrics(run.spec, result, atUs));
    } catch (err) {
      // A full disk: the probe goes on, its history has a hole, the status says why.
      this.counters.writeErrors++;
      this.counters.lastWriteError = (err as Error).message;
    }
  }

  private onServiceChange(service: string, from: ServiceState, to: ServiceState, cause: ProbeRun): void {
    const blocked = this.checker.blockedBy(cause);
    const reason = cause.last?.ok === false ? cause.last.reason : null;
    const message =
      `${service} is ${to} (was ${from})` +
      (to === 'ready' || to === 'starting' ? '' : `: ${cause.spec.name}${reason ? `: ${reason}` : ''}`) +
      (blocked.length > 0 ? ` — blocked by ${blocked.join(', ')}` : '');
    const record: LogInsert = {
      ts: this.deps.scheduler.clock.nowUs(),
      severity: SEVERITY[to].number,
      levelText: SEVERITY[to].text,
      fileId: null,
      sourceId: null,
      logger: 'loupe.health',
      service,
      message,
      attributes: {
        source: 'health',
        'health.state': to,
        'health.previous_state': from,
        'health.probe': cause.spec.name,
        ...(reason ? { 'health.reason': reason } : {}),
        ...(blocked.length > 0 ? { 'health.blocked_by': blocked.join(',') } : {}),
      },
      flags: 0,
    };
    try {
      const batch = this.deps.logs.write([record]);
      this.deps.events.emit('logs.stored', batch);
    } catch (err) {
      this.counters.writeErrors++;
      this.counters.lastWriteError = (err as Error).message;
    }
    this.deps.events.emit('health.serviceState', {
      service,
      from,
      to,
      probe: cause.spec.name,
      reason,
      blockedBy: blocked,
      dependsOn: this.dependenciesOf(service),
    });
  }

  /** The services a service's probes depend on: service names as given, probe names as their service. */
  private dependenciesOf(service: string): string[] {
    const deps = new Set<string>();
    for (const run of this.checker.list()) {
      if (run.spec.service !== service) continue;
      for (const dep of run.spec.dependsOn) deps.add(this.checker.get(dep)?.spec.service ?? dep);
    }
    deps.delete(service);
    return [...deps].sort();
  }
}

/** One run as blackbox_exporter's series, labelled `probe` and `service`. */
export function probeMetrics(spec: ProbeSpec, result: CheckResult, atUs: number): OtlpMetric[] {
  const attributes = { probe: spec.name, service: spec.service };
  const gauge = (name: string, unit: string, description: string, value: number): OtlpMetric => {
    const point: OtlpPoint = { startUs: atUs, timeUs: atUs, attributes, flags: 0, exemplars: [], value };
    return { name, unit, description, type: 'gauge', temporality: 0, monotonic: false, points: [point] };
  };
  const metrics = [
    gauge('probe_success', '', 'Displays whether or not the probe was a success', result.ok ? 1 : 0),
    gauge('probe_duration_seconds', 's', 'Returns how long the probe took to complete in seconds', result.durationMs / 1000),
  ];
  if (result.statusCode !== undefined) metrics.push(gauge('probe_http_status_code', '', 'Response HTTP status code', result.statusCode));
  if (result.certExpiresMs !== undefined) {
    metrics.push(
      gauge('probe_ssl_earliest_cert_expiry', '', 'Returns last SSL chain expiry in unixtime', Math.floor(result.certExpiresMs / 1000)),
    );
  }
  return metrics;
}

function resultView(r: CheckResult, atUs: number): ProbeResultView {
  return {
    at: usToRfc3339(atUs),
    ok: r.ok,
    durationMs: round(r.durationMs),
    reason: r.reason,
    ...(r.statusCode !== undefined ? { statusCode: r.statusCode } : {}),
    ...(r.certExpiresMs !== undefined ? { certExpiresAt: usToRfc3339(r.certExpiresMs * 1000) } : {}),
  };
}

function storedView(r: StoredResult): ProbeResultView {
  return {
    at: usToRfc3339(r.ts),
    ok: r.ok === 1,
    durationMs: round(r.duration_ms),
    reason: r.reason,
    ...(r.status_code !== null ? { statusCode: r.status_code } : {}),
    ...(r.cert_expiry !== null ? { certExpiresAt: usToRfc3339(r.cert_expiry) } : {}),
  };
}

/** Milliseconds to one decimal: the view's precision. */
function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
