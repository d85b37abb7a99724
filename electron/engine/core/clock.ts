// What time it is and when to wake up, for the whole engine. Every time-dependent part takes a
// Clock (through the Scheduler when it needs timers) instead of calling Date.now/setTimeout, so a
// test can drive hours of retention, retries and sleeps with a TestClock, instantly and in order.

/** A pending one-shot timer. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Wall-clock time, ms since the epoch. */
  nowMs(): number;
  /** Wall-clock time, µs since the epoch (the unit of stored timestamps). */
  nowUs(): number;
  /**
   * Run `fn` once after `ms` of elapsed time. Elapsed time is the timers' own (monotonic) time: it
   * stands still while the machine sleeps, when the wall clock jumps. Components use the
   * Scheduler's `after`, which sits on this.
   */
  setTimer(fn: () => void | Promise<void>, ms: number): Timer;
}

/** The real clock: Date.now and Node's timers. */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  nowUs: () => Date.now() * 1000,
  setTimer(fn, ms) {
    const handle = setTimeout(() => void fn(), ms);
    return { cancel: () => clearTimeout(handle) };
  },
};

interface TestTimer {
  at: number;
  seq: number;
  fn: () => void | Promise<void>;
  cancelled: boolean;
}

/**
 * A clock that only moves when told: `advance` runs the timers that fall due, one at a time in
 * due order (ties in creation order), each seeing the clock at its own due time, and lets the
 * promises it started settle (one event-loop turn: work that waits on this clock or on pure
 * promises goes as far as it can; work waiting on real I/O is awaited by the test itself).
 * `sleepMachine` moves the wall clock alone, as a laptop's lid closed does.
 */
export class TestClock implements Clock {
  private wallMs: number;
  /** Elapsed (monotonic) time: what timers count. */
  private elapsedMs = 0;
  private seq = 0;
  private timers: TestTimer[] = [];

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.wallMs = startMs;
  }

  nowMs(): number {
    return this.wallMs;
  }

  nowUs(): number {
    return this.wallMs * 1000;
  }

  setTimer(fn: () => void | Promise<void>, ms: number): Timer {
    const timer: TestTimer = { at: this.elapsedMs + Math.max(0, ms), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return { cancel: () => (timer.cancelled = true) };
  }

  /** Timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Move time forward by `ms`, running every timer due by then (timers they set included). */
  async advance(ms: number): Promise<void> {
    const end = this.elapsedMs + ms;
    // What the caller started just before (a run's promise chain) sets its timers first.
    await new Promise((resolve) => setImmediate(resolve));
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: TestTimer | undefined;
      for (const t of this.timers) if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.seq < next.seq))) next = t;
      if (!next) break;
      this.timers.splice(this.timers.indexOf(next), 1);
      this.wallMs += next.at - this.elapsedMs;
      this.elapsedMs = next.at;
      const result = next.fn();
      // A rejection is the timer owner's to report; an unhandled one must not end the test run.
      if (result instanceof Promise) result.catch(() => undefined);
      await new Promise((resolve) => setImmediate(resolve));
    }
    this.wallMs += end - this.elapsedMs;
    this.elapsedMs = end;
  }

  /** The machine sleeps for `ms`: the wall clock jumps, no timer runs (their time stood still). */
  sleepMachine(ms: number): void {
    this.wallMs += ms;
  }
}
