// Log input over the network, beside StatsD's datagrams: Python's DatagramHandler records (real
// pickles made by /usr/bin/python3's makePickle) read and mapped per second against a ceiling
// measured in the same run (JSON.parse of the same dicts, the least any reader of them does), then
// DatagramHandler and syslog UDP datagrams, then SocketHandler's and syslog's TCP streams, stored end
// to end (socket → record → SQLite, in one process with its sender) per second.
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { loadPickle, type PyDict } from '../../electron/engine/ingest/python/pickle.js';
import { logInsertOfRecord } from '../../electron/engine/ingest/python/log-record.js';
import type { BenchRow } from './bench-row.js';

/** 1,000 records as a web service logs them (levels, extras, one in 50 with a traceback), as DatagramHandler frames them. */
const MAKE_RECORDS = String.raw`
import json, logging, logging.handlers, sys
h = logging.handlers.DatagramHandler('127.0.0.1', 9)
log = logging.getLogger('shop.http')
frames, dicts = [], []
for i in range(1000):
    exc = None
    if i % 50 == 0:
        try:
            {}['k%d' % i]
        except KeyError:
            exc = sys.exc_info()
    level = [logging.INFO, logging.INFO, logging.DEBUG, logging.WARNING, logging.ERROR][i % 5]
    r = log.makeRecord('shop.http', level, '/srv/shop/http.py', 40 + i % 9, 'GET /api/orders/%d took %.1f ms', (i, i / 7), exc, 'handle',
                       {'route': '/api/orders/{id}', 'status': 200 if i % 17 else 500, 'user_id': i % 97})
    frame = h.makePickle(r)
    frames.append(frame.hex())
    d = dict(r.__dict__); d['msg'] = r.getMessage(); d['args'] = None; d['exc_info'] = None
    dicts.append(json.dumps(d, default=str))
print(json.dumps({'frames': frames, 'dicts': dicts}))
`;

function perSecond(n: number, ms: number): string {
  return `${Math.round((n / ms) * 1000).toLocaleString('en')}/s`;
}

/** Sends the datagrams in bursts (so the kernel's buffer is not overrun), then waits until `stored()` counts them all. */
async function storeAll(port: number, datagrams: Buffer[], n: number, stored: () => number): Promise<number> {
  const socket = createSocket('udp4');
  const before = stored();
  const t0 = performance.now();
  for (let sent = 0; sent < n;) {
    const burst = Math.min(500, n - sent);
    for (let i = 0; i < burst; i++) socket.send(datagrams[(sent + i) % datagrams.length]!, port, '127.0.0.1');
    sent += burst;
    // Let the receiver drain what was sent before sending more.
    while (stored() - before < sent - 2000) await new Promise((r) => setImmediate(r));
  }
  const deadline = Date.now() + 30_000;
  while (stored() - before < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  const ms = performance.now() - t0;
  socket.close();
  return ms;
}

/** The same over one TCP connection (SocketHandler's length-prefixed pickles, newline-framed syslog), written as fast as the socket drains. */
async function storeAllTcp(port: number, frames: Buffer[], n: number, stored: () => number): Promise<number> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const before = stored();
  const t0 = performance.now();
  for (let sent = 0; sent < n;) {
    const burst = Math.min(500, n - sent);
    const chunk = Buffer.concat(Array.from({ length: burst }, (_, i) => frames[(sent + i) % frames.length]!));
    if (!socket.write(chunk)) await once(socket, 'drain');
    sent += burst;
  }
  const deadline = Date.now() + 60_000;
  while (stored() - before < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  const ms = performance.now() - t0;
  socket.end();
  return ms;
}

export async function benchLogsIn(quick: boolean): Promise<BenchRow[]> {
  const made = JSON.parse(execFileSync('/usr/bin/python3', ['-c', MAKE_RECORDS], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as {
    frames: string[];
    dicts: string[];
  };
  const frames = made.frames.map((h) => Buffer.from(h, 'hex'));
  const n = quick ? 50_000 : 300_000;
  const now = Date.now() * 1000;
  for (let i = 0; i < 5000; i++) logInsertOfRecord(loadPickle(frames[i % frames.length]!.subarray(4)) as PyDict, now); // JIT warm-up

  let t0 = performance.now();
  for (let i = 0; i < n; i++) JSON.parse(made.dicts[i % made.dicts.length]!);
  const ceilingMs = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < n; i++) logInsertOfRecord(loadPickle(frames[i % frames.length]!.subarray(4)) as PyDict, now);
  const decodeMs = performance.now() - t0;

  const dir = mkdtempSync(join(tmpdir(), 'loupe-bench-logs-in-'));
  let engine: Engine | null = null;
  try {
    engine = await createEngine({ dataDir: dir, pythonLogging: { port: 0 }, syslog: { port: 0 }, analysis: false });
    const e = engine;
    const udpN = quick ? 20_000 : 200_000;
    const pyMs = await storeAll(e.pythonLogging!.udpPort!, frames, udpN, () => e.pythonLogging!.view().records);
    const syslogLines = Array.from({ length: 1000 }, (_, i) =>
      Buffer.from(
        `<${[14, 14, 15, 12, 11][i % 5]}>shop[4242]: GET /api/orders/${i} took ${(i / 7).toFixed(1)} ms status=${i % 17 ? 200 : 500}\0`,
      ),
    );
    const sysMs = await storeAll(e.syslog!.udpPort!, syslogLines, udpN, () => e.syslog!.view().records);
    const tcpPyMs = await storeAllTcp(e.pythonLogging!.tcpPort!, frames, udpN, () => e.pythonLogging!.view().records);
    const tcpLines = syslogLines.map((b) => Buffer.concat([b.subarray(0, b.length - 1), Buffer.from('\n')]));
    const tcpSysMs = await storeAllTcp(e.syslog!.tcpPort!, tcpLines, udpN, () => e.syslog!.view().records);
    return [
      {
        what: `DatagramHandler records read + mapped (${n.toLocaleString('en')} pickles, real makePickle)`,
        value: perSecond(n, decodeMs),
        ceiling: perSecond(n, ceilingMs),
        ratio: (ceilingMs / decodeMs).toFixed(2),
        target: 'report',
      },
      {
        what: `DatagramHandler datagrams stored end to end (${udpN.toLocaleString('en')}, UDP → SQLite)`,
        value: perSecond(udpN, pyMs),
        target: 'report',
      },
      {
        what: `syslog UDP datagrams stored end to end (${udpN.toLocaleString('en')}, UDP → SQLite)`,
        value: perSecond(udpN, sysMs),
        target: 'report',
      },
      {
        what: `SocketHandler records stored end to end (${udpN.toLocaleString('en')} on one TCP connection → SQLite; ratio: to DatagramHandler's)`,
        value: perSecond(udpN, tcpPyMs),
        ratio: (pyMs / tcpPyMs).toFixed(2),
        target: 'report',
      },
      {
        what: `syslog TCP lines stored end to end (${udpN.toLocaleString('en')}, newline-framed → SQLite; ratio: to syslog UDP's)`,
        value: perSecond(udpN, tcpSysMs),
        ratio: (sysMs / tcpSysMs).toFixed(2),
        target: 'report',
      },
    ];
  } finally {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
