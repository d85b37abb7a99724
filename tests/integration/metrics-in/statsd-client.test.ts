// A real StatsD client (Debian's python3-statsd) sends to a UDP socket bound on 127.0.0.1:0; the
// datagrams go through the parser and the aggregator as the StatsD source will feed them. Raw
// DogStatsD and InfluxDB datagrams go over the same socket. A missing module fails the suite.
import { execFile } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricFamily } from '../../../electron/engine/ingest/metrics-in/model.js';
import { StatsdAggregator } from '../../../electron/engine/ingest/metrics-in/statsd-aggregator.js';

const PYTHON = '/usr/bin/python3';
const DONE = 'loupe.test.done:1|c';

// random.random is pinned so that the client's own sampling (it skips a rate<1 send at random)
// always sends: the test then knows exactly what went over the wire.
const CLIENT = String.raw`
import random, sys, time
random.random = lambda: 0.0
import statsd
port = int(sys.argv[1])
c = statsd.StatsClient('127.0.0.1', port, prefix='myapp')
c.incr('requests')
c.incr('requests')
c.incr('requests', 3, rate=0.5)
c.decr('requests')
c.gauge('queue', 10)
c.gauge('queue', 5, delta=True)
c.gauge('queue', -3, delta=True)
for ms in (100, 200, 300, 400, 500):
    c.timing('db.query', ms)
c.set('users', 'alice')
c.set('users', 'bob')
c.set('users', 'alice')
with c.timer('job'):
    pass
with c.pipeline() as pipe:
    pipe.incr('batched.a')
    pipe.incr('batched.b', 2)
    pipe.gauge('batched.g', 1.5)
done = statsd.StatsClient('127.0.0.1', port)
done.incr('loupe.test.done')
`;

function valueOf(families: MetricFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  const key = JSON.stringify(labels);
  for (const f of families) for (const s of f.samples) if (s.name === name && JSON.stringify(s.labels) === key) return s.value;
  return undefined;
}

let socket: Socket;
let port: number;
const datagrams: Buffer[] = [];
const waiters: (() => void)[] = [];

beforeAll(async () => {
  socket = createSocket('udp4');
  socket.on('message', (msg) => {
    datagrams.push(msg);
    if (msg.toString().endsWith(DONE)) for (const w of waiters.splice(0)) w();
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  port = socket.address().port;
});
afterAll(() => new Promise<void>((r) => socket.close(() => r())));

/** Runs `send`, then waits for the DONE datagram it ends with, and returns what arrived. */
async function collect(send: () => Promise<unknown>): Promise<Buffer[]> {
  datagrams.length = 0;
  const done = new Promise<void>((r) => waiters.push(r));
  await send();
  await done;
  return [...datagrams];
}

describe('python3-statsd to a UDP socket', () => {
  it('maps what a real client sends as statsd_exporter does', async () => {
    const received = await collect(() => promisify(execFile)(PYTHON, ['-c', CLIENT, String(port)]));
    const agg = new StatsdAggregator();
    const now = Date.now();
    for (const d of received) agg.ingest(d, now);
    expect(agg.stats.badLines).toBe(0);
    const families = agg.flush(now + 10_000);

    expect(families.find((f) => f.name === 'myapp_requests')?.type).toBe('counter');
    expect(valueOf(families, 'myapp_requests')).toBe(8); // 1 + 1 + 3/0.5; decr (-1) dropped: counters only go up
    expect(agg.stats.droppedNegativeCounter).toBe(1);
    expect(valueOf(families, 'myapp_queue')).toBe(12); // 10, +5, -3 as etsy gauge deltas
    expect(families.find((f) => f.name === 'myapp_db_query')?.type).toBe('summary');
    expect(valueOf(families, 'myapp_db_query_count')).toBe(5);
    expect(valueOf(families, 'myapp_db_query_sum')).toBeCloseTo(1.5);
    expect(valueOf(families, 'myapp_db_query', { quantile: '0.5' })).toBe(0.3);
    expect(valueOf(families, 'myapp_users')).toBe(2);
    expect(valueOf(families, 'myapp_job_count')).toBe(1);
    // The pipeline's three lines came in one datagram, newline-separated.
    expect(received.some((d) => d.toString().split('\n').length === 3)).toBe(true);
    expect(valueOf(families, 'myapp_batched_a')).toBe(1);
    expect(valueOf(families, 'myapp_batched_b')).toBe(2);
    expect(valueOf(families, 'myapp_batched_g')).toBe(1.5);
  });

  it('reads raw DogStatsD and InfluxDB datagrams, and keeps going past bad ones', async () => {
    const sender = createSocket('udp4');
    const raw = [
      'checkout.latency:12:15:30|d|#env:prod,service:shop|c:4f1a|T1700000000',
      'checkout.count,env=prod,service=shop:1|c',
      'this is not statsd',
      'checkout.count,env=prod,service=shop:2|c\ncheckout.count:nope|c',
      DONE,
    ];
    const received = await collect(async () => {
      for (const d of raw) await new Promise<void>((r, j) => sender.send(d, port, '127.0.0.1', (err) => (err ? j(err) : r())));
    });
    sender.close();
    const agg = new StatsdAggregator();
    for (const d of received) agg.ingest(d, 1_700_000_000_000);
    const families = agg.flush(1_700_000_010_000);
    expect(valueOf(families, 'checkout_latency_count', { env: 'prod', service: 'shop', container_id: '4f1a' })).toBe(3);
    expect(valueOf(families, 'checkout_latency', { env: 'prod', service: 'shop', container_id: '4f1a', quantile: '0.99' })).toBe(30);
    expect(valueOf(families, 'checkout_count', { env: 'prod', service: 'shop' })).toBe(3);
    expect(agg.stats.badLines).toBe(2);
    expect(agg.stats.lastBadLine).toMatchObject({ line: 'checkout.count:nope|c', reason: 'malformed_value' });
  });
});
