// The CLI as a user runs it: the token `loupe serve` keeps, and `loupe query` from a terminal.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
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
    expect((await first.get<{ version: string }>('/api/status'))).toBeTruthy();
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
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'query', '--data-dir', dataDir, ...args], { cwd: ROOT, encoding: 'utf8' });
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
  });
});

describe('loupe serve with a path that can never be there', () => {
  // A path not there yet is waited for (tests/integration/source-paths.test.ts); one under a file can't appear.
  it('says so in one line, exits 2, and leaves nothing open (the data folder is free again)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loupe-missing-path-'));
    const dataDir = join(dir, 'data');
    const notADir = join(dir, 'notes.txt');
    writeFileSync(notADir, 'a file\n');
    const res = spawnSync(process.execPath, [CLI, 'serve', join(notADir, 'logs'), '--data-dir', dataDir, '--port', '0', '--otlp-http-port', '0', '--otlp-grpc-port', '0'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect([res.status, res.stderr.trim()]).toEqual([2, `loupe: path: cannot watch ${join(notADir, 'logs')}: ${notADir} is a file, not a folder`]);
    const again = await startServe(['--data-dir', dataDir]);
    expect(await again.stop()).toBe(0);
  });
});
