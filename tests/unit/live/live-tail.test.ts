// The live tail's coalescing (live-tail.ts), on the engine's clock: a burst of thousands of lines a
// second reaches a view as at most one message per interval, holding the newest matches and the
// count of those it left out; the first records after a quiet spell go at once; an unsubscribed
// view gets nothing more. A TestClock drives the delivery timers, as the Scheduler hands them out.
import { describe, expect, it } from 'vitest';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { Scheduler } from '../../../electron/engine/core/scheduler.js';
import { LiveTail } from '../../../electron/engine/signals/logs/live/live-tail.js';
import type { LogInsert, StoredBatch } from '../../../electron/engine/signals/logs/log-writer.js';
import type { LiveBatch } from '../../../shared/api.js';

let nextId = 1;
/** A stored batch of `messages` (info, or error for those that say so), ids and times in order. */
function batch(messages: string[]): StoredBatch {
  const records: LogInsert[] = messages.map((message) => ({
    ts: Date.UTC(2026, 11, 2) * 1000 + nextId,
    severity: message.includes('error') ? 17 : 9,
    fileId: null,
    sourceId: null,
    logger: 'app',
    message,
    flags: 0,
  }));
  return { records, ids: records.map(() => nextId++) };
}

function tail(maxRecords = 500) {
  const clock = new TestClock();
  const live = new LiveTail(
    new Scheduler(clock),
    (row) => ({ message: row.message }) as never,
    () => ({ source_path: null, file_path: null }),
    100,
    maxRecords,
  );
  const got: { at: number; batch: LiveBatch }[] = [];
  return { clock, live, got, send: (b: LiveBatch) => got.push({ at: clock.nowMs(), batch: b }) };
}

const messages = (b: LiveBatch): string[] => b.records.map((r) => r.message);

describe('the live tail', () => {
  it('sends the first matches after a quiet spell at once, then at most one message per interval', async () => {
    const t = tail();
    t.live.subscribe('level:error', t.send);
    const start = t.clock.nowMs();
    t.live.publish(batch(['boot', 'first error']));
    await t.clock.advance(0);
    expect(t.got.map((g) => [g.at - start, messages(g.batch)])).toEqual([[0, ['first error']]]);
    // A burst within the interval: held, then sent together when the interval is up.
    await t.clock.advance(10);
    t.live.publish(batch(['error a', 'fine']));
    await t.clock.advance(30);
    t.live.publish(batch(['error b']));
    await t.clock.advance(59);
    expect(t.got).toHaveLength(1);
    await t.clock.advance(1);
    expect(t.got.map((g) => [g.at - start, messages(g.batch)])).toEqual([
      [0, ['first error']],
      [100, ['error a', 'error b']],
    ]);
    // Nothing that matches: nothing sent.
    t.live.publish(batch(['fine again']));
    await t.clock.advance(500);
    expect(t.got).toHaveLength(2);
  });

  it('keeps the newest matches of a burst past its limit and says how many it left out', async () => {
    const t = tail(3);
    t.live.subscribe('', t.send);
    t.live.publish(batch(['m0']));
    await t.clock.advance(0);
    t.live.publish(batch(['m1', 'm2', 'm3']));
    t.live.publish(batch(['m4', 'm5']));
    await t.clock.advance(100);
    expect(t.got.map((g) => [messages(g.batch), g.batch.skipped])).toEqual([
      [['m0'], 0],
      [['m3', 'm4', 'm5'], 2],
    ]);
  });

  it('sends nothing more once unsubscribed or closed, and each view gets its own matches', async () => {
    const t = tail();
    const other: LiveBatch[] = [];
    const stop = t.live.subscribe('', t.send);
    t.live.subscribe('error', (b) => other.push(b));
    t.live.publish(batch(['one', 'an error']));
    await t.clock.advance(0);
    t.live.publish(batch(['two', 'another error']));
    stop();
    await t.clock.advance(100);
    expect(t.got.map((g) => messages(g.batch))).toEqual([['one', 'an error']]);
    expect(other.map(messages)).toEqual([['an error'], ['another error']]);
    expect(t.live.size).toBe(1);
    t.live.publish(batch(['late error']));
    t.live.close();
    await t.clock.advance(1000);
    expect(other).toHaveLength(2);
    expect(t.clock.pendingTimers).toBe(0);
  });
});
