// A view's store asking the engine again every few seconds while the view is open: one place for
// the interval, so the stores that poll (sources, alerts, health) start, stop and overlap alike —
// a refresh still running when the next is due is not doubled.

export class Poller {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running = false;

  constructor(
    private readonly refresh: () => Promise<void>,
    private readonly everyMs: number,
  ) {}

  /** Refresh now, then every `everyMs` until stop(). */
  start(): void {
    this.stop();
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.refresh();
    } finally {
      this.running = false;
    }
  }
}
