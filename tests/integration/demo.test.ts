// `npm run demo` as a new user meets it: its Python shop shows every feature with Python's standard
// library alone (records linked to traces, tracebacks, several services), and the demo says where
// its data is so that `loupe query` finds it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LogRecordView, TraceSearchView, TraceView } from '../../shared/model.js';
import { CLI, ROOT, startServe, waitFor } from '../support/serve-process.js';

const PYTHON = '/usr/bin/python3';
const SERVICE = join(ROOT, 'resources', 'demo', 'service.py');

/** A PYTHONPATH under which `import structlog` and `import loguru` fail, as on a bare Python. */
function withoutExtras(): string {
  const dir = mkdtempSync(join(tmpdir(), 'loupe-no-extras-'));
  for (const name of ['structlog', 'loguru']) writeFileSync(join(dir, `${name}.py`), `raise ImportError("no ${name} here")\n`);
  return dir;
}

describe('the demo shop, on a Python with only its standard library', () => {
  it('writes records that link to their traces, tracebacks, and several services', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-demo-stdlib-'));
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    const serve = await startServe(['--data-dir', join(dir, 'data'), logs]);
    try {
      const otlp = /OTLP: +(http:\/\/\S+) \(HTTP\)/.exec(serve.output())![1]!;
      const shop = spawnSync(PYTHON, [SERVICE, logs, '--seconds', '3'], {
        encoding: 'utf8',
        env: { ...process.env, PYTHONPATH: withoutExtras(), OTEL_EXPORTER_OTLP_ENDPOINT: otlp },
        timeout: 30_000,
      });
      expect([shop.status, shop.stderr]).toEqual([0, '']);
      expect(shop.stdout).toContain('also: no extras (pip install structlog loguru to add their logs)');
      expect(readdirSync(logs).sort()).toEqual(['app.log', 'payments.jsonl', 'web.jsonl']);

      const all = async (q: string) =>
        (await serve.get<{ records: LogRecordView[] }>(`/api/logs?limit=5000&q=${encodeURIComponent(q)}`)).records;
      // The payment that failed (the shop's second request): a JSON line with its traceback, in its trace.
      const failed = await waitFor(async () => (await all('"payment for order 2 failed"'))[0], 20_000, 'the failed payment');
      expect(failed).toMatchObject({
        level: 'error',
        service: 'shop-payments',
        logger: 'payments.charge',
        exception: { type: 'RuntimeError', message: 'checkout of order 2 failed' },
      });
      expect(failed.file).toMatch(/payments\.jsonl$/);
      expect(failed.traceId).toMatch(/^[0-9a-f]{32}$/);
      const trace = await waitFor(
        async () =>
          serve.get<{ services: string[]; spans: { spanId: string; status: { code: string } }[] }>(`/api/traces/${failed.traceId}`),
        20_000,
        'the trace of the failed payment',
      );
      expect(trace.services.sort()).toEqual(['shop-payments', 'shop-web']);
      expect(trace.spans.find((s) => s.spanId === failed.spanId)?.status.code).toBe('error');
      // Every web line carries the trace of its request, and those traces are there.
      const web = await all('source:*web.jsonl');
      expect(web.length).toBeGreaterThan(5);
      expect(web.filter((r) => r.traceId === undefined)).toEqual([]);
      const webTrace = await serve.get<{ services: string[] }>(`/api/traces/${web[0]!.traceId}`);
      expect(webTrace.services).toContain('shop-web');
      // The worker's classic text log: a chained traceback folded into its record, a third service in the traces.
      const job = (await all('source:*app.log level:error')).at(-1)!;
      expect(job.message).toMatch(
        /^job send_receipt\(order=4\) failed[^]*ConnectionRefusedError[^]*RuntimeError: could not send the receipt of order 4/,
      );
      expect(job.exception).toEqual({ type: 'RuntimeError', message: 'could not send the receipt of order 4: SMTP server unreachable' });
      const services = (await serve.get<{ services: { name: string }[] }>('/api/services')).services.map((s) => s.name);
      expect(services.sort()).toEqual(['shop-payments', 'shop-web', 'shop-worker']);
      // The slow request.
      expect((await all('logger:shop.db level:warn "slow query"')).length).toBeGreaterThan(0);
    } finally {
      await serve.stop();
    }
  });

  it('ends on SIGTERM or Ctrl-C without a Python traceback', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const logs = mkdtempSync(join(tmpdir(), 'loupe-demo-signal-'));
      const shop = spawn(PYTHON, [SERVICE, logs], { env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' } });
      let out = '';
      shop.stdout.on('data', (d: Buffer) => (out += d.toString()));
      shop.stderr.on('data', (d: Buffer) => (out += d.toString()));
      try {
        await waitFor(() => (out.includes('demo: the shop logs into') ? true : undefined));
        shop.kill(signal);
        const code = await new Promise((resolve) => shop.once('exit', resolve));
        expect([signal, code, out]).toEqual([signal, 0, expect.not.stringContaining('Traceback')]);
      } finally {
        shop.kill('SIGKILL');
      }
    }
  });
});

describe('npm run demo', () => {
  /** scripts/demo.js for a few seconds, its temp folders under `tmp`. */
  async function demo(tmp: string, ...args: string[]): Promise<{ code: number | null; out: string }> {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'scripts', 'demo.js'), '--seconds', '3', '--port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0', ...args],
      {
        cwd: ROOT,
        env: { ...process.env, TMPDIR: tmp, PYTHON },
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    return { code, out };
  }

  it('says where its data is and the loupe query command for it, and removes its temp folder unless --keep', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'loupe-demo-run-'));
    const gone = await demo(tmp);
    expect(gone.code).toBe(0);
    const dataDir = /Loupe's data is in (\S+);/.exec(gone.out)?.[1];
    expect(dataDir).toMatch(new RegExp(`^${tmp}/loupe-demo-\\w+/data$`));
    expect(gone.out).toContain(`\n  npx loupe query 'level:error' --from 15m --data-dir ${dataDir}\n`);
    expect(gone.out).toMatch(/Loupe stopped: \d+ log records, \d+ spans and \d+ metric points written this run\.\n/);
    expect(gone.out).toContain('(`npm run demo -- --keep` keeps it)');
    expect(readdirSync(tmp)).toEqual([]);

    const kept = await demo(tmp, '--keep');
    expect(kept.code).toBe(0);
    const keptDir = /Loupe's data is in (\S+);/.exec(kept.out)![1]!;
    expect(kept.out).toContain(
      `demo: kept ${join(keptDir, '..')}; search it with\n  npx loupe query 'level:error' --from 15m --data-dir ${keptDir}\n`,
    );
    // The command it printed finds the shop's errors.
    const found = spawnSync(process.execPath, [CLI, 'query', 'level:error', '--from', '15m', '--data-dir', keptDir], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(found.status).toBe(0);
    expect(found.stdout).toMatch(/ERROR payments\.charge: payment for order 2 failed/);
    expect(existsSync(join(keptDir, '..', 'logs', 'web.jsonl'))).toBe(true);
  });

  it('feeds every kind of source: stdlib logging handlers, syslog, StatsD, the scrape, Zipkin, Jaeger, Sentry', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'loupe-demo-ways-'));
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'scripts', 'demo.js'),
        '--seconds',
        '60',
        '--port',
        '0',
        '--otlp-http-port',
        '0',
        '--otlp-grpc-port',
        '0',
        '--token',
        'demo-token',
      ],
      { cwd: ROOT, env: { ...process.env, TMPDIR: tmp, PYTHON } },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const url = await waitFor(() => /Loupe is serving (http:\/\/\S+?\/)\?token=/.exec(out)?.[1], 30_000, 'the demo to serve');
      expect(await waitFor(() => (out.includes('the shop also sends to Loupe through') ? true : undefined), 30_000, 'the shop')).toBe(true);
      const fed = await waitFor(
        async () => {
          const res = await fetch(new URL('/api/sources', url), { headers: { Authorization: 'Bearer demo-token' } });
          const { sources } = (await res.json()) as { sources: { kind: string; records: number; counters?: Record<string, number> }[] };
          // StatsD's points are written at its flush: what it received counts as fed.
          const kinds = new Set(sources.filter((s) => s.records > 0 || (s.counters?.['datagrams'] ?? 0) > 0).map((s) => s.kind));
          return kinds.size >= 8 ? [...kinds].sort() : undefined;
        },
        40_000,
        'every kind of source to have data',
      );
      expect(fed).toEqual(['folder', 'jaeger', 'python-logging', 'scrape', 'sentry', 'statsd', 'syslog', 'zipkin']);
      // The inventory's Jaeger spans join the checkout's trace, beside the web service's OTLP spans.
      const headers = { Authorization: 'Bearer demo-token' };
      const reserve = await waitFor(
        async () => {
          const res = await fetch(new URL('/api/traces?service=shop-inventory', url), { headers });
          return ((await res.json()) as TraceSearchView).traces[0];
        },
        20_000,
        'a trace of the Jaeger-traced inventory',
      );
      // The web service's OTLP spans are sent each second, the inventory's datagram at once: wait for both.
      const trace = await waitFor(
        async () => {
          const found = (await (await fetch(new URL(`/api/traces/${reserve.traceId}`, url), { headers })).json()) as TraceView;
          return found.services.includes('shop-web') ? found : undefined;
        },
        20_000,
        'the web service in the trace of the inventory',
      );
      expect(trace.services).toContain('shop-inventory');
      expect(
        trace.spans
          .filter((s) => s.service === 'shop-inventory')
          .map((s) => s.name)
          .sort(),
      ).toEqual(['UPDATE stock', 'reserve stock']);
    } finally {
      child.kill('SIGINT');
      await exited;
    }
  });
});
