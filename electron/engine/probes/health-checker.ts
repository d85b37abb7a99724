// Runs the probes on the scheduler: each probe is one chain of one-shot tasks (so never two runs of
// a probe at once), first after its initialDelaySeconds, then after the wait its state gives
// (probe-state.ts). Probes of a service whose startup probe has not succeeded wait; a startup probe
// that succeeded is not run again. Every result goes to `onResult`; a service whose derived state
// changes goes to `onServiceChange`. Changing the probes keeps the runs of the unchanged ones.
import type { ProbeSpec, ServiceState } from '../../../shared/health.js';
import type { Scheduler, Task } from '../core/scheduler.js';
import { runCheck, type CheckResult, type SecretResolver } from './checks.js';
import { ProbeTracker, serviceState } from './probe-state.js';

export interface ProbeRun {
  readonly spec: ProbeSpec;
  readonly tracker: ProbeTracker;
  /** The file the probe comes from. */
  readonly file: string;
  task: Task | null;
  inFlight: Promise<CheckResult> | null;
  last: (CheckResult & { atMs: number }) | null;
  lastFailure: (CheckResult & { atMs: number }) | null;
  /** The wait before the next run, as last armed. */
  intervalMs: number;
}

export interface HealthCheckerDeps {
  scheduler: Scheduler;
  /** Fills the headers' `${secret:NAME}` at each run. */
  secrets?: SecretResolver;
  onResult(run: ProbeRun, result: CheckResult, atMs: number): void;
  onServiceChange(service: string, from: ServiceState, to: ServiceState, cause: ProbeRun): void;
}

export class HealthChecker {
  private runs = new Map<string, ProbeRun>();
  private stopped = false;

  constructor(private readonly deps: HealthCheckerDeps) {}

  /** Put these probes in place: new and changed ones start over, removed ones stop, the others go on. */
  setProbes(probes: readonly { spec: ProbeSpec; file: string }[]): void {
    const next = new Map<string, ProbeRun>();
    for (const { spec, file } of probes) {
      const old = this.runs.get(spec.name);
      if (old && JSON.stringify(old.spec) === JSON.stringify(spec) && old.file === file) {
        next.set(spec.name, old);
        continue;
      }
      old?.task?.cancel();
      const run: ProbeRun = {
        spec,
        tracker: new ProbeTracker(spec),
        file,
        task: null,
        inFlight: null,
        last: null,
        lastFailure: null,
        intervalMs: spec.periodSeconds * 1000,
      };
      next.set(spec.name, run);
    }
    for (const [name, run] of this.runs) if (!next.has(name)) run.task?.cancel();
    this.runs = next;
    for (const run of next.values())
      if (!run.task && !run.inFlight && !this.startupDone(run)) this.arm(run, run.spec.initialDelaySeconds * 1000);
  }

  list(): ProbeRun[] {
    return [...this.runs.values()];
  }

  get(name: string): ProbeRun | undefined {
    return this.runs.get(name);
  }

  /** The derived state of a service (starting before any verdict). */
  stateOf(service: string): ServiceState {
    return serviceState(this.probesOf(service).map((r) => ({ role: r.spec.role, state: r.tracker.state })));
  }

  /** The dependencies of `run` that are down now: probes by name, or services by name. */
  blockedBy(run: ProbeRun): string[] {
    return run.spec.dependsOn.filter((dep) => {
      const probe = this.runs.get(dep);
      if (probe) return probe.tracker.state === 'down';
      return this.probesOf(dep).length > 0 && this.stateOf(dep) === 'down';
    });
  }

  /** Run the probe now (or wait for the run in flight); its schedule restarts after it. */
  async testNow(name: string): Promise<CheckResult | null> {
    const run = this.runs.get(name);
    if (!run) return null;
    if (run.inFlight) return run.inFlight;
    run.task?.cancel();
    run.task = null;
    return this.execute(run, true);
  }

  /** Stop every probe; the runs in flight finish (their results are dropped). */
  async stop(): Promise<void> {
    this.stopped = true;
    const pending: Promise<unknown>[] = [];
    for (const run of this.runs.values()) {
      run.task?.cancel();
      run.task = null;
      if (run.inFlight) pending.push(run.inFlight);
    }
    await Promise.allSettled(pending);
  }

  private probesOf(service: string): ProbeRun[] {
    return [...this.runs.values()].filter((r) => r.spec.service === service);
  }

  private startupDone(run: ProbeRun): boolean {
    return run.spec.role === 'startup' && run.tracker.state === 'up';
  }

  /** Its service's startup probe has not succeeded yet. */
  private gated(run: ProbeRun): boolean {
    return (
      run.spec.role !== 'startup' && this.probesOf(run.spec.service).some((r) => r.spec.role === 'startup' && r.tracker.state !== 'up')
    );
  }

  private arm(run: ProbeRun, delayMs: number): void {
    if (this.stopped || this.runs.get(run.spec.name) !== run) return;
    run.intervalMs = delayMs;
    run.task = this.deps.scheduler.after(delayMs, () => {
      run.task = null;
      return this.execute(run, false).then(() => undefined);
    });
  }

  private async execute(run: ProbeRun, asked: boolean): Promise<CheckResult | null> {
    if (!asked && (this.deps.scheduler.suspended || this.gated(run))) {
      // Asleep, or waiting for the startup probe: look again a period later (the startup probe's
      // success re-arms the waiting probes at once).
      if (this.gated(run)) run.tracker.state = 'waiting';
      this.arm(run, run.spec.periodSeconds * 1000);
      return null;
    }
    const inFlight = runCheck(run.spec, this.deps.scheduler, this.deps.secrets);
    run.inFlight = inFlight;
    let result: CheckResult;
    try {
      result = await inFlight;
    } finally {
      run.inFlight = null;
    }
    if (this.stopped || this.runs.get(run.spec.name) !== run) return result;
    const atMs = this.deps.scheduler.clock.nowMs();
    const before = this.stateOf(run.spec.service);
    const wasWaiting = run.spec.role === 'startup' && run.tracker.state !== 'up';
    run.tracker.record(result.ok);
    run.last = { ...result, atMs };
    if (!result.ok) run.lastFailure = run.last;
    this.deps.onResult(run, result, atMs);
    if (wasWaiting && run.tracker.state === 'up') {
      // The startup probe succeeded: the probes it held back run now.
      for (const other of this.probesOf(run.spec.service)) {
        if (other === run || other.inFlight) continue;
        other.task?.cancel();
        other.tracker.state = 'unknown';
        this.arm(other, 0);
      }
    }
    const after = this.stateOf(run.spec.service);
    if (after !== before) this.deps.onServiceChange(run.spec.service, before, after, run);
    if (!this.startupDone(run)) this.arm(run, run.tracker.intervalMs());
    return result;
  }
}
