// The README's "Send your telemetry" snippets, run as written: each block marked
// `<!-- send-telemetry: NAME -->` is taken out of README.md and run with /usr/bin/python3 against a
// live `loupe serve` (the ports it bound put where the snippets say the defaults, LOUPE and TOKEN
// defined before), and the data each sends must be in Loupe. Needs Debian's python3-statsd,
// python3-prometheus-client, python3-sentry-sdk, python3-py-zipkin and python3-yaml.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogPage, TraceSearchView } from '../../shared/model.js';
import { ROOT, startServe, waitFor, type ServeProcess } from '../support/serve-process.js';

const PYTHON = '/usr/bin/python3';

/** The README's marked blocks by name. */
function snippets(): Map<string, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const out = new Map<string, string>();
  for (const m of readme.matchAll(/<!-- send-telemetry: (\S+) -->\n```\w+\n([\s\S]*?)```\n/g)) out.set(m[1]!, m[2]!);
  return out;
}

let dir: string;
let serve: ServeProcess;
let blocks: Map<string, string>;
const ports = { tcp: '', udp: '', syslog: '', statsd: '', zipkin: '', api: '' };

/** The snippet with the bound ports in place of the defaults, LOUPE and TOKEN defined. */
function program(name: string): string {
  const code = blocks.get(name);
  if (code === undefined) throw new Error(`README.md has no send-telemetry: ${name} block`);
  const bound = code
    .replace("SocketHandler('127.0.0.1', 9020)", `SocketHandler('127.0.0.1', ${ports.tcp})`)
    .replace("DatagramHandler('127.0.0.1', 9020)", `DatagramHandler('127.0.0.1', ${ports.udp})`)
    .replace("('127.0.0.1', 5514)", `('127.0.0.1', ${ports.syslog})`)
    .replace("'127.0.0.1', 8125", `'127.0.0.1', ${ports.statsd}`)
    .replace('127.0.0.1:9411', `127.0.0.1:${ports.zipkin}`);
  return `LOUPE = '127.0.0.1:${ports.api}'\nTOKEN = '${serve.token}'\n${bound}`;
}

async function run(name: string, replace: (code: string) => string = (c) => c): Promise<void> {
  await promisify(execFile)(PYTHON, ['-c', replace(program(name))], { cwd: dir });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(new URL(path, serve.url), {
    method: 'POST',
    headers: { Authorization: `Bearer ${serve.token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

beforeAll(async () => {
  blocks = snippets();
  dir = mkdtempSync(join(tmpdir(), 'loupe-send-telemetry-'));
  serve = await startServe([
    '--data-dir',
    join(dir, 'data'),
    '--python-logging-port',
    '0',
    '--syslog-port',
    '0',
    '--statsd-port',
    '0',
    '--zipkin-port',
    '0',
    '--spotlight-port',
    '0',
  ]);
  const out = serve.output();
  const py = /Python logging: tcp:\/\/127\.0\.0\.1:(\d+) \(SocketHandler\), udp:\/\/127\.0\.0\.1:(\d+)/.exec(out);
  ports.tcp = py?.[1] ?? '';
  ports.udp = py?.[2] ?? '';
  ports.syslog = /syslog: +udp:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1] ?? '';
  ports.statsd = /StatsD: +udp:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1] ?? '';
  ports.zipkin = /Zipkin: +http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1] ?? '';
  ports.api = new URL(serve.url).port;
  expect(
    Object.values(ports).every((p) => /^\d+$/.test(p)),
    out,
  ).toBe(true);
});

afterAll(async () => {
  await serve?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the README's Send your telemetry snippets, run against loupe serve", () => {
  it('stdlib handlers: Socket, Datagram, HTTP and SysLog each deliver the record', async () => {
    await run('stdlib-handlers');
    const page = await waitFor(async () => {
      const p = await serve.get<LogPage>('/api/logs?q=%22stock%20low%22');
      return p.records.length === 4 ? p : undefined;
    });
    expect(page.records.every((r) => r.message === 'stock low: 3 left' && r.level === 'warn')).toBe(true);
  });

  it('file logging with the dictConfig: read with the parser built from its formatter', async () => {
    writeFileSync(join(dir, 'logging.yaml'), blocks.get('logging.yaml') ?? '');
    await run('file-logging');
    expect((await post('/api/logging-config', { path: join(dir, 'logging.yaml') })).status).toBe(200);
    const page = await waitFor(async () => {
      const p = await serve.get<LogPage>('/api/logs?q=logger:shop.db');
      return p.records.length === 1 ? p : undefined;
    });
    expect(page.records[0]).toMatchObject({ level: 'warn', message: 'slow query: 950 ms', attributes: { threadName: 'MainThread' } });
  });

  it('statsd: the counter and the timer arrive as series', async () => {
    await run('statsd');
    // Written at the listener's flush (every 10 s), as statsd_exporter names them.
    const names = await waitFor(
      async () => {
        const r = await serve.get<{ data: { __name__: string }[] }>(
          '/api/v1/series?match[]=' + encodeURIComponent('{__name__=~"shop_.+"}'),
        );
        const found = [...new Set(r.data.map((s) => s.__name__))].sort();
        return found.length >= 2 ? found : undefined;
      },
      40_000,
      'the StatsD series',
    );
    expect(names.some((n) => n.startsWith('shop_orders'))).toBe(true);
    expect(names.some((n) => n.startsWith('shop_checkout'))).toBe(true);
  });

  it('prometheus_client: the scrape reads its counter', async () => {
    const port = await freePort();
    const child = spawn(
      PYTHON,
      [
        '-c',
        program('prometheus-client').replace('start_http_server(8000)', `start_http_server(${port})`) + '\nimport time\ntime.sleep(120)\n',
      ],
      {
        cwd: dir,
        stdio: 'ignore',
      },
    );
    try {
      expect((await post('/api/sources', { kind: 'scrape', url: `http://127.0.0.1:${port}/metrics`, interval: '1s' })).status).toBe(201);
      await waitFor(async () => {
        const r = await serve.get<{ data: { result: { value: [number, string] }[] } }>('/api/v1/query?query=orders_total');
        return r.data.result[0]?.value[1] === '3' ? true : undefined;
      });
    } finally {
      child.kill();
    }
  });

  it('sentry_sdk: the exception is a log record with its type', async () => {
    await run('sentry');
    const page = await waitFor(async () => {
      const p = await serve.get<LogPage>('/api/logs?q=KeyError');
      return p.records.length > 0 ? p : undefined;
    });
    expect(page.records[0]!.level).toBe('error');
  });

  it('py_zipkin: the decorated function and the context-manager span are one trace', async () => {
    await run('py-zipkin');
    const found = await waitFor(async () => {
      const t = await serve.get<TraceSearchView>('/api/traces?service=shop');
      return t.traces.length === 1 ? t : undefined;
    });
    expect(found.traces[0]).toMatchObject({ rootOperation: 'checkout', spanCount: 2 });
  });
});
