// Each kind of check against the real thing: HTTP(S) against the Python server and a TLS server
// with a self-signed certificate made by openssl (expiry, allowSelfSigned, minCertDays), redirects
// to a non-HTTP scheme refused, bodies read up to their limit; TCP; a process by pid file and by
// command line; a command's exit status, output, and its process group killed on timeout; a file's
// freshness.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeSpec } from '../../../shared/health.js';
import { systemClock } from '../../../electron/engine/core/clock.js';
import { Scheduler } from '../../../electron/engine/core/scheduler.js';
import { runCheck } from '../../../electron/engine/probes/checks.js';
import { PROBE_DEFAULTS } from '../../../electron/engine/probes/probes-file.js';
import { startProbedServer, type ProbedServer } from '../../support/probed-server.js';

const scheduler = new Scheduler(systemClock);
let server: ProbedServer;
let tls: https.Server;
let tlsUrl: string;
let dir: string;

function spec(check: Partial<ProbeSpec>, timeoutSeconds = 5): ProbeSpec {
  return { name: 'p', service: 's', role: 'liveness', ...PROBE_DEFAULTS, timeoutSeconds, dependsOn: [], ...check };
}

beforeAll(async () => {
  server = await startProbedServer();
  dir = mkdtempSync(join(tmpdir(), 'loupe-checks-'));
  // A self-signed certificate valid 5 days, as a developer's local HTTPS server has.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '5',
      '-subj',
      '/CN=localhost',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  tls = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) =>
    res.end('secure ok'),
  );
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
  tlsUrl = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await server.stop();
  await new Promise((resolve) => tls.close(resolve));
});

describe('HTTP checks', () => {
  it('checks the status, a text, a regex and a JSON path in the body', async () => {
    const url = `${server.url}/healthz`;
    expect(
      await runCheck(
        spec({
          http: { url, bodyContains: '"ok"', bodyRegex: 'status"\\s*:\\s*"ok', jsonPath: { path: '$.checks[0].ok', equals: 'true' } },
        }),
        scheduler,
      ),
    ).toMatchObject({ ok: true, statusCode: 200, reason: null });
    expect(await runCheck(spec({ http: { url, jsonPath: { path: '$.status', equals: 'healthy' } } }), scheduler)).toMatchObject({
      ok: false,
      reason: '$.status is ok, not healthy',
    });
    expect(await runCheck(spec({ http: { url, expectStatus: ['201-204'] } }), scheduler)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^HTTP 200: /) as string,
    });
    await server.command('fail');
    try {
      expect(await runCheck(spec({ http: { url, expectStatus: ['5xx'] } }), scheduler)).toMatchObject({ ok: true, statusCode: 500 });
      expect(await runCheck(spec({ http: { url, bodyRegex: 'ok' } }), scheduler)).toMatchObject({
        ok: false,
        reason: expect.stringContaining('HTTP 500') as string,
      });
    } finally {
      await server.command('pass');
    }
  });

  it('refuses a redirect to a file: address, and reads a big body only up to its limit', async () => {
    const redirect = await runCheck(spec({ http: { url: `${server.url}/redirect-file` } }), scheduler);
    expect(redirect).toMatchObject({ ok: false, reason: 'redirect to a non-HTTP address refused: file:' });
    const big = await runCheck(spec({ http: { url: `${server.url}/big`, maxBodyBytes: 1024, bodyRegex: '^x+$' } }), scheduler);
    expect(big).toMatchObject({ ok: true, statusCode: 200 });
  });

  it('fails a self-signed certificate unless the probe allows it, reads its expiry, and fails it under minCertDays', async () => {
    const refused = await runCheck(spec({ http: { url: tlsUrl } }), scheduler);
    expect(refused.ok).toBe(false);
    expect(refused.reason).toContain('self-signed');
    const allowed = await runCheck(spec({ http: { url: tlsUrl, allowSelfSigned: true, bodyContains: 'secure ok' } }), scheduler);
    expect(allowed.ok).toBe(true);
    const days = (allowed.certExpiresMs! - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(4.9);
    expect(days).toBeLessThanOrEqual(5);
    const soon = await runCheck(spec({ http: { url: tlsUrl, allowSelfSigned: true, minCertDays: 14 } }), scheduler);
    expect(soon).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^the certificate expires in 4\.9|5\.0 days \(less than 14\)$/) as string,
    });
  });
});

describe('TCP, process, command and file checks', () => {
  it('connects to a TCP port, and says nothing listens on a closed one', async () => {
    expect(await runCheck(spec({ tcp: { host: '127.0.0.1', port: server.port } }), scheduler)).toMatchObject({ ok: true });
    await server.command('down');
    try {
      expect(await runCheck(spec({ tcp: { host: '127.0.0.1', port: server.port } }), scheduler)).toMatchObject({
        ok: false,
        reason: `nothing listens on 127.0.0.1:${server.port}`,
      });
    } finally {
      await server.command('up');
    }
  });

  it('finds a process by pid file and by command line, and says when it is not running', async () => {
    writeFileSync(join(dir, 'server.pid'), `${server.pid}\n`);
    expect(await runCheck(spec({ process: { pidFile: join(dir, 'server.pid') } }), scheduler)).toMatchObject({ ok: true });
    expect(await runCheck(spec({ process: { commandLine: 'probed_server.py' } }), scheduler)).toMatchObject({ ok: true });
    expect(await runCheck(spec({ process: { commandLine: 'no-such-program-xyz' } }), scheduler)).toMatchObject({
      ok: false,
      reason: 'no process whose command line contains "no-such-program-xyz"',
    });
    writeFileSync(join(dir, 'gone.pid'), '999999999\n');
    expect(await runCheck(spec({ process: { pidFile: join(dir, 'gone.pid') } }), scheduler)).toMatchObject({ ok: false });
  });

  it('finds the process tied to a log file: one that writes it, not one that only reads it', async () => {
    const log = join(dir, 'app.log');
    writeFileSync(log, '');
    const hold = (mode: string): ChildProcess =>
      spawn(
        '/usr/bin/python3',
        ['-c', `import sys, time\nf = open(sys.argv[1], "${mode}")\nprint("open", flush=True)\ntime.sleep(60)`, log],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
    const opened = async (p: ChildProcess): Promise<void> => {
      await new Promise<void>((resolve) => p.stdout!.once('data', () => resolve()));
    };
    const reader = hold('r');
    await opened(reader);
    try {
      expect(await runCheck(spec({ process: { writes: log } }), scheduler)).toMatchObject({
        ok: false,
        reason: `no process has ${log} open for writing`,
      });
      const writer = hold('a');
      await opened(writer);
      try {
        expect(await runCheck(spec({ process: { writes: log } }), scheduler)).toMatchObject({ ok: true });
      } finally {
        writer.kill();
        await new Promise((resolve) => writer.once('exit', resolve));
      }
      expect(await runCheck(spec({ process: { writes: log } }), scheduler)).toMatchObject({ ok: false });
    } finally {
      reader.kill();
    }
  });

  it('judges a command by its exit status and output, and kills its whole process group on timeout', async () => {
    expect(await runCheck(spec({ command: { run: ['/bin/sh', '-c', 'echo all good'], outputContains: 'good' } }), scheduler)).toMatchObject(
      { ok: true },
    );
    expect(await runCheck(spec({ command: { run: 'echo broken >&2; exit 3' } }), scheduler)).toMatchObject({
      ok: false,
      reason: 'exit 3, expected 0: broken',
    });
    // The command starts a grandchild and waits: the timeout must take both.
    const pidFile = join(dir, 'grandchild.pid');
    const hung = await runCheck(spec({ command: { run: `sleep 60 & echo $! > ${pidFile}; wait` } }, 1), scheduler);
    expect(hung).toMatchObject({ ok: false, reason: 'timed out after 1 s' });
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      try {
        process.kill(grandchild, 0);
        await new Promise((r) => setTimeout(r, 20));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });

  it('says a file is fresh when written within maxAgeSeconds, and how old it is when not', async () => {
    const heartbeat = join(dir, 'heartbeat');
    writeFileSync(heartbeat, 'beat');
    expect(await runCheck(spec({ file: { path: heartbeat, maxAgeSeconds: 60 } }), scheduler)).toMatchObject({ ok: true });
    const old = new Date(Date.now() - 300_000);
    utimesSync(heartbeat, old, old);
    expect(await runCheck(spec({ file: { path: heartbeat, maxAgeSeconds: 60 } }), scheduler)).toMatchObject({
      ok: false,
      reason: `${heartbeat} was last written 300 s ago (more than 60 s)`,
    });
    expect(await runCheck(spec({ file: { path: join(dir, 'none'), maxAgeSeconds: 60 } }), scheduler)).toMatchObject({
      ok: false,
      reason: `${join(dir, 'none')} does not exist`,
    });
  });
});
