// A source's rate as its view shows it: records per second over the last ~10 s, from the running
// total sampled each time the view is asked for (no timer of its own).
const WINDOW_MS = 10_000;

export class RateSampler {
  private readonly samples: { at: number; total: number }[] = [];

  /** Note the total at `nowMs`; the rate since the oldest sample in the window, one decimal. */
  sample(nowMs: number, total: number): number {
    this.samples.push({ at: nowMs, total });
    while (this.samples.length > 2 && nowMs - this.samples[0]!.at > WINDOW_MS) this.samples.shift();
    const first = this.samples[0]!;
    const rate = nowMs > first.at ? ((total - first.total) * 1000) / (nowMs - first.at) : 0;
    return Math.round(rate * 10) / 10;
  }
}
