// The scheduler on a test clock: periods, one run at a time, jitter, one-shot tasks, and what a
// sleep of the machine does (one catch-up run and a reported gap, not a run per missed period).
import { describe, expect, it } from 'vitest';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { Scheduler, type ScheduleGap } from '../../../electron/engine/core/scheduler.js';

const START = Date.UTC(2026, 0, 1);

function setup(opts: { random?: () => number } = {}) {
  const clock = new TestClock(START);
  const gaps: ScheduleGap[] = [];
  const scheduler = new Scheduler(clock, { onGap: (g) => gaps.push(g), ...opts });
  return { clock, scheduler, gaps };
}

describe('scheduler jobs', () => {
  it('runs a job every period once started, and no more once stopped', async () => {
    const { clock, scheduler } = setup();
    const at: number[] = [];
    const job = scheduler.add({ name: 'tick', everyMs: 1000, run: () => void at.push(clock.nowMs() - START) });
    await clock.advance(5000);
    expect(at).toEqual([]);
    job.start();
    await clock.advance(3500);
    expect(at).toEqual([6000, 7000, 8000]);
    job.stop();
    await clock.advance(10_000);
    expect(at).toHaveLength(3);
    expect(clock.pendingTimers).toBe(0);
    expect(job.status()).toMatchObject({ name: 'tick', runs: 3, started: false, lastRunMs: START + 8000 });
  });

  it('never overlaps a run with the previous one: the next period starts when a run ends', async () => {
    const { clock, scheduler } = setup();
    let active = 0;
    let most = 0;
    const starts: number[] = [];
    scheduler
      .add({
        name: 'slow',
        everyMs: 100,
        run: async () => {
          active++;
          most = Math.max(most, active);
          starts.push(clock.nowMs() - START);
          // Takes 250 ms of clock time: longer than the period.
          await scheduler.sleep(250);
          active--;
        },
      })
      .start();
    await clock.advance(1000);
    expect(most).toBe(1);
    expect(starts).toEqual([100, 450, 800]);
  });

  it('runNow joins a run in progress instead of starting a second one', async () => {
    const { clock, scheduler } = setup();
    let runs = 0;
    const job = scheduler.add({
      name: 'j',
      everyMs: 10_000,
      run: async () => {
        runs++;
        await scheduler.sleep(50);
      },
    });
    job.start();
    const a = job.runNow();
    const b = job.runNow();
    await clock.advance(50);
    await Promise.all([a, b]);
    expect(runs).toBe(1);
    // The period restarts after the run: the next is 10 s after it ended, not after start.
    await clock.advance(9999);
    expect(runs).toBe(1);
    await clock.advance(1);
    expect(runs).toBe(2);
  });

  it('spreads periods with jitter', async () => {
    const { clock, scheduler } = setup({ random: () => 0.5 });
    const at: number[] = [];
    scheduler.add({ name: 'j', everyMs: 1000, run: () => void at.push(clock.nowMs() - START) }, { jitterMs: 200 }).start();
    await clock.advance(3500);
    expect(at).toEqual([1100, 2200, 3300]);
  });

  it('keeps a failing job scheduled and shows its error', async () => {
    const { clock, scheduler } = setup();
    let calls = 0;
    const job = scheduler.add({
      name: 'flaky',
      everyMs: 1000,
      run: () => {
        if (++calls === 1) throw new Error('disk full');
      },
    });
    job.start();
    await clock.advance(1000);
    expect(job.status().lastError).toBe('disk full');
    await clock.advance(1000);
    expect(calls).toBe(2);
    expect(job.status().lastError).toBeNull();
  });

  it('refuses two jobs of one name', () => {
    const { scheduler } = setup();
    scheduler.add({ name: 'retention', everyMs: 1000, run: () => undefined });
    expect(() => scheduler.add({ name: 'retention', everyMs: 5, run: () => undefined })).toThrow(/already scheduled/);
  });
});

describe('scheduler and the machine sleeping', () => {
  it('after a sleep of many periods runs the job once and reports the gap', async () => {
    const { clock, scheduler, gaps } = setup();
    let runs = 0;
    const job = scheduler.add({ name: 'retention', everyMs: 10_000, run: () => void runs++ });
    job.start();
    await clock.advance(10_000);
    expect(runs).toBe(1);
    // The lid closes 2 s into the period for an hour: timers stand still, the wall clock moves on.
    await clock.advance(2000);
    clock.sleepMachine(3_600_000);
    await clock.advance(8000);
    expect(runs).toBe(2);
    expect(gaps).toEqual([{ job: 'retention', gapMs: 3_600_000, missedRuns: 360, atMs: START + 20_000 + 3_600_000 }]);
    expect(job.status().lastGap).toEqual(gaps[0]);
    // Then back to its period, with no further gap.
    await clock.advance(10_000);
    expect(runs).toBe(3);
    expect(gaps).toHaveLength(1);
  });

  it('a short wall-clock step (less than a period) is no gap', async () => {
    const { clock, scheduler, gaps } = setup();
    scheduler.add({ name: 'j', everyMs: 10_000, run: () => undefined }).start();
    await clock.advance(5000);
    clock.sleepMachine(4000);
    await clock.advance(5000);
    expect(gaps).toEqual([]);
  });

  it('runs nothing while suspended, then each due job once on resume', async () => {
    const { clock, scheduler, gaps } = setup();
    const runs = { a: 0, b: 0 };
    scheduler.add({ name: 'a', everyMs: 1000, run: () => void runs.a++ }).start();
    scheduler.add({ name: 'b', everyMs: 60_000, run: () => void runs.b++ }).start();
    scheduler.suspend();
    await clock.advance(30_000);
    expect(runs).toEqual({ a: 0, b: 0 });
    scheduler.resume();
    await clock.advance(0);
    expect(runs).toEqual({ a: 1, b: 0 });
    expect(gaps.map((g) => [g.job, g.missedRuns])).toEqual([['a', 29]]);
    await clock.advance(1000);
    expect(runs).toEqual({ a: 2, b: 0 });
  });

  it('stopAll waits for the run in progress', async () => {
    const { clock, scheduler } = setup();
    let finished = false;
    const job = scheduler.add({
      name: 'j',
      everyMs: 1000,
      run: async () => {
        await scheduler.sleep(500);
        finished = true;
      },
    });
    job.start();
    await clock.advance(1000);
    expect(job.status().running).toBe(true);
    let stopped = false;
    const stopping = scheduler.stopAll().then(() => (stopped = true));
    await clock.advance(499);
    expect(stopped).toBe(false);
    await clock.advance(1);
    await stopping;
    expect(finished).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('one-shot tasks', () => {
  it('run once after their delay, in due order, unless cancelled', async () => {
    const { clock, scheduler } = setup();
    const order: string[] = [];
    scheduler.after(40, () => void order.push('batch'));
    const retry = scheduler.after(30, () => void order.push('retry'));
    scheduler.after(10, () => {
      order.push('kick');
      scheduler.after(5, () => void order.push('kick+5'));
    });
    retry.cancel();
    await clock.advance(39);
    expect(order).toEqual(['kick', 'kick+5']);
    await clock.advance(1);
    expect(order).toEqual(['kick', 'kick+5', 'batch']);
    expect(clock.pendingTimers).toBe(0);
  });
});
