// The StatsD source end to end: a real client (Debian's python3-statsd) sends to the port
// `loupe serve --statsd-port 0` printed, and the series land in metric_series / metric_points;
// the flush runs on the scheduler every 10 s (driven here by a test clock); a flood of unique
// names and bad packets is bounded by the series limit, counted on the source with the last bad
// packet, and the source goes on. A taken port leaves StatsD off, saying why.
import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SourceView } from '../../../shared/model.js';
import { TestClock } from '../../../electron/engine/core/clock.js';
import { createEngine, DB_FILE, type Engine } from '../../../electron/engine/engine.js';
import { newDatabase } from '../../../electron/engine/core/database.js';
import { startServe } from '../../support/serve-process.js';

const PYTHON = '/usr/bin/python3';
const CLIENT = String.raw`
import random, sys
random.random = lambda: 0.0
import statsd
c = statsd.StatsClient('127.0.0.1', int(sys.argv[1]), prefix='myapp')
c.incr('requests')
c.incr('requests', 3, rate=0.5)
c.gauge('queue', 10)
c.gauge('queue', -3, delta=True)
for ms in (100, 200, 300):
    c.timing('db.query', ms)
c.set('users', 'alice')
c.set('users', 'bob')
`;

async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function send(socket: Socket, port: number, data: string): Promise<void> {
  return new Promise((resolve, reject) => socket.send(data, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
}

interface Row {
  name: string;
  type: string;
  monotonic: number;
  attributes: string | null;
  value: number | null;
  count: number | null;
  sum: number | null;
  distribution: string | null;
  start_us: number | null;
}

const SELECT = `SELECT s.name, s.type, s.monotonic, s.attributes, p.value, p.count, p.sum, p.distribution, p.start_us
  FROM metric_points p JOIN metric_series s ON s.id = p.series_id WHERE s.name = ? ORDER BY p.ts DESC, p.id DESC`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-statsd-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loupe serve --statsd-port 0 with python3-statsd', () => {
  it('receives on the printed port, shows the source, and stores the series (flushed at stop at the latest)', async () => {
    const dataDir = mkdtempSync(join(dir, 'data-'));
    const serve = await startServe(['--data-dir', dataDir, '--no-otlp', '--statsd-port', '0']);
    try {
      const port = Number(/StatsD: +udp:\/\/127\.0\.0\.1:(\d+)/.exec(serve.output())?.[1]);
      expect(port).toBeGreaterThan(0);
      await promisify(execFile)(PYTHON, ['-c', CLIENT, String(port)]);
      const source = await waitFor(async () => {
        const { sources } = await serve.get<{ sources: SourceView[] }>('/api/sources');
        const s = sources.find((v) => v.kind === 'statsd');
        return (s?.counters?.datagrams ?? 0) >= 9 ? s : undefined;
      }, 'the datagrams');
      expect(source).toMatchObject({ id: -1, path: `udp://127.0.0.1:${port}`, state: 'watching', counters: { badLines: 0, samples: 9 } });
    } finally {
      expect(await serve.stop()).toBe(0);
    }
    // Its last flush came at the stop, and is counted in what this run wrote.
    expect(serve.output()).toMatch(/Loupe stopped: 0 log records and \d+ metric points written this run/);
    const db = newDatabase(join(dataDir, DB_FILE), { readonly: true });
    try {
      const one = (name: string): Row => db.prepare(SELECT).get(name) as Row;
      expect(one('myapp_requests')).toMatchObject({ type: 'sum', monotonic: 1, value: 7 }); // 1 + 3/0.5
      expect(one('myapp_requests').start_us).toBeGreaterThan(0);
      expect(one('myapp_queue')).toMatchObject({ type: 'gauge', value: 7 });
      const timer = one('myapp_db_query');
      expect(timer).toMatchObject({ type: 'summary', count: 3 });
      expect(timer.sum).toBeCloseTo(0.6); // ms -> seconds, as statsd_exporter converts
      expect(JSON.parse(timer.distribution!)).toEqual({
        quantiles: [
          { quantile: 0.5, value: 0.2 },
          { quantile: 0.9, value: 0.3 },
          { quantile: 0.99, value: 0.3 },
        ],
      });
      expect(one('myapp_users')).toMatchObject({ type: 'gauge', value: 2 });
    } finally {
      db.close();
    }
  });
});

describe('the StatsD source in the engine', () => {
  let engine: Engine | undefined;
  let sender: Socket | undefined;
  afterEach(async () => {
    sender?.close();
    sender = undefined;
    await engine?.close();
    engine = undefined;
  });
  const statsdView = (e: Engine): SourceView => e.sources.list().find((s) => s.kind === 'statsd')!;
  const stored = (e: Engine, name: string): Row[] => e.db.prepare(SELECT).all(name) as Row[];

  it('flushes every 10 s on the scheduler', async () => {
    const clock = new TestClock();
    engine = await createEngine({ dataDir: mkdtempSync(join(dir, 'data-')), clock, statsd: { port: 0 } });
    sender = createSocket('udp4');
    await send(sender, engine.statsd!.port!, 'jobs.done:2|c|#queue:mail');
    await waitFor(() => (statsdView(engine!).counters?.samples === 1 ? true : undefined), 'the sample');
    await clock.advance(9_000);
    expect(stored(engine, 'jobs_done')).toEqual([]);
    await clock.advance(1_000);
    expect(stored(engine, 'jobs_done')).toMatchObject([{ type: 'sum', value: 2, attributes: '{"queue":"mail"}' }]);
    expect(statsdView(engine)).toMatchObject({ records: 1, counters: { flushes: 1 } });
  });

  it('survives a flood of unique names and bad packets: the series limit holds, the drops and the last bad packet are on the source', async () => {
    const clock = new TestClock();
    engine = await createEngine({ dataDir: mkdtempSync(join(dir, 'data-')), clock, statsd: { port: 0, limits: { maxSeriesTotal: 100 } } });
    const port = engine.statsd!.port!;
    sender = createSocket('udp4');
    await send(sender, port, 'known:1|g');
    const FLOOD = 3000;
    for (let i = 0; i < FLOOD; i++) {
      // Every tenth packet is garbage; the others each name a new series (a request id in the name).
      await send(sender, port, i % 10 === 9 ? `garbage ${i}` : `req.${i}.ms:${i}|ms`);
    }
    // Loopback UDP may drop under a flood: wait until the count stops moving (bounded).
    let last = -1;
    await waitFor(() => {
      const n = statsdView(engine!).counters?.datagrams ?? 0;
      const settled = n === last || n === FLOOD + 1;
      last = n;
      return settled && n > 1 ? true : undefined;
    }, 'the flood to arrive');
    await send(sender, port, 'known:5|g');
    await waitFor(
      () => (stored(engine!, 'known').length === 0 && (statsdView(engine!).counters?.datagrams ?? 0) > last ? true : undefined),
      'the last packet',
    );
    const view = statsdView(engine);
    expect(view.state).toBe('watching');
    expect(view.counters!.series).toBe(100);
    expect(view.counters!.droppedCardinality).toBeGreaterThan(0);
    expect(view.counters!.badLines).toBeGreaterThan(0);
    expect(view.counters!['badLines.malformed_line']).toBe(view.counters!.badLines);
    expect(view.lastError).toMatch(/past the limit of 100 series in all|bad line "garbage \d+"/);

    await clock.advance(10_000);
    expect(stored(engine, 'known')[0]).toMatchObject({ value: 5 });
    const series = engine.db.prepare("SELECT COUNT(*) FROM metric_series WHERE name LIKE 'req_%'").pluck().get() as number;
    expect(series).toBe(99); // 100 series in all, `known` one of them
    // The engine still answers.
    expect((await engine.api.table.request('sources.get', { id: -1 })).kind).toBe('statsd');
    await expect(engine.api.table.call('sources.remove', { id: -1 })).rejects.toThrow(/--statsd-port/);
  });

  it('stays off when its port is taken, and says why on the source', async () => {
    const taken = createSocket('udp4');
    await new Promise<void>((r) => taken.bind(0, '127.0.0.1', r));
    try {
      const port = taken.address().port;
      engine = await createEngine({ dataDir: mkdtempSync(join(dir, 'data-')), statsd: { port }, statsdOptional: true });
      expect(engine.statsd!.port).toBeNull();
      expect(statsdView(engine)).toMatchObject({ state: 'stopped', path: `udp://127.0.0.1:${port}` });
      expect(statsdView(engine).lastError).toMatch(/port \d+ on 127\.0\.0\.1 is taken by another program/);
      await engine.close();
      engine = undefined;
      await expect(createEngine({ dataDir: mkdtempSync(join(dir, 'data-')), statsd: { port } })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      taken.close();
    }
  });
});
