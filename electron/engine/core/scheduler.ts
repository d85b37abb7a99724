// The engine's one place for timers: named periodic jobs and one-shot delayed tasks, on a Clock.
//
// A job's run never overlaps the previous one (the next run is timed from the end of the last),
// its period can be spread with jitter, and a sleep of the machine is dealt with honestly: timers
// stand still while it sleeps, the wall clock does not, so a tick that finds the wall clock far
// past its due time runs the job once (never once per missed period) and reports the gap. The
// host can also say when the machine goes to sleep (`suspend`/`resume`): no job runs meanwhile.
import type { Clock, Timer } from './clock.js';
import type { JobSpec } from './module.js';

/** A one-shot task: cancel it before it runs, or not at all. */
export type Task = Timer;

/** What a wake from sleep (or a stalled process) did to a job's schedule. */
export interface ScheduleGap {
  job: string;
  /** Wall-clock time that passed beyond the job's period, ms. */
  gapMs: number;
  /** Runs that would have happened meanwhile; the job ran once for all of them. */
  missedRuns: number;
  atMs: number;
}

export interface JobStatus {
  name: string;
  everyMs: number;
  started: boolean;
  running: boolean;
  runs: number;
  lastRunMs: number | null;
  lastError: string | null;
  lastGap: ScheduleGap | null;
}

export interface JobOptions {
  /** Each period is lengthened by up to this much, at random (jobs started together spread out). */
  jitterMs?: number;
}

export interface SchedulerOptions {
  /** In [0, 1), for the jitter (tests pass a fixed one). */
  random?: () => number;
  /** Told of every gap found on a wake. */
  onGap?: (gap: ScheduleGap) => void;
}

/** A job added to the scheduler. */
export interface ScheduledJob {
  readonly name: string;
  start(): void;
  /** Stop timing runs; one in progress finishes (`settled` waits for it). */
  stop(): void;
  /** Run now unless a run is in progress (then wait for that one); the period restarts after it. */
  runNow(): Promise<void>;
  /** The run in progress, if any, finished. */
  settled(): Promise<void>;
  status(): JobStatus;
}

export class Scheduler {
  private readonly jobs = new Map<string, JobRunner>();
  private suspendedAtMs: number | null = null;

  constructor(
    readonly clock: Clock,
    private readonly options: SchedulerOptions = {},
  ) {}

  /** Register a job (not started). Names are unique: a second job of a name is refused. */
  add(spec: JobSpec, options: JobOptions = {}): ScheduledJob {
    if (this.jobs.has(spec.name)) throw new Error(`a job named "${spec.name}" is already scheduled`);
    if (!(spec.everyMs > 0)) throw new Error(`job "${spec.name}": everyMs must be positive`);
    const job = new JobRunner(this, spec, options.jitterMs ?? 0);
    this.jobs.set(spec.name, job);
    return job;
  }

  /** Stop a job and forget it (its name can be used again). */
  remove(name: string): void {
    this.jobs.get(name)?.stop();
    this.jobs.delete(name);
  }

  job(name: string): ScheduledJob | undefined {
    return this.jobs.get(name);
  }

  status(): JobStatus[] {
    return [...this.jobs.values()].map((j) => j.status());
  }

  /** Run `fn` once after `ms` (batch delays, retries, settle timers). */
  after(ms: number, fn: () => void | Promise<void>): Task {
    return this.clock.setTimer(fn, ms);
  }

  /** A promise that resolves after `ms`. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimer(resolve, ms));
  }

  /** The machine is going to sleep: no job runs until `resume`. */
  suspend(): void {
    this.suspendedAtMs ??= this.clock.nowMs();
  }

  /** The machine woke: every job that fell due meanwhile runs once, its gap reported. */
  resume(): void {
    if (this.suspendedAtMs === null) return;
    this.suspendedAtMs = null;
    for (const job of this.jobs.values()) job.wake();
  }

  get suspended(): boolean {
    return this.suspendedAtMs !== null;
  }

  /** Stop every job and wait for the runs in progress. */
  async stopAll(): Promise<void> {
    for (const job of this.jobs.values()) job.stop();
    await Promise.all([...this.jobs.values()].map((j) => j.settled()));
  }

  /** For the jobs (internal). */
  reportGap(gap: ScheduleGap): void {
    this.options.onGap?.(gap);
  }

  /** For the jobs (internal). */
  jitter(maxMs: number): number {
    return maxMs > 0 ? Math.floor((this.options.random ?? Math.random)() * maxMs) : 0;
  }
}

class JobRunner implements ScheduledJob {
  private timer: Timer | null = null;
  /** When the armed tick was set (wall clock) and how long it waits: a late tick means a sleep. */
  private armedAtMs = 0;
  private armedDelayMs = 0;
  private started = false;
  /** A tick came while the scheduler was suspended: run at resume. */
  private dueWhileSuspended = false;
  private running: Promise<void> | null = null;
  private runs = 0;
  private lastRunMs: number | null = null;
  private lastError: string | null = null;
  private lastGap: ScheduleGap | null = null;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly spec: JobSpec,
    private readonly jitterMs: number,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.arm();
  }

  stop(): void {
    this.started = false;
    this.dueWhileSuspended = false;
    this.timer?.cancel();
    this.timer = null;
  }

  runNow(): Promise<void> {
    if (this.running) return this.running;
    this.timer?.cancel();
    this.timer = null;
    return this.runOnce();
  }

  async settled(): Promise<void> {
    await this.running;
  }

  status(): JobStatus {
    return {
      name: this.spec.name,
      everyMs: this.spec.everyMs,
      started: this.started,
      running: this.running !== null,
      runs: this.runs,
      lastRunMs: this.lastRunMs,
      lastError: this.lastError,
      lastGap: this.lastGap,
    };
  }

  /** The scheduler resumed (internal). */
  wake(): void {
    if (!this.dueWhileSuspended || !this.started) return;
    this.dueWhileSuspended = false;
    this.noteGap();
    void this.runOnce();
  }

  private arm(): void {
    if (!this.started || this.timer) return;
    this.armedAtMs = this.scheduler.clock.nowMs();
    this.armedDelayMs = this.spec.everyMs + this.scheduler.jitter(this.jitterMs);
    this.timer = this.scheduler.clock.setTimer(() => this.tick(), this.armedDelayMs);
  }

  private tick(): Promise<void> | undefined {
    this.timer = null;
    if (!this.started) return undefined;
    if (this.scheduler.suspended) {
      this.dueWhileSuspended = true;
      return undefined;
    }
    this.noteGap();
    return this.runOnce();
  }

  /** The wall clock ran further than the timer waited by more than a period: the machine slept. */
  private noteGap(): void {
    const now = this.scheduler.clock.nowMs();
    const late = now - this.armedAtMs - this.armedDelayMs;
    if (late <= this.spec.everyMs) return;
    const gap: ScheduleGap = { job: this.spec.name, gapMs: late, missedRuns: Math.floor(late / this.spec.everyMs), atMs: now };
    this.lastGap = gap;
    this.scheduler.reportGap(gap);
  }

  private runOnce(): Promise<void> {
    const run = async (): Promise<void> => {
      try {
        await this.spec.run();
        this.lastError = null;
      } catch (err) {
        // A job's failure is its status, never an unhandled rejection; the next period tries again.
        this.lastError = err instanceof Error ? err.message : String(err);
      } finally {
        this.runs++;
        this.lastRunMs = this.scheduler.clock.nowMs();
      }
    };
    this.running = run().finally(() => {
      this.running = null;
      this.arm();
    });
    return this.running;
  }
}
