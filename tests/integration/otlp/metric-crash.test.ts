// kill -9 the real server while an exporter sends OTLP metric points, some acknowledged points
// still in the point log (not folded into metric_points); restart it: every acknowledged point is
// there exactly once, and a query sees them all at once.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { startServe, type ServeProcess } from '../../support/serve-process.js';
import { bytes, field, fixed64, str } from '../../support/otlp-proto.js';
import type { EngineStatusView } from '../../../shared/model.js';

const SERIES = 200;
/** An hour ago (retention keeps it), whole seconds. */
const START_NS = BigInt(Math.floor(Date.now() / 1000) - 3600) * 1_000_000_000n;

/** Export `n`: one gauge point (value n) for each of SERIES series, at n ms after START_NS. */
function exportRequest(n: number): Buffer {
  const timeNs = START_NS + BigInt(n) * 1_000_000n;
  const value = Buffer.alloc(8);
  value.writeDoubleLE(n);
  const points = Array.from({ length: SERIES }, (_, i) =>
    bytes(1, Buffer.concat([bytes(7, Buffer.concat([str(1, 'slot'), bytes(2, str(1, `s${i}`))])), fixed64(3, timeNs), field(4, 1, value)])),
  );
  const metric = bytes(2, Buffer.concat([str(1, 'crash.gauge'), bytes(5, Buffer.concat(points))]));
  const resource = bytes(1, bytes(1, Buffer.concat([str(1, 'service.name'), bytes(2, str(1, 'crash-svc'))])));
  return bytes(1, Buffer.concat([resource, bytes(2, metric)]));
}

/** POSTs an export; the HTTP status, or 0 when the server went away before answering. */
function post(port: number, body: Buffer): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/v1/metrics', method: 'POST', headers: { 'content-type': 'application/x-protobuf' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

async function otlpPort(server: ServeProcess): Promise<number> {
  return (await server.get<EngineStatusView>('/api/status')).otlp!.httpPort;
}

describe('crash safety of OTLP metric points', () => {
  it('kill -9 with points in the point log: after restart every acknowledged point once, all of them queried', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-metric-crash-'));
    const dataDir = join(dir, 'data');
    const acknowledged = new Set<number>();
    let n = 0;
    let server = await startServe(['--data-dir', dataDir]);
    for (let kill = 0; kill < 4; kill++) {
      const port = await otlpPort(server);
      // Exports as fast as they are answered, for a moment, then the kill lands among them.
      const until = Date.now() + 300 + Math.random() * 500;
      const sending: Promise<void>[] = [];
      for (let lane = 0; lane < 4; lane++) {
        sending.push(
          (async () => {
            while (Date.now() < until) {
              const k = ++n;
              if ((await post(port, exportRequest(k))) === 200) acknowledged.add(k);
            }
          })(),
        );
      }
      await new Promise((r) => setTimeout(r, 250 + Math.random() * 400));
      await server.stop('SIGKILL');
      await Promise.all(sending);
      server = await startServe(['--data-dir', dataDir]);
    }
    expect(acknowledged.size).toBeGreaterThan(10);

    // Read at once after the restart: a query folds what the log still holds.
    const result = await server.get<{ data: { result: { metric: { slot: string }; value: [number, string] }[] } }>(
      `/api/v1/query?query=${encodeURIComponent('count_over_time({"crash.gauge", slot="s7"}[1d])')}&time=${Math.floor(Date.now() / 1000)}`,
    );
    await server.stop();

    // Each acknowledged export's points are stored once (an unacknowledged one may be too: it was committed before the kill).
    const db = new Database(join(dataDir, 'loupe.db'), { readonly: true });
    try {
      const rows = db
        .prepare(
          `SELECT p.value AS n, count(*) AS points, count(DISTINCT p.series_id) AS series FROM metric_points p
           JOIN metric_series s ON s.id = p.series_id WHERE s.name = 'crash.gauge' GROUP BY p.value`,
        )
        .all() as { n: number; points: number; series: number }[];
      const stored = new Map(rows.map((r) => [r.n, r]));
      const missing = [...acknowledged].filter((k) => !stored.has(k));
      const wrong = rows.filter((r) => r.points !== SERIES || r.series !== SERIES);
      expect({ missing: missing.slice(0, 10), wrong: wrong.slice(0, 10) }).toEqual({ missing: [], wrong: [] });
      expect(db.prepare('SELECT count(*) FROM metric_points_log').pluck().get()).toBe(0);
      expect(Number(result.data.result[0]?.value[1])).toBe(rows.length);
    } finally {
      db.close();
    }
  }, 120_000);
});
