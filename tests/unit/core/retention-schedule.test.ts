// Retention as a scheduled job on a test clock, over the signals' pruners: nothing goes before its
// first period, data past the age limit goes as time passes, and after the machine slept for half
// a day one run catches up (the gap reported). Writers announce every signal on the event bus.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { EventBus } from '../../../electron/engine/core/events.js';
import { Scheduler, type ScheduleGap } from '../../../electron/engine/core/scheduler.js';
import { openDatabase, type Db } from '../../../electron/engine/core/database.js';
import { LogWriter, type LogInsert } from '../../../electron/engine/signals/logs/log-writer.js';
import { LogPruner } from '../../../electron/engine/signals/logs/log-pruner.js';
import { MetricPruner } from '../../../electron/engine/signals/metrics/metric-pruner.js';
import { SpanPruner } from '../../../electron/engine/signals/traces/span-pruner.js';
import { Retention, RETENTION_INTERVAL_MS } from '../../../electron/engine/core/retention.js';
import { OtlpIngest } from '../../../electron/engine/ingest/otlp/ingest.js';
import { decodeMetricsJson } from '../../../electron/engine/ingest/otlp/decode-json.js';
import { decodeTracesProto } from '../../../electron/engine/ingest/otlp/protobuf/traces.js';
import { randomId, traceRequest } from '../../support/otlp-proto.js';

const HOUR_MS = 3_600_000;
const START_MS = Date.UTC(2026, 10, 30, 12);

let dir: string;
let db: Db;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-retention-clock-'));
  db = openDatabase(join(dir, 'loupe.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function rec(ms: number, message: string): LogInsert {
  return { ts: ms * 1000, severity: 9, fileId: null, sourceId: null, message, flags: 0 };
}

const traces = (id: number, ms: number) =>
  decodeTracesProto(
    traceRequest('svc', [
      {
        traceId: randomId(16, id),
        spanId: randomId(8, id),
        name: 'op',
        startNs: BigInt(ms) * 1_000_000n,
        endNs: BigInt(ms + 5) * 1_000_000n,
      },
    ]),
  );

const gauge = (ms: number) =>
  decodeMetricsJson(
    JSON.stringify({
      resourceMetrics: [
        {
          scopeMetrics: [
            { metrics: [{ name: 'g', gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: (BigInt(ms) * 1_000_000n).toString() }] } }] },
          ],
        },
      ],
    }),
  );

const count = (table: string): number => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

describe('retention on the scheduler', () => {
  it('removes what passed the age limit as time goes by, and catches up once after a sleep', async () => {
    const clock = new TestClock(START_MS);
    const gaps: ScheduleGap[] = [];
    const scheduler = new Scheduler(clock, { onGap: (g) => gaps.push(g) });
    const events = new EventBus();
    const ingest = new OtlpIngest(db, new LogWriter(db, clock), { events, scheduler });
    // Logs, traces and points one per hour over the last two days.
    new LogWriter(db, clock).write(Array.from({ length: 48 }, (_, h) => rec(START_MS - (47 - h) * HOUR_MS, `hour ${h}`)));
    const writes = Array.from({ length: 48 }, (_, h) => [
      ingest.submit('traces', traces(h + 1, START_MS - (47 - h) * HOUR_MS)),
      ingest.submit('metrics', gauge(START_MS - (47 - h) * HOUR_MS)),
    ]).flat();
    ingest.flush();
    await Promise.all(writes);

    const pruners = [new LogPruner(db), new SpanPruner(db), new MetricPruner(db)];
    const retention = new Retention(db, pruners, { maxDbBytes: 1024 ** 4, retentionUs: 24 * HOUR_MS * 1000 }, { clock });
    const job = scheduler.add(retention.job);
    job.start();
    await clock.advance(RETENTION_INTERVAL_MS - 1);
    expect(count('logs')).toBe(48);

    await clock.advance(1);
    await job.settled();
    // Older than 24 h at START + 10 s: hours 0…23 go, 24…47 stay.
    expect([count('logs'), count('traces'), count('spans'), count('metric_points')]).toEqual([24, 24, 24, 24]);
    expect(retention.stats).toMatchObject({ lastError: null, deletedRecords: 72, lastRun: clock.nowUs() });

    // The lid closes for 12 h: no run meanwhile; on wake one run removes the 12 hours that aged out.
    clock.sleepMachine(12 * HOUR_MS);
    await clock.advance(RETENTION_INTERVAL_MS);
    await job.settled();
    expect([count('logs'), count('traces'), count('metric_points')]).toEqual([12, 12, 12]);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ job: 'retention', gapMs: 12 * HOUR_MS, missedRuns: (12 * HOUR_MS) / RETENTION_INTERVAL_MS });
    expect(job.status().runs).toBe(2);
    await scheduler.stopAll();
  });
});

describe('stored events', () => {
  it('the OTLP writer announces spans, points and log records once committed; a retry of stored spans announces nothing', async () => {
    const clock = new TestClock(START_MS);
    const events = new EventBus();
    const heard: string[] = [];
    events.on('spans.stored', (e) => heard.push(`spans ${e.spans}`));
    events.on('points.stored', (e) => heard.push(`points ${e.points}`));
    events.on('logs.stored', (b) => heard.push(`logs ${b.ids.length}`));
    const ingest = new OtlpIngest(db, new LogWriter(db, clock), { events, scheduler: new Scheduler(clock) });

    const first = [ingest.submit('traces', traces(1, START_MS)), ingest.submit('metrics', gauge(START_MS))];
    expect(heard).toEqual([]);
    // The queue is written after its flush delay on the clock, in one transaction.
    await clock.advance(5);
    await Promise.all(first);
    expect(heard).toEqual(['spans 1', 'points 1']);
    expect(count('spans')).toBe(1);

    const retry = ingest.submit('traces', traces(1, START_MS));
    await clock.advance(5);
    await retry;
    expect(heard).toEqual(['spans 1', 'points 1']);
    expect(ingest.stats.duplicateSpans).toBe(1);
  });
});
