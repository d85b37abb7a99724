// Errors, messages and transactions from the real Sentry SDK (Debian's python3-sentry-sdk, run with
// /usr/bin/python3) posted to `loupe serve`'s API port with the token as the DSN's key, and to the
// Spotlight listener: the records, their error group (shared with the same exception logged to a
// file), the trace; then what is refused (wrong key, a browser page, oversize, not an envelope).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/engine.js';
import { startHttpServer, type RunningServer } from '../../electron/engine/api/http-server.js';
import { SENTRY_LIMITS } from '../../electron/engine/ingest/sentry/limits.js';
import type { LogRecordView } from '../../shared/model.js';
import { rawRequest } from '../support/raw-http.js';
import { waitFor } from '../support/serve-process.js';

const PYTHON = '/usr/bin/python3';
const TOKEN = 'sentry-test-token-0123456789';

const LIBRARY = String.raw`
def lookup(table, key):
    return table[key]
`;

const APP = String.raw`
import fakelib

def parse(order):
    return fakelib.lookup(order, 'currency')

def handle(order):
    total = 12.5
    try:
        return parse(order)
    except KeyError as e:
        raise RuntimeError('order 4711 failed') from e
`;

// The README's snippet is the first five lines of the program below (the DSN and the imports).
const PROGRAM = String.raw`
import sys, logging
sys.path[:0] = [sys.argv[3], sys.argv[4]]
import sentry_sdk
from sentry_sdk.integrations.logging import LoggingIntegration
sentry_sdk.init(dsn=sys.argv[1], traces_sample_rate=1.0, release="shop@1.2.3", environment="test",
                server_name="box1", integrations=[LoggingIntegration(level=logging.INFO, event_level=None)])
import app
logging.basicConfig(filename=sys.argv[2] + '/app.log', level=logging.INFO,
                    format='%(asctime)s %(levelname)s %(name)s: %(message)s')
log = logging.getLogger('shop')
with sentry_sdk.start_transaction(op="task", name="checkout"):
    with sentry_sdk.start_span(op="db.query", description="SELECT price FROM items"):
        pass
    sentry_sdk.set_tag("region", "eu")
    sentry_sdk.set_user({"id": "42", "email": "ann@example.com"})
    log.info("cart loaded")
    try:
        app.handle({'id': 7})
    except Exception as e:
        sentry_sdk.capture_exception(e)
        log.exception('checkout failed')
sentry_sdk.capture_message("inventory low", level="warning")
sentry_sdk.flush()
`;

// Spotlight's transport as sentry_sdk/spotlight.py (SDK 2.x) sends: the envelope, uncompressed, to
// /stream as application/x-sentry-envelope, no key. Debian's 1.9.10 has no spotlight option, so
// its envelope is posted the same way by a transport of that shape.
const SPOTLIGHT = String.raw`
import sys, io, urllib3, sentry_sdk
from sentry_sdk.transport import Transport
from sentry_sdk.envelope import Envelope
class Spotlight(Transport):
    def capture_envelope(self, envelope):
        body = io.BytesIO(); envelope.serialize_into(body)
        urllib3.PoolManager().request(url=sys.argv[1], body=body.getvalue(), method="POST",
                                      headers={"Content-Type": "application/x-sentry-envelope"})
    def capture_event(self, event):
        e = Envelope(); e.add_event(event); self.capture_envelope(e)
sentry_sdk.init(transport=Spotlight(), release="spot@1")
sentry_sdk.capture_message("from spotlight", level="info")
sentry_sdk.flush()
`;

let dir: string;
let engine: Engine;
let server: RunningServer;

/** Runs a Python program to its end; fails on a non-zero exit or anything the SDK logs as an error. */
async function run(...args: string[]): Promise<void> {
  const { stderr } = await promisify(execFile)(PYTHON, ['-B', ...args]);
  expect(stderr).not.toMatch(/ERROR|Traceback/);
}

function base(): string {
  return `http://127.0.0.1:${server.port}`;
}

async function search(q: string): Promise<LogRecordView[]> {
  return (await engine.api.table.request('logs.search', { q })).records;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'loupe-sentry-'));
  for (const d of ['src', 'logs', 'venv/lib/python3.11/site-packages/fakelib']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'venv/lib/python3.11/site-packages/fakelib/__init__.py'), LIBRARY);
  writeFileSync(join(dir, 'src', 'app.py'), APP);
  writeFileSync(join(dir, 'run.py'), PROGRAM);
  writeFileSync(join(dir, 'spotlight.py'), SPOTLIGHT);
  engine = await createEngine({
    dataDir: join(dir, 'data'),
    paths: [join(dir, 'logs')],
    pollMs: 50,
    idleMs: 200,
    sentry: { spotlightPort: 0 },
  });
  server = await startHttpServer(engine, { host: '127.0.0.1', port: 0, token: TOKEN });
  const dsn = `http://${TOKEN}@127.0.0.1:${server.port}/1`;
  // Asynchronously: the server answering the SDK runs in this process.
  await run(join(dir, 'run.py'), dsn, join(dir, 'logs'), join(dir, 'src'), join(dir, 'venv/lib/python3.11/site-packages'));
});

afterAll(async () => {
  await server?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the Sentry SDK sending to Loupe', () => {
  it('stores the captured exception as an error record: the chain as a traceback, tags, user, locals, breadcrumbs', async () => {
    const [record, ...others] = await search('"order 4711 failed" service:shop');
    expect(others).toEqual([]);
    const lines = record!.message.split('\n');
    expect(lines[0]).toBe('RuntimeError: order 4711 failed');
    // The chain as Python prints it: the cause first, with the frames and their source lines.
    expect(record!.message).toContain('Traceback (most recent call last):');
    expect(record!.message).toContain(`File "${join(dir, 'src', 'app.py')}", line 10, in handle\n    return parse(order)`);
    expect(record!.message).toContain("KeyError: 'currency'\n\nThe above exception was the direct cause of the following exception:");
    expect(record!.level).toBe('error');
    expect(record!.attributes).toMatchObject({
      'exception.type': 'RuntimeError',
      'exception.message': 'order 4711 failed',
      'tags.region': 'eu',
      'user.id': '42',
      'user.email': 'ann@example.com',
    });
    const frames = record!.attributes!['exception.frames'] as { function: string; vars?: Record<string, unknown>; context_line?: string }[];
    const handle = frames.find((f) => f.function === 'handle')!;
    // As the SDK sends them: each value's repr, a dict as a dict of reprs.
    expect(handle.vars).toMatchObject({ total: '12.5', order: { id: '7' } });
    expect(handle.context_line).toContain("raise RuntimeError('order 4711 failed') from e");
    const crumbs = record!.attributes!.breadcrumbs as { message?: string; category?: string }[];
    expect(crumbs.some((c) => c.message === 'cart loaded' && c.category === 'shop')).toBe(true);
    expect(record!.traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('puts the Sentry event and the same exception logged to a file in one error group', async () => {
    const groups = await waitFor(async () => {
      const g = await engine.api.table.request('errors.list', { from: '2000-01-01T00:00:00Z' });
      return g.reduce((n, x) => n + x.count, 0) === 2 ? g : undefined;
    });
    expect(groups.map((g) => [g.title, g.count])).toEqual([["KeyError: 'currency'", 2]]);
    const detail = await engine.api.table.request('errors.get', { id: groups[0]!.id });
    expect(detail.frames.map((f) => [f.function, f.library])).toEqual([
      ['handle', false],
      ['parse', false],
      ['lookup', true],
    ]);
  });

  it('stores the transaction and its span as a trace, the error record pointing into it', async () => {
    const [record] = await search('"order 4711 failed" service:shop');
    const trace = await engine.api.table.request('traces.get', { traceId: record!.traceId! });
    const spans = trace.spans.map((s) => [s.name, s.service, s.parentSpanId === undefined || s.parentSpanId === null]);
    expect(spans).toEqual([
      ['checkout', 'shop', true],
      ['SELECT price FROM items', 'shop', false],
    ]);
    expect(trace.spans[1]!.attributes['sentry.op']).toBe('db.query');
  });

  it('stores capture_message at its level', async () => {
    const [record] = await search('"inventory low"');
    expect([record!.message, record!.level, record!.service]).toEqual(['inventory low', 'warn', 'shop']);
  });

  it('takes envelopes posted to the Spotlight listener', async () => {
    const port = engine.sentry!.spotlightPort!;
    await run(join(dir, 'spotlight.py'), `http://localhost:${port}/stream`);
    const [record] = await search('"from spotlight"');
    expect([record!.message, record!.service]).toEqual(['from spotlight', 'spot']);
  });

  it('counts what it received on its source', async () => {
    const view = (await engine.api.table.request('sources.list', {})).find((s) => s.kind === 'sentry')!;
    expect(view.counters).toMatchObject({ events: 3, transactions: 1, spans: 2, badItems: 0 });
    expect(view.records).toBe(3);
  });

  it("runs the README's five-line snippet as it is printed there", async () => {
    const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
    const snippet = /## Sentry SDK in[\s\S]*?```python\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(snippet.trim().split('\n')).toHaveLength(5);
    const program =
      'def checkout(order):\n    raise LookupError("no stock for %s" % order)\norder = 7\n' +
      snippet.replace('<token>', TOKEN).replace('127.0.0.1:4320', `127.0.0.1:${server.port}`);
    writeFileSync(join(dir, 'readme.py'), program);
    await run(join(dir, 'readme.py'));
    const [record] = await search('"no stock for 7"');
    expect(record!.message.split('\n')[0]).toBe('LookupError: no stock for 7');
    expect(record!.service).toBe('shop');
  });
});

describe('what the Sentry endpoints refuse', () => {
  const envelope = (items: string): string => `{"event_id":"0123456789abcdef0123456789abcdef"}\n${items}`;
  const event = '{"message":"gz works","level":"info"}';

  async function post(body: Buffer | string, headers: Record<string, string>, path = '/api/1/envelope/'): Promise<Response> {
    return fetch(`${base()}${path}`, { method: 'POST', body, headers: { 'Content-Type': 'application/x-sentry-envelope', ...headers } });
  }
  const key = { 'X-Sentry-Auth': `Sentry sentry_key=${TOKEN}, sentry_version=7, sentry_client=test/1` };

  it('takes gzip and deflate bodies and the key in the query string', async () => {
    const body = envelope(`{"type":"event","length":${event.length}}\n${event}\n`);
    expect((await post(gzipSync(body), { ...key, 'Content-Encoding': 'gzip' })).status).toBe(200);
    const r = await fetch(`${base()}/api/1/store/?sentry_key=${TOKEN}&sentry_version=7`, {
      method: 'POST',
      body: '{"message":"stored alone","level":"error"}',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(r.status).toBe(200);
    expect((await search('"gz works"')).length).toBe(1);
    expect((await search('"stored alone"'))[0]!.level).toBe('error');
  });

  it('answers 401 without a key and 403 for a wrong one, as Sentry does, and counts them', async () => {
    const before = (await engine.api.table.request('sources.get', { id: engine.sentry!.id })).counters!.refused!;
    expect((await post(envelope(''), {})).status).toBe(401);
    const wrong = await post(envelope(''), { 'X-Sentry-Auth': 'Sentry sentry_key=nope, sentry_version=7' });
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe('forbidden_key');
    const after = await engine.api.table.request('sources.get', { id: engine.sentry!.id });
    expect(after.counters!.refused).toBe(before + 2);
    expect(after.lastError).toContain("not Loupe's token");
  });

  it("refuses a browser page's post, even with the key, and a form or text body", async () => {
    const page = await rawRequest(
      server.port,
      'POST',
      `/api/1/envelope/?sentry_key=${TOKEN}`,
      { Origin: 'http://evil.example', 'Content-Type': 'text/plain' },
      envelope(''),
    );
    expect(page.status).toBe(403);
    const text = await rawRequest(
      server.port,
      'POST',
      `/api/1/envelope/?sentry_key=${TOKEN}`,
      { 'Content-Type': 'text/plain' },
      envelope(''),
    );
    expect(text.status).toBe(415);
    const spotlight = await rawRequest(engine.sentry!.spotlightPort!, 'POST', '/stream', {
      Origin: 'http://evil.example',
      'Content-Type': 'application/x-sentry-envelope',
    });
    expect(spotlight.status).toBe(403);
  });

  it('refuses a 100 MB envelope with 413 from its Content-Length, and one that inflates past the limit', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/api/1/envelope/',
          method: 'POST',
          headers: { ...key, 'Content-Type': 'application/x-sentry-envelope', 'Content-Length': String(100 * 1024 * 1024) },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(Buffer.alloc(64 * 1024));
    });
    expect(status).toBe(413);
    const bomb = gzipSync(Buffer.concat([Buffer.from(envelope('{"type":"attachment"}\n')), Buffer.alloc(100 * 1024 * 1024, 0x20)]));
    expect(bomb.length).toBeLessThan(SENTRY_LIMITS.maxWireBodyBytes);
    const r = await post(bomb, { ...key, 'Content-Encoding': 'gzip' });
    expect(r.status).toBe(413);
    const view = await engine.api.table.request('sources.get', { id: engine.sentry!.id });
    expect(view.lastError).toMatch(/larger than \d+ bytes/);
  });

  it('skips an item that is not JSON and keeps the others; refuses an envelope whose framing is broken', async () => {
    const good = '{"message":"kept beside a bad item"}';
    const mixed = envelope(`{"type":"event","length":9}\nnot json!\n{"type":"event"}\n${good}\n{"type":"client_report"}\n{}\n`);
    expect((await post(mixed, key)).status).toBe(200);
    expect((await search('"kept beside a bad item"')).length).toBe(1);
    const view = await engine.api.table.request('sources.get', { id: engine.sentry!.id });
    expect(view.counters).toMatchObject({ badItems: 1 });
    expect(view.counters!['ignoredItems.client_report']).toBeGreaterThanOrEqual(1);
    expect(view.lastError).toContain('Item 1 (event) is not JSON');
    const broken = await post(envelope('{"type":"event","length":5000}\n{}\n'), key);
    expect(broken.status).toBe(400);
    expect(((await broken.json()) as { error: { message: string } }).error.message).toContain('says 5000 bytes');
    const onlyBad = await post(envelope('{"type":"event"}\n{oops\n'), key);
    expect(onlyBad.status).toBe(400);
  });
});
