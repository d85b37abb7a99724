// Retention covers spans (a whole trace at a time) and metric points, by age and by size.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../electron/engine/core/database.js';
import { LogWriter } from '../../../electron/engine/signals/logs/log-writer.js';
import { Retention } from '../../../electron/engine/core/retention.js';
import { LogPruner } from '../../../electron/engine/signals/logs/log-pruner.js';
import { SpanPruner } from '../../../electron/engine/signals/traces/span-pruner.js';
import { MetricPruner } from '../../../electron/engine/signals/metrics/metric-pruner.js';
import type { Db } from '../../../electron/engine/core/database.js';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { OtlpIngest } from '../../../electron/engine/ingest/otlp/ingest.js';
import { decodeMetricsJson } from '../../../electron/engine/ingest/otlp/decode-json.js';
import { decodeTracesProto } from '../../../electron/engine/ingest/otlp/protobuf/traces.js';
import { randomId, traceRequest } from '../../support/otlp-proto.js';

const DAY_US = 86_400_000_000;

const pruners = (db: Db) => [new LogPruner(db), new SpanPruner(db), new MetricPruner(db)];

describe('retention of OTLP data', () => {
  it('drops old traces with their spans and old metric points, keeps the recent ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-ret-'));
    const db = openDatabase(join(dir, 'loupe.db'));
    try {
      const ingest = new OtlpIngest(db, new LogWriter(db));
      const nowUs = 1_800_000_000_000_000;
      const at = (us: number): bigint => BigInt(us) * 1000n;
      const old = nowUs - 10 * DAY_US;
      const spans = (seed: number, us: number) =>
        [0, 1, 2].map((i) => ({
          traceId: randomId(16, seed),
          spanId: randomId(8, seed * 10 + i),
          name: 's',
          startNs: at(us + i),
          endNs: at(us + i + 5),
        }));
      const writes = [
        ingest.submit('traces', decodeTracesProto(traceRequest('a', spans(1, old)))),
        ingest.submit('traces', decodeTracesProto(traceRequest('a', spans(2, nowUs - 1000)))),
        ...[old, nowUs - 1000].map((us) =>
          ingest.submit(
            'metrics',
            decodeMetricsJson(
              JSON.stringify({
                resourceMetrics: [
                  {
                    scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: at(us).toString() }] } }] }],
                  },
                ],
              }),
            ),
          ),
        ),
      ];
      ingest.flush();
      await Promise.all(writes);
      const clock = new TestClock(nowUs / 1000);
      const retention = new Retention(db, pruners(db), { maxDbBytes: 1024 ** 4, retentionUs: 7 * DAY_US }, { clock });
      await retention.run();
      expect(retention.stats.lastError).toBeNull();
      expect(db.prepare('SELECT DISTINCT trace_id FROM spans').pluck().all()).toEqual([randomId(16, 2).toString('hex')]);
      expect(db.prepare('SELECT count(*) FROM traces').pluck().get()).toBe(1);
      expect(db.prepare('SELECT count(*) FROM metric_points').pluck().get()).toBe(1);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('over the size limit, gives up the oldest traces first, about as many as the excess', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-ret-size-'));
    const db = openDatabase(join(dir, 'loupe.db'));
    try {
      const ingest = new OtlpIngest(db, new LogWriter(db), { maxPendingItems: Number.MAX_SAFE_INTEGER });
      const t0 = 1_800_000_000_000_000;
      const writes = [];
      for (let t = 1; t <= 400; t++) {
        const spans = Array.from({ length: 10 }, (_, i) => ({
          traceId: randomId(16, t),
          spanId: randomId(8, t * 100 + i),
          name: `op ${i}`,
          startNs: BigInt(t0 + t * 1_000_000 + i) * 1000n,
          endNs: BigInt(t0 + t * 1_000_000 + i + 50) * 1000n,
          attributes: { 'db.query.text': 'SELECT * FROM some_table WHERE id = $1 '.repeat(10), n: t },
        }));
        writes.push(ingest.submit('traces', decodeTracesProto(traceRequest('svc', spans))));
      }
      ingest.flush();
      await Promise.all(writes);
      const clock = new TestClock(t0 / 1000);
      const retention = new Retention(db, pruners(db), { maxDbBytes: 1024 ** 4, retentionUs: 100 * DAY_US }, { clock });
      const before = retention.usedBytes();
      // A limit of about half the data: about half the traces go, the oldest ones.
      const sized = new Retention(db, pruners(db), { maxDbBytes: Math.floor(before / 2), retentionUs: 100 * DAY_US }, { clock });
      await sized.run();
      expect(sized.stats.lastError).toBeNull();
      const left = db.prepare('SELECT count(*) FROM traces').pluck().get() as number;
      expect(left).toBeGreaterThan(100);
      expect(left).toBeLessThan(300);
      const oldestLeft = db.prepare('SELECT min(start_us) FROM traces').pluck().get() as number;
      expect(oldestLeft).toBe(t0 + (400 - left + 1) * 1_000_000);
      expect(db.prepare('SELECT count(*) FROM spans').pluck().get()).toBe(left * 10);
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
