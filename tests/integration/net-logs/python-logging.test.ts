// Python's stdlib logging over the network, end to end: a real Python program (/usr/bin/python3)
// logs through SocketHandler (TCP), DatagramHandler (UDP), HTTPHandler (POST with ?token=, GET with
// credentials as Basic auth) and SysLogHandler (UDP and TCP) to an engine listening with
// `pythonLogging` and `syslog` on free ports; raw RFC 5424 / RFC 3164 lines go over UDP and TCP
// (octet counted and newline framed). The records are searched back through the API as a user
// would; bad input (a pickle naming os.system, an announced length past the limit, an endless
// syslog line) is refused and counted on the source while the rest keeps working.
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpServer, type RunningServer } from '../../../electron/engine/api/http-server.js';
import { createEngine, type Engine } from '../../../electron/engine/engine.js';
import type { LogRecordView, SourceView } from '../../../shared/model.js';

const PYTHON = '/usr/bin/python3';
const TOKEN = 'python-logging-token';

/** The program the README shows, with each handler in turn (ports and token from argv). */
const PROGRAM = String.raw`
import logging, logging.handlers, socket, sys
tcp, udp, api, token, syslog_port = sys.argv[1:]

log = logging.getLogger('shop.checkout')
log.setLevel(logging.DEBUG)
log.propagate = False

def only(handler):
    for h in list(log.handlers):
        log.removeHandler(h)
        h.close()
    log.addHandler(handler)

only(logging.handlers.SocketHandler('127.0.0.1', int(tcp)))
log.info('order %s paid', 'A-1', extra={'order_id': 42, 'trace_id': '5b8efff798038103d269b633813fc60c', 'service': 'shop'})
try:
    {}['coupon']
except KeyError:
    log.exception('charge failed for %s', 'A-2')

only(logging.handlers.DatagramHandler('127.0.0.1', int(udp)))
log.warning('cart over UDP has %d items', 3, extra={'cart': {'items': [1, 2, 3], 'total': 9.5}})

only(logging.handlers.HTTPHandler('127.0.0.1:' + api, '/api/python-logging?token=' + token, method='POST'))
log.error('posted over HTTP for %s (%d tries)', 'A-3', 2, extra={'user': 'ana'})
try:
    int('x')
except ValueError:
    log.exception('bad quantity')

only(logging.handlers.HTTPHandler('127.0.0.1:' + api, '/api/python-logging', method='GET', credentials=('loupe', token)))
log.debug('fetched over HTTP GET %r', 'A-4')

only(logging.handlers.SysLogHandler(address=('127.0.0.1', int(syslog_port)), facility='local3'))
log.handlers[0].ident = 'shop: '
log.error('disk almost full')

only(logging.handlers.SysLogHandler(address=('127.0.0.1', int(syslog_port)), socktype=socket.SOCK_STREAM))
log.warning('over syslog TCP')
try:
    1 / 0
except ZeroDivisionError:
    log.exception('syslog traceback')
log.handlers[0].close()
`;

let dir: string;
let engine: Engine;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-pylog-'));
  engine = await createEngine({ dataDir: dir, pythonLogging: { port: 0 }, syslog: { port: 0 } });
  server = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token: TOKEN });
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function search(q: string): Promise<LogRecordView[]> {
  return (await engine.api.table.request('logs.search', { q, limit: 100 })).records;
}

async function waitForRecords(q: string, n: number): Promise<LogRecordView[]> {
  for (let i = 0; i < 200; i++) {
    const records = await search(q);
    if (records.length >= n) return records;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${n} records matching ${q}; have ${(await search(q)).length}`);
}

function sourceView(kind: string): SourceView {
  const v = engine.sources.list().find((s) => s.kind === kind);
  if (!v) throw new Error(`no ${kind} source`);
  return v;
}

function one(records: LogRecordView[], message: RegExp): LogRecordView {
  const found = records.filter((r) => message.test(r.message));
  expect(found, `one record matching ${message}`).toHaveLength(1);
  return found[0]!;
}

function sendTcp(port: number, data: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.end(data));
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

function sendUdp(port: number, data: Buffer | string): Promise<void> {
  const socket = createSocket('udp4');
  return new Promise((resolve, reject) =>
    socket.send(data, port, '127.0.0.1', (err) => {
      socket.close();
      if (err) reject(err);
      else resolve();
    }),
  );
}

describe('Python logging handlers into the logs table', () => {
  let records: LogRecordView[];

  beforeAll(async () => {
    const py = engine.pythonLogging!;
    const port = new URL(server.url).port;
    await promisify(execFile)(PYTHON, ['-c', PROGRAM, String(py.tcpPort), String(py.udpPort), port, TOKEN, String(engine.syslog!.udpPort)]);
    records = await waitForRecords('', 9);
  });

  it('SocketHandler: logger, level, merged message, extras as attributes, trace id and service lifted', () => {
    const r = one(records, /^order A-1 paid$/);
    expect(r.logger).toBe('shop.checkout');
    expect(r.level).toBe('info');
    expect(r.severityText).toBe('INFO');
    expect(r.traceId).toBe('5b8efff798038103d269b633813fc60c');
    expect(r.service).toBe('shop');
    expect(r.attributes).toMatchObject({
      order_id: 42,
      funcName: '<module>',
      module: '<string>',
      processName: 'MainProcess',
      threadName: 'MainThread',
    });
    expect(r.attributes?.['process']).toEqual(expect.any(Number));
    expect(r.attributes?.['lineno']).toEqual(expect.any(Number));
    expect(r.attributes).not.toHaveProperty('msg');
    expect(r.attributes).not.toHaveProperty('created');
    // The record's own time (created), not when it arrived: within the run.
    expect(Date.parse(r.timestamp)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("SocketHandler: a traceback folds under the message, its exception is the record's", () => {
    const r = one(records, /^charge failed for A-2\n/);
    expect(r.level).toBe('error');
    expect(r.message).toMatch(/^charge failed for A-2\nTraceback \(most recent call last\):\n[\s\S]*KeyError: 'coupon'$/);
    expect(r.exception).toEqual({ type: 'KeyError', message: "'coupon'" });
  });

  it('DatagramHandler: nested extras stay structured', () => {
    const r = one(records, /^cart over UDP has 3 items$/);
    expect(r.level).toBe('warn');
    expect(r.attributes?.['cart']).toEqual({ items: [1, 2, 3], total: 9.5 });
  });

  it('HTTPHandler POST with ?token=: args merged into msg, extras kept', () => {
    const r = one(records, /^posted over HTTP for A-3 \(2 tries\)$/);
    expect(r.level).toBe('error');
    expect(r.logger).toBe('shop.checkout');
    expect(r.attributes).toMatchObject({ user: 'ana', lineno: expect.any(Number) });
    expect(r.attributes).not.toHaveProperty('args');
  });

  it('HTTPHandler: the exception from exc_info when no Formatter made exc_text', () => {
    const r = one(records, /^bad quantity$/);
    expect(r.exception).toEqual({ type: 'ValueError', message: "invalid literal for int() with base 10: 'x'" });
  });

  it('HTTPHandler GET with credentials=(user, token) as Basic auth', () => {
    const r = one(records, /^fetched over HTTP GET 'A-4'$/);
    expect(r.level).toBe('debug');
  });

  it('SysLogHandler over UDP: ident as the logger, facility and level from the PRI', () => {
    const r = one(records, /^disk almost full$/);
    expect(r.logger).toBe('shop');
    expect(r.level).toBe('error');
    expect(r.severityText).toBe('err');
    expect(r.attributes).toMatchObject({ facility: 'local3' });
  });

  it('SysLogHandler over TCP: NUL-framed, a traceback stays in its record', () => {
    one(records, /^over syslog TCP$/);
    const r = one(records, /^syslog traceback\n/);
    expect(r.message).toMatch(/ZeroDivisionError: division by zero$/);
    expect(r.exception).toEqual({ type: 'ZeroDivisionError', message: 'division by zero' });
    expect(r.attributes).toMatchObject({ facility: 'user' });
  });

  it('counts each transport on the sources', () => {
    const py = sourceView('python-logging');
    expect(py.counters).toMatchObject({ tcpRecords: 2, udpRecords: 1, httpRecords: 3, refused: 0 });
    expect(py.path).toContain(`tcp://127.0.0.1:${engine.pythonLogging!.tcpPort}`);
    expect(py.state).toBe('watching');
    const sys = sourceView('syslog');
    expect(sys.records).toBe(3);
    expect(sys.counters).toMatchObject({ udpMessages: 1, tcpMessages: 2 });
  });
});

describe('syslog lines as other senders write them', () => {
  it('RFC 5424 (structured data as attributes) over UDP, octet-counted and newline-framed TCP', async () => {
    const port = engine.syslog!.udpPort!;
    const tcp = engine.syslog!.tcpPort!;
    await sendUdp(
      port,
      '<165>1 2026-11-30T10:00:00.123Z web1 billing 4242 ID47 [exampleSDID@32473 iut="3" eventSource="Application"] invoice sent\n',
    );
    const framed = '<14>1 2026-11-30T10:00:01Z web1 billing - - - octet counted one';
    const framed2 = '<11>1 2026-11-30T10:00:02Z web1 billing - - - octet counted two';
    await sendTcp(tcp, `${Buffer.byteLength(framed)} ${framed}${Buffer.byteLength(framed2)} ${framed2}`);
    await sendTcp(tcp, '<13>Nov 30 10:00:03 web2 cron[77]: newline framed one\n<13>Nov 30 10:00:04 web2 cron[77]: newline framed two\n');
    const got = [...(await waitForRecords('framed', 2)), ...(await waitForRecords('counted', 2)), ...(await waitForRecords('invoice', 1))];
    const invoice = one(got, /^invoice sent$/);
    expect(invoice.logger).toBe('billing');
    expect(invoice.level).toBe('info');
    expect(invoice.severityText).toBe('notice');
    expect(invoice.timestamp).toBe('2026-11-30T10:00:00.123000Z');
    expect(invoice.attributes).toMatchObject({
      host: 'web1',
      pid: 4242,
      msgid: 'ID47',
      'exampleSDID@32473.iut': 3,
      'exampleSDID@32473.eventSource': 'Application',
      facility: 'local4',
    });
    expect(one(got, /^octet counted two$/).level).toBe('error');
    one(got, /^octet counted one$/);
    expect(one(got, /^newline framed two$/).attributes).toMatchObject({ host: 'web2', pid: 77 });
    one(got, /^newline framed one$/);
  });
});

describe('bad input is refused, counted and said; the rest keeps working', () => {
  it('a pickle naming os.system is refused over TCP and UDP; nothing runs; later records still land', async () => {
    const marker = join(dir, 'pwned');
    const { stdout } = await promisify(execFile)(PYTHON, [
      '-c',
      String.raw`
import os, pickle, struct, sys
class Evil:
    def __reduce__(self):
        return (os.system, ('touch ' + sys.argv[1],))
s = pickle.dumps({'msg': Evil(), 'name': 'evil'}, 1)
sys.stdout.write((struct.pack('>L', len(s)) + s).hex())
`,
      marker,
    ]);
    const evil = Buffer.from(stdout, 'hex');
    const before = sourceView('python-logging').counters!;
    await sendTcp(engine.pythonLogging!.tcpPort!, evil);
    await sendUdp(engine.pythonLogging!.udpPort!, evil);
    await promisify(execFile)(PYTHON, [
      '-c',
      "import logging, logging.handlers, sys; l = logging.getLogger('after'); l.addHandler(logging.handlers.DatagramHandler('127.0.0.1', int(sys.argv[1]))); l.error('still working')",
      String(engine.pythonLogging!.udpPort),
    ]);
    await waitForRecords('still working', 1);
    const view = sourceView('python-logging');
    expect(view.counters!['refused.opcode']).toBe((before['refused.opcode'] ?? 0) + 2);
    expect(view.lastError).toMatch(/GLOBAL names posix\.system: refused/);
    expect(existsSync(marker)).toBe(false);
    expect(await search('evil')).toHaveLength(0);
  });

  it('an announced length past the limit closes that TCP stream, counted; a new connection works', async () => {
    const huge = Buffer.alloc(4);
    huge.writeUInt32BE(3_000_000_000);
    await sendTcp(engine.pythonLogging!.tcpPort!, Buffer.concat([huge, Buffer.alloc(1000)]));
    const view = sourceView('python-logging');
    expect(view.counters!['refused.oversize']).toBe(1);
    expect(view.lastError).toMatch(/a record of 3000000000 bytes announced, over the limit/);
    await promisify(execFile)(PYTHON, [
      '-c',
      "import logging, logging.handlers, sys; l = logging.getLogger('after'); l.addHandler(logging.handlers.SocketHandler('127.0.0.1', int(sys.argv[1]))); l.error('tcp after oversize')",
      String(engine.pythonLogging!.tcpPort),
    ]);
    await waitForRecords('"tcp after oversize"', 1);
  });

  it('an endless syslog line is cut at the limit (kept, marked), the stream resyncs at its end', async () => {
    const tcp = engine.syslog!.tcpPort!;
    await new Promise<void>((resolve, reject) => {
      const socket = connect(tcp, '127.0.0.1', () => {
        socket.write('<14>endless ');
        const chunk = 'x'.repeat(64 * 1024);
        for (let i = 0; i < 32; i++) socket.write(chunk);
        socket.end(' tail\n<14>after the endless line\n');
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    const [after] = await waitForRecords('"after the endless line"', 1);
    expect(after!.message).toBe('after the endless line');
    const cut = (await search('endless')).find((r) => r.message.startsWith('endless xxx'));
    expect(cut?.truncated).toBe(true);
    expect(cut!.message.length).toBeLessThanOrEqual(64 * 1024);
    const view = sourceView('syslog');
    expect(view.counters!['truncated']).toBe(1);
    expect(view.lastError).toMatch(/longer than 65536 bytes without an end/);
  });

  it('a port asked for that is taken stops the start with the flag to change, and leaves nothing open', async () => {
    const other = mkdtempSync(join(tmpdir(), 'loupe-pylog-taken-'));
    try {
      await expect(createEngine({ dataDir: other, pythonLogging: { port: engine.pythonLogging!.tcpPort! } })).rejects.toThrow(
        /the Python logging port is in use .*pass --python-logging-port 0 for a free one/,
      );
      await expect(createEngine({ dataDir: other, syslog: { port: engine.syslog!.udpPort! } })).rejects.toThrow(
        /the syslog port is in use .*pass --syslog-port 0 for a free one/,
      );
      // The data dir's lock was released: a start without the taken ports works.
      const ok = await createEngine({ dataDir: other });
      await ok.close();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('an HTTPHandler request without the token is refused (401) and stores nothing', async () => {
    const res = await fetch(`${server.url}api/python-logging?msg=sneaky&name=x`);
    expect(res.status).toBe(401);
    expect(await search('sneaky')).toHaveLength(0);
  });
});
