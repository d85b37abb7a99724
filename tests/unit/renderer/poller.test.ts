// lib/poller.ts: the views' polling stores refresh at once, then every interval, never two
// refreshes of one store at the same time (a slow engine answer is not asked for again meanwhile),
// and nothing more once the view is closed.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Poller } from '../../../renderer/src/lib/poller.js';

describe('Poller', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('refreshes at once and every interval, not over a refresh still running, and stops', async () => {
    let calls = 0;
    let finish: (() => void) | null = null;
    const poller = new Poller(
      () =>
        new Promise<void>((resolve) => {
          calls++;
          finish = resolve;
        }),
      1000,
    );
    poller.start();
    expect(calls).toBe(1);
    await vi.advanceTimersByTimeAsync(3000);
    expect(calls).toBe(1); // the first answer has not come: no second question
    finish!();
    await vi.advanceTimersByTimeAsync(1000);
    expect(calls).toBe(2);
    finish!();
    poller.stop();
    await vi.advanceTimersByTimeAsync(5000);
    expect(calls).toBe(2);
  });
});
