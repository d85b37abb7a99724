// The CLI as a user runs it: the token `loupe serve` keeps, and `loupe query` from a terminal.
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, ROOT, startServe, waitFor } from '../support/serve-process.js';

describe('the API token of loupe serve', () => {
  // The token a user didn't choose stays the same across restarts (a browser tab or a script keeps
  // working), is readable by the user only, and yields to --token / LOUPE_TOKEN.
  it('is made once per data folder and kept there', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'loupe-token-')), 'data');
    const first = await startServe(['--data-dir', dataDir], {}, { token: false });
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(await first.get<{ version: string }>('/api/status')).toBeTruthy();
    expect(await first.stop()).toBe(0);
    expect(statSync(join(dataDir, 'api-token')).mode & 0o777).toBe(0o600);

    const second = await startServe(['--data-dir', dataDir], {}, { token: false });
    expect(second.token).toBe(first.token);
    await second.stop();

    // Given ones win, and don't replace the kept one.
    const given = await startServe(['--data-dir', dataDir, '--token', 'mine-1234567890abcdef'], {}, { token: false });
    expect(given.token).toBe('mine-1234567890abcdef');
    await given.stop();
    const fromEnv = await startServe(['--data-dir', dataDir], { LOUPE_TOKEN: 'env-1234567890abcdef' }, { token: false });
    expect(fromEnv.token).toBe('env-1234567890abcdef');
    expect((await fetch(new URL('/api/status', fromEnv.url), { headers: { Authorization: `Bearer ${first.token}` } })).status).toBe(401);
    await fromEnv.stop();
    const third = await startServe(['--data-dir', dataDir], {}, { token: false });
    expect(third.token).toBe(first.token);
    await third.stop();
  });
});

describe('loupe query', () => {
  it('prints matches oldest first, as JSON lines on request, and exits as grep does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-query-cli-'));
    const file = join(dir, 'app.log');
    writeFileSync(
      file,
      '2026-11-30 10:00:00,000 INFO app.http: GET /users 200\n' +
        '2026-11-30 10:00:01,000 ERROR app.db: connection refused\n' +
        '2026-11-30 10:00:02,000 ERROR app.db: connection refused again\n',
    );
    const dataDir = join(dir, 'data');
    const serve = await startServe(['--data-dir', dataDir, file]);
    await waitFor(async () => ((await serve.get<{ records: unknown[] }>('/api/logs')).records.length === 3 ? true : undefined));
    // While serve runs, and after.
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [CLI, 'query', '--data-dir', dataDir, ...args], { cwd: ROOT, encoding: 'utf8' });
    const errors = run('level:error');
    expect(errors.status).toBe(0);
    expect(errors.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^2026-11-30T\d\d:00:01\.000000Z ERROR app\.db: connection refused$/),
      expect.stringMatching(/ERROR app\.db: connection refused again$/),
    ]);
    await serve.stop();
    const json = run('refused', '--json', '--limit', '1');
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ level: 'error', logger: 'app.db', message: 'connection refused again' });
    const none = run('level:fatal');
    expect([none.status, none.stdout, none.stderr]).toEqual([1, '', 'loupe: no records match\n']);
    const bad = run('level:');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/level:.*needs a value/);
    // The mistake is shown where it is, as the search box underlines it.
    const unclosed = run('refused', '(timeout', 'OR', 'db)x', '(again');
    expect(unclosed.status).toBe(2);
    expect(unclosed.stderr).toBe(
      'loupe: This "(" is never closed: add a ")".\n  refused (timeout OR db)x (again\n                           ^\n',
    );
  });
});

describe('loupe help', () => {
  const loupe = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8' });

  it('each command prints its own options on --help, -h, and "loupe help COMMAND"', () => {
    for (const args of [
      ['serve', '--help'],
      ['serve', '-h'],
      ['help', 'serve'],
      ['serve', 'logs', '--prot', '0', '--help'],
    ]) {
      const res = loupe(...args);
      expect([args, res.status, res.stderr]).toEqual([args, 0, '']);
      expect(res.stdout).toMatch(/^Usage: loupe serve \[PATH…\] \[options\]\n/);
      const flags = ['--data-dir DIR', '--port N', '--max-db-size SIZE', '--otlp-http-port N', '--forward URL', '--no-otlp'];
      for (const flag of [...flags, '--scrape URL[@INTERVAL]', '--statsd-port N', '--no-statsd', '-h, --help']) {
        expect(res.stdout).toContain(`  ${flag} `);
      }
      expect(res.stdout).not.toContain('--poll-ms');
    }
    for (const args of [
      ['query', '--help'],
      ['query', '-h'],
      ['help', 'query'],
    ]) {
      const res = loupe(...args);
      expect([args, res.status, res.stderr]).toEqual([args, 0, '']);
      expect(res.stdout).toMatch(/^Usage: loupe query \[QUERY\] \[options\]\n/);
      for (const flag of ['--data-dir DIR', '--from TIME', '--to TIME', '--limit N', '--json']) expect(res.stdout).toContain(`  ${flag} `);
      // The search syntax, with examples to copy.
      expect(res.stdout).toMatch(/^ {2}level:warn\+ +that level or worse/m);
      expect(res.stdout).toMatch(/^ {2}logger:app\.db +that logger and its children/m);
      expect(res.stdout).toContain("  loupe query 'level:error' --from 15m\n");
    }
    const top = loupe('help');
    expect(top.status).toBe(0);
    expect(top.stdout).toMatch(/^ {2}loupe --version +the version$/m);
    expect(top.stdout).toContain('loupe serve --help');
    expect(loupe('--version').stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('says which option it does not know, and where to look, in words', () => {
    const cases: [string[], string][] = [
      [['serve', '--x'], 'loupe: unknown option --x; see loupe serve --help\n'],
      [['serve', '--prot=4000'], 'loupe: unknown option --prot; see loupe serve --help\n'],
      [['serve', '--port'], 'loupe: --port needs a value (--port N); see loupe serve --help\n'],
      [['serve', '--data-dir', '--no-otlp'], 'loupe: --data-dir needs a value (--data-dir DIR); see loupe serve --help\n'],
      [['serve', '--no-otlp=yes'], 'loupe: --no-otlp takes no value; see loupe serve --help\n'],
      [['query', '--since', '1h'], 'loupe: unknown option --since; see loupe query --help\n'],
      [
        ['query', '-level:debug'],
        `loupe: unknown option -level:debug; see loupe query --help (a search that starts with "-" goes after --: loupe query -- '-level:debug')\n`,
      ],
      [['help', 'tail'], 'loupe: no help on "tail": the commands are serve, query and check\n'],
    ];
    for (const [args, stderr] of cases) {
      const res = loupe(...args);
      expect([args, res.status, res.stderr, res.stdout]).toEqual([args, 2, stderr, '']);
    }
  });
});

describe('stopping loupe serve', () => {
  it('confirms it stopped, with what this run wrote', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-stop-'));
    const file = join(dir, 'app.log');
    writeFileSync(file, '2026-11-30 10:00:00,000 INFO app: one\n2026-11-30 10:00:01,000 INFO app: two\n');
    const dataDir = join(dir, 'data');
    const first = await startServe(['--data-dir', dataDir, file]);
    await waitFor(async () => ((await first.get<{ records: unknown[] }>('/api/logs')).records.length === 2 ? true : undefined));
    // A span over OTLP/HTTP, at the port the banner names.
    const otlp = /OTLP: +(http:\/\/\S+) \(HTTP\)/.exec(first.output())![1]!;
    const span = {
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      name: 'GET /',
      kind: 2,
      startTimeUnixNano: '1764496800000000000',
      endTimeUnixNano: '1764496800100000000',
    };
    const res = await fetch(`${otlp}/v1/traces`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: [span] }] }] }),
    });
    expect(res.status).toBe(200);
    expect(await first.stop('SIGINT')).toBe(0);
    expect(first.output()).toMatch(
      /Loupe is stopping: writing what is pending…\nLoupe stopped: 2 log records, 1 span and 0 metric points written this run\.\n$/,
    );

    // The next run resumes the file where it stopped: it writes only what is new.
    const second = await startServe(['--data-dir', dataDir, '--no-otlp']);
    appendFileSync(file, '2026-11-30 10:00:02,000 INFO app: three\n');
    await waitFor(async () => ((await second.get<{ records: unknown[] }>('/api/logs')).records.length === 3 ? true : undefined));
    expect(await second.stop()).toBe(0);
    expect(second.output()).toMatch(/\nLoupe stopped: 1 log record written this run\.\n$/);
  });
});

describe('loupe query into a pipe that closes early', () => {
  it('stops quietly, as grep does (`loupe query … | head`)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-query-pipe-'));
    const file = join(dir, 'app.log');
    writeFileSync(file, Array.from({ length: 3000 }, (_, i) => `2026-11-30 10:00:00,000 INFO app.http: request ${i} done\n`).join(''));
    const dataDir = join(dir, 'data');
    const serve = await startServe(['--data-dir', dataDir, file]);
    await waitFor(async () =>
      (await serve.get<{ records: unknown[] }>('/api/logs?limit=5000')).records.length === 3000 ? true : undefined,
    );
    await serve.stop();
    const res = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" query --limit 3000 --data-dir "${dataDir}" | head -n 1`], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect([res.status, res.stdout, res.stderr]).toEqual([0, '2026-11-30T10:00:00.000000Z INFO  app.http: request 0 done\n', '']);
  });
});

describe('loupe serve with a path that can never be there', () => {
  // A path not there yet is waited for (tests/integration/source-paths.test.ts); one under a file can't appear.
  it('says so in one line, exits 2, and leaves nothing open (the data folder is free again)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-missing-path-'));
    const dataDir = join(dir, 'data');
    const notADir = join(dir, 'notes.txt');
    writeFileSync(notADir, 'a file\n');
    const res = spawnSync(
      process.execPath,
      [CLI, 'serve', join(notADir, 'logs'), '--data-dir', dataDir, '--port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect([res.status, res.stderr.trim()]).toEqual([
      2,
      `loupe: path: cannot watch ${join(notADir, 'logs')}: ${notADir} is a file, not a folder`,
    ]);
    const again = await startServe(['--data-dir', dataDir]);
    expect(await again.stop()).toBe(0);
  });
});
