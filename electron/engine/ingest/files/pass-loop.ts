// A source's one serialized loop of passes: kicked by file-system events (fast, lossy) and by a stat
// poll (slow, reliable). A pass never overlaps another, so the readers need no locking: a kick
// during a pass makes one more pass after it, and kicks before a pass starts make one pass.
import type { Scheduler, Task } from '../../core/scheduler.js';

/** Folder sources re-list their tree every this many polls even without events. */
const POLLS_PER_RELIST = 4;

export interface PassRunner {
  /** One pass; `discover`: list the files (a poll or an event asked it), not only read the known ones. */
  pass(discover: boolean): Promise<void>;
  /** A pass threw: it never throws out of a timer. */
  failed(err: unknown): void;
  /** Whether the polls re-list (a folder's tree; a single file's pass stats it anyway). */
  relists(): boolean;
}

export class PassLoop {
  private pollTimer: Task | null = null;
  private kickTimer: Task | null = null;
  private pollCount = 0;
  private running: Promise<void> | null = null;
  private rerun = false;
  private wantDiscovery = true;
  private firstPass = true;
  private isStopped = false;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly pollMs: number,
    private readonly runner: PassRunner,
  ) {}

  /** The pass running is the first one since the loop was made. */
  get first(): boolean {
    return this.firstPass;
  }

  get stopped(): boolean {
    return this.isStopped;
  }

  /** Starts polling and runs a first pass (with discovery); resolves when that pass is done. */
  async start(): Promise<void> {
    this.isStopped = false;
    this.schedulePoll();
    // The first pass decides which known files resume where: wait for it before events can race it.
    this.kick(true, 0);
    await this.running;
  }

  /** No pass starts any more (the one running, if any, goes on: see settled). */
  halt(): void {
    this.isStopped = true;
    this.pollTimer?.cancel();
    this.kickTimer?.cancel();
    this.pollTimer = null;
    this.kickTimer = null;
  }

  /** Resolves when no pass runs. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** The pass running left work for another pass right after it. */
  again(): void {
    this.rerun = true;
  }

  /** Runs a pass soon; passes never overlap (a kick during a pass makes one more pass). */
  kick(discover: boolean, delayMs = 10): void {
    if (this.isStopped) return;
    if (discover) this.wantDiscovery = true;
    if (this.running) {
      this.rerun = true;
      return;
    }
    if (this.kickTimer) return;
    const run = (): void => {
      this.kickTimer = null;
      if (this.isStopped || this.running) {
        if (this.running) this.rerun = true;
        return;
      }
      this.running = this.loop().finally(() => {
        this.running = null;
      });
    };
    if (delayMs <= 0) run();
    else this.kickTimer = this.scheduler.after(delayMs, run);
  }

  private schedulePoll(): void {
    this.pollTimer = this.scheduler.after(this.pollMs, () => {
      if (this.isStopped) return;
      this.schedulePoll();
      this.onPoll();
    });
  }

  private onPoll(): void {
    this.pollCount++;
    this.kick(this.runner.relists() && this.pollCount % POLLS_PER_RELIST === 0, 0);
  }

  private async loop(): Promise<void> {
    do {
      this.rerun = false;
      const discover = this.wantDiscovery;
      this.wantDiscovery = false;
      try {
        await this.runner.pass(discover);
      } catch (err) {
        this.runner.failed(err);
      }
      this.firstPass = false;
    } while (this.rerun && !this.isStopped);
  }
}
